"""orgs' rules as plain Python (no I/O)."""
