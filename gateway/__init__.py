"""The gateway: the only public entry (HTTP/JSON API with OpenAPI, auth, tenant routing)."""
