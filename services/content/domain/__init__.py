"""content's pure rules: no database, no network; unit-tested in tests/unit/content/."""
