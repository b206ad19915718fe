"""Domain operations. Each write and its audit entry commit in one transaction; no Textual here."""
