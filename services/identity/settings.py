"""identity's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from pydantic import field_validator

from kernel import federation
from kernel.grpc_server import ServiceConfig
from services.identity.domain.codes import CodePolicy
from services.identity.domain.lockout import LockoutPolicy
from services.identity.pii import parse_key


class IdentityConfig(ServiceConfig):
    keys_dir: Path  # signing/<kid>.pem and jwks.json (the key tool writes them)
    pii_key: str  # base64 of 32 bytes: encrypts ID-card numbers at rest
    otp_pepper: str  # keys the stored hashes of one-time codes
    access_ttl_seconds: int = 600
    refresh_ttl_days: int = 30
    lockout_threshold: int = 5
    lockout_window_seconds: int = 900
    lockout_seconds: int = 900
    code_resend_seconds: int = 60
    codes_per_hour: int = 5
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    # The peer regions whose signed requests this region admits (kernel/federation.py); "" = none.
    federation_peers_path: Path | None = None

    @field_validator("federation_peers_path")
    @classmethod
    def _peers(cls, v: Path | None) -> Path | None:
        if v is None or not str(v):
            return None
        try:
            federation.load_peers(v)
        except (OSError, ValueError) as exc:
            raise ValueError(f"not a usable peers file: {exc}") from None
        return v

    @field_validator("pii_key")
    @classmethod
    def _pii_key(cls, v: str) -> str:
        parse_key(v)
        return v

    @field_validator("otp_pepper")
    @classmethod
    def _pepper(cls, v: str) -> str:
        if len(base64.b64decode(v, validate=True)) < 16:
            raise ValueError("must be at least 16 bytes, base64-encoded")
        return v

    @field_validator("keys_dir")
    @classmethod
    def _keys(cls, v: Path) -> Path:
        if not (v / "signing").is_dir() or not any((v / "signing").glob("*.pem")):
            raise ValueError("holds no signing key: run `python -m services.identity.manage init-keys`")
        return v

    @property
    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(
            self.lockout_threshold,
            dt.timedelta(seconds=self.lockout_window_seconds),
            dt.timedelta(seconds=self.lockout_seconds),
        )

    @property
    def codes(self) -> CodePolicy:
        return CodePolicy(resend_after=dt.timedelta(seconds=self.code_resend_seconds), max_per_hour=self.codes_per_hour)
