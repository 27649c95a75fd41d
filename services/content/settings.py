"""content's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from kernel.grpc_server import ServiceConfig


class ContentConfig(ServiceConfig):
    pass
