"""geo's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field

from kernel.config import BaseConfig, BusConfig, StoreConfig
from kernel.grpc_server import ServiceConfig


class GeoSettings(BaseConfig):
    """orgs' address (geo asks it, as the caller, about meetings) and how often retention runs."""

    orgs_addr: str = "127.0.0.1:50061"
    geo_retention_seconds: int = Field(3600, ge=5, le=24 * 3600)


class GeoConfig(ServiceConfig, GeoSettings):
    pass


class GeoWorkerConfig(StoreConfig, BusConfig, GeoSettings):
    pass
