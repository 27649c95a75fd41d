"""Gateway configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from kernel.config import BusConfig

SERVICES = ("identity", "orgs", "content", "media", "sms", "geo")


class GatewayConfig(BusConfig):  # the broker: live chat and notifications (gateway/live.py)
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    identity_addr: str = "127.0.0.1:50051"
    orgs_addr: str = "127.0.0.1:50061"
    content_addr: str = "127.0.0.1:50071"
    media_addr: str = "127.0.0.1:50081"
    sms_addr: str = "127.0.0.1:50091"
    geo_addr: str = "127.0.0.1:50101"
    jwks_path: Path
    max_body_bytes: int = 64 * 1024
    # Knowledge articles (up to 50,000 characters; \uXXXX-escaped CJK is 6 bytes a character): their own limit.
    max_document_bytes: int = 384 * 1024
    # Roster files (POST /api/v1/orgs/{id}/import): their own limit, and time for a large import.
    max_upload_bytes: int = 10 * 1024 * 1024 + 64 * 1024  # a 10 MiB file and its multipart framing
    import_timeout_seconds: float = Field(120.0, gt=0)
    grpc_timeout_seconds: float = 5.0
    # The services this deployment runs, comma-separated: /readyz waits for these only (the central office runs
    # identity, orgs and content; a route of a service it does not run answers 503).
    gateway_services: str = "identity,orgs,content,media,sms,geo"
    # per client address, per minute
    auth_rate_per_minute: int = Field(30, ge=1)
    code_rate_per_minute: int = Field(5, ge=1)
    # per account, per minute: a search reads the index and every hit's permissions (the costliest read)
    search_rate_per_minute: int = Field(120, ge=1)
    # How long an exchanged webhook-app token is kept (gateway/app_tokens.py): a revocation holds within it.
    app_token_cache_seconds: float = Field(30.0, ge=0, le=300)
    # Honour X-Forwarded-For only behind a trusted proxy (the Kubernetes ingress).
    trust_forwarded_for: bool = False
    # Federation (gateway/federation/): this region's Ed25519 key that signs its requests to peers, and the
    # allow-list of peers (kernel/federation.py). Both empty: the region has no peers.
    # The built web app (gateway/webapp.py); empty: web/dist beside the gateway's package.
    web_dist: Path | None = None
    federation_key_path: Path | None = None
    federation_peers_path: Path | None = None
    # How long a call to a peer region may take before it is given up (the caller gets 503).
    federation_timeout_seconds: float = Field(5.0, gt=0, le=60)

    @field_validator("federation_key_path", "federation_peers_path")
    @classmethod
    def _federation_file(cls, v: Path | None) -> Path | None:
        if v is None or not str(v):
            return None
        if not v.is_file():
            raise ValueError("no such file")
        return v

    @field_validator("gateway_services")
    @classmethod
    def _services(cls, v: str) -> str:
        names = [n.strip() for n in v.split(",") if n.strip()]
        unknown = sorted(set(names) - set(SERVICES))
        if unknown or "identity" not in names:
            raise ValueError(f"a comma-separated list of {', '.join(SERVICES)} with identity among them")
        return ",".join(names)

    @property
    def services(self) -> list[str]:
        return self.gateway_services.split(",")

    @field_validator("jwks_path")
    @classmethod
    def _jwks(cls, v: Path) -> Path:
        if not v.is_file():
            raise ValueError("no such file: run identity's `manage init-keys` first")
        return v
