"""Identity's rules as plain Python: no I/O here, so every rule has a fast unit test."""
