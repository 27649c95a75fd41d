"""content's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

import functools

from pydantic import Field

from kernel import config as kconfig
from kernel.config import BaseConfig, CacheConfig
from kernel.grpc_server import ServiceConfig


class MicroblogSettings(BaseConfig):
    """The microblog's fan-out (services/content/README.md): read by the server and the worker alike."""

    # Authors and orgs with at most this many followers have their posts pushed into the followers' home
    # timelines when posted; bigger ones are pulled by each reader at read time.
    content_push_limit: int = Field(1000, ge=1)
    # A home timeline keeps (about) this many newest pushed entries per reader.
    content_home_inbox: int = Field(500, ge=20)


class SearchSettings(BaseConfig):
    """Where the search index lives: written by the search indexer, read by the content server."""

    search_index_dir: str = "search-index"  # the local stack sets <data dir>/search


class WebhookSettings(BaseConfig):
    """Webhook apps (services/content/webhooks.py): may an endpoint be inside a private network? Never in
    production (a webhook is no way into the region's own servers); the local stack allows it for its tests."""

    content_webhook_allow_private: bool = False


@functools.cache
def webhooks_allow_private() -> bool:
    """The deployment's WebhookSettings, read once."""
    return kconfig.load(WebhookSettings).content_webhook_allow_private


class ContentConfig(ServiceConfig, CacheConfig, MicroblogSettings, SearchSettings, WebhookSettings):
    pass
