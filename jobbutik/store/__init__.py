"""Store: the database engine and sessions, the tables, the schema check, the migrations."""
