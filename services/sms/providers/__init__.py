"""SMS providers: the wire protocols the sender speaks to a carrier (see base.py for the contract).

`build(env)` makes the one the settings name: SMS_PROVIDER=smpp (default; SMPP_HOST, SMPP_PORT,
SMPP_SYSTEM_ID, SMPP_PASSWORD, SMPP_SOURCE_ADDR, SMPP_WINDOW) or http (SMS_HTTP_URL, SMS_HTTP_KEY_ID,
SMS_HTTP_KEY_SECRET, SMS_HTTP_POLL_SECONDS). A missing or malformed value raises ValueError naming it.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.sms.providers.base import Provider


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ValueError(f"{name} is required for SMS_PROVIDER={env.get('SMS_PROVIDER', 'smpp') or 'smpp'}")
    return value


def _number(env: Mapping[str, str], name: str, default: str, kind: type[int] | type[float]) -> int | float:
    raw = env.get(name, "").strip() or default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value


def build(env: Mapping[str, str]) -> Provider:
    """The provider SMS_PROVIDER names, configured from env."""
    kind = env.get("SMS_PROVIDER", "").strip() or "smpp"
    if kind == "smpp":
        from services.sms.providers.smpp import SmppProvider

        return SmppProvider(
            host=env.get("SMPP_HOST", "").strip() or "127.0.0.1",
            port=int(_number(env, "SMPP_PORT", "2775", int)),
            system_id=_required(env, "SMPP_SYSTEM_ID"),
            password=_required(env, "SMPP_PASSWORD"),
            source_addr=_required(env, "SMPP_SOURCE_ADDR"),
            window=int(_number(env, "SMPP_WINDOW", "10", int)),
        )
    if kind == "http":
        from services.sms.providers.http import HttpProvider

        return HttpProvider(
            base_url=_required(env, "SMS_HTTP_URL"),
            access_key_id=_required(env, "SMS_HTTP_KEY_ID"),
            access_key_secret=_required(env, "SMS_HTTP_KEY_SECRET"),
            poll_seconds=float(_number(env, "SMS_HTTP_POLL_SECONDS", "2", float)),
        )
    raise ValueError(f"SMS_PROVIDER must be smpp or http, not {kind!r}")
