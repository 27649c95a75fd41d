"""content's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.grpc_server import ServiceConfig


class SearchSettings(BaseSettings):
    """Where the search index lives: written by the search indexer, read by the content server."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    search_index_dir: str = "search-index"  # the local stack sets <data dir>/search


class ContentConfig(ServiceConfig, SearchSettings):
    pass
