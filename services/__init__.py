"""The platform's services; each owns its database and serves gRPC (see SPEC.md)."""
