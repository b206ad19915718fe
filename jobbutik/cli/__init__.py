"""The command line (Click): one-line errors, never a traceback."""
