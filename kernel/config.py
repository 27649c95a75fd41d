"""Settings from environment variables, validated at start-up with a clear message."""

from __future__ import annotations

import re
import sys
from typing import TypeVar

from pydantic import ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REGION_RE = re.compile(r"^[a-z][a-z0-9-]{1,30}$")


class BaseConfig(BaseSettings):
    """Settings every process shares. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    region: str = "tianjin"
    log_level: str = "INFO"
    metrics_port: int = 0  # 0: no metrics endpoint (tests may turn it off)

    @field_validator("region")
    @classmethod
    def _region_slug(cls, v: str) -> str:
        if not REGION_RE.fullmatch(v):
            raise ValueError("must be a lower-case slug such as 'tianjin'")
        return v

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return v


class StoreConfig(BaseConfig):
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = ""  # empty: "<region>_<service>"


class CacheConfig(BaseConfig):
    # Redis in front of the database for hot reads (kernel/cache.py); empty: no cache, every read asks
    # the database. e.g. redis://127.0.0.1:6379/0
    redis_url: str = ""


class BusConfig(BaseConfig):
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"


class KeysConfig(BaseConfig):
    # JWKS file with the public keys that verify access tokens (written by identity's key tool).
    jwks_path: str = ""


C = TypeVar("C", bound=BaseSettings)


def load(config_cls: type[C], **overrides) -> C:
    """Build settings from the environment; on bad values print one line per problem and exit 2."""
    try:
        return config_cls(**overrides)
    except ValidationError as exc:
        lines = [f"invalid configuration for {config_cls.__name__}:"]
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper()
            lines.append(f"  {name}: {err['msg']} (got {err.get('input')!r})")
        print("\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None
