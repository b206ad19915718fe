"""Domain: the vocabulary, permissions, identity numbers, dates, errors and the rules.

Standard library (plus stdnum and holidays) only: no SQLAlchemy, no Textual."""
