"""HTTP routes, one module per service area."""
