"""One module per screen. No database or service imports at module level (start-up speed)."""
