"""The Textual app: sections, screens, forms, widgets, styles."""
