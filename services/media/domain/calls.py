"""Calls' rules, pure: how many may be in a room, who an ad hoc room invites, what a signal may carry, whether
a meeting's room is open, and the TURN credentials of coturn's REST-API scheme.

Rooms are a mesh: every participant sends its media to every other one, so n participants upload n − 1
streams each. MAX_PARTICIPANTS (6) is what a home uplink carries for video in 5 streams; a 7th is refused
(`call_room_full`), not degraded. Larger meetings would need an SFU (Janus): not built.

TURN credentials (coturn `use-auth-secret` with `static-auth-secret`): the username is
"<expiry, unix seconds>:<account id>" and the credential base64(HMAC-SHA1(secret, username)). coturn
recomputes the same from the shared secret and refuses a username whose expiry passed: nothing is stored.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode

MAX_PARTICIPANTS = 6
ADHOC, MEETING = "adhoc", "meeting"
AUDIO, VIDEO = "audio", "video"
MEDIA_KINDS = (AUDIO, VIDEO)
ACCOUNT_ID_MAX = 64

# Signals: what a peer may send another one, and the most bytes of each kind's payload. An offer or answer
# is an SDP (a few KB with every candidate inside); a trickled candidate is one line; bye carries a reason.
OFFER, ANSWER, CANDIDATE, BYE = "offer", "answer", "candidate", "bye"
PAYLOAD_MAX = {OFFER: 12 * 1024, ANSWER: 12 * 1024, CANDIDATE: 1024, BYE: 256}
SIGNAL_KINDS = tuple(PAYLOAD_MAX)

# A meeting's room opens and closes with its check-in window (orgs' rule, domain/life.py CHECK_IN_MARGIN):
# joining outside it could not count as presence anyway.
MEETING_MARGIN = dt.timedelta(minutes=30)

TTL_MIN, TTL_MAX = 60, 24 * 3600

# A seat is renewed by its socket's gateway every SEAT_REFRESH; one not renewed for SEAT_STALE belongs to a
# gateway that died with the socket open, and is freed when someone else enters.
SEAT_REFRESH = dt.timedelta(seconds=30)
SEAT_STALE = dt.timedelta(seconds=120)


def is_stale(seen_at: dt.datetime, now: dt.datetime) -> bool:
    return now - aware(seen_at) > SEAT_STALE


def check_capacity(present: int, rejoining: bool) -> None:
    """A newcomer fits while fewer than MAX_PARTICIPANTS are in; someone already in may always rejoin."""
    if not rejoining and present >= MAX_PARTICIPANTS:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "call_room_full", "room_id", max=MAX_PARTICIPANTS)


def check_media(media: str) -> str:
    media = media or VIDEO
    if media not in MEDIA_KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_media_unknown", "media")
    return media


def check_invited(invited: list[str], creator: str) -> list[str]:
    """An ad hoc room's invitees: distinct account ids, not the creator, 1 to MAX_PARTICIPANTS − 1."""
    seen: list[str] = []
    for account_id in invited:
        if not isinstance(account_id, str) or not account_id or len(account_id) > ACCOUNT_ID_MAX:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_invitee_invalid", "invited_ids")
        if account_id == creator:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_invitee_self", "invited_ids")
        if account_id not in seen:
            seen.append(account_id)
    if not 1 <= len(seen) <= MAX_PARTICIPANTS - 1:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_invitees_count", "invited_ids", max=MAX_PARTICIPANTS - 1)
    return seen


@dataclass(frozen=True)
class Signal:
    to_account_id: str
    kind: str
    payload: str


def check_signal(sender: str, to_account_id: str, kind: str, payload: str) -> Signal:
    """A signal's shape: a known kind, a payload within its kind's limit, another participant as recipient."""
    if kind not in SIGNAL_KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_signal_kind_unknown", "kind")
    if not to_account_id or len(to_account_id) > ACCOUNT_ID_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_signal_recipient_invalid", "to_account_id")
    if to_account_id == sender:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_signal_to_self", "to_account_id")
    size = len(payload.encode())
    if size > PAYLOAD_MAX[kind]:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "call_signal_too_large", "payload", kind=kind, max=PAYLOAD_MAX[kind]
        )
    if kind in (OFFER, ANSWER, CANDIDATE) and not payload:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "call_signal_payload_missing", "payload", kind=kind)
    return Signal(to_account_id, kind, payload)


def check_meeting_open(
    cancelled: bool, online: bool, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> None:
    """A meeting's room is usable for an online meeting, not cancelled, within its check-in window."""
    if cancelled:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "call_meeting_cancelled", "meeting_id")
    if not online:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "call_meeting_not_online", "meeting_id")
    if not starts_at - MEETING_MARGIN <= now <= ends_at + MEETING_MARGIN:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "call_meeting_closed", "meeting_id")


@dataclass(frozen=True)
class TurnCredentials:
    username: str
    credential: str
    expires_at: int  # unix seconds


def turn_credentials(secret: str, account_id: str, now: float, ttl_seconds: int) -> TurnCredentials:
    """coturn's REST-API credentials of account_id, valid ttl_seconds from now."""
    if not secret:
        raise ValueError("no TURN secret")
    if not TTL_MIN <= ttl_seconds <= TTL_MAX:
        raise ValueError(f"TURN credentials live {TTL_MIN}–{TTL_MAX} s, not {ttl_seconds}")
    expiry = int(now) + ttl_seconds
    username = f"{expiry}:{account_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return TurnCredentials(username, base64.b64encode(digest).decode(), expiry)


@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...]
    username: str = ""
    credential: str = ""


def ice_servers(urls: list[str], creds: TurnCredentials | None) -> list[IceServer]:
    """STUN urls as one server without credentials, TURN urls (turn:, turns:) as one with them; TURN urls
    are left out when there are no credentials (no secret configured)."""
    stun = tuple(u for u in urls if u.startswith(("stun:", "stuns:")))
    turn = tuple(u for u in urls if u.startswith(("turn:", "turns:")))
    servers = [IceServer(stun)] if stun else []
    if turn and creds is not None:
        servers.append(IceServer(turn, creds.username, creds.credential))
    return servers


def parse_urls(text: str) -> list[str]:
    """TURN_URLS: comma-separated stun:/turn:/turns: urls."""
    urls = [u.strip() for u in text.split(",") if u.strip()]
    for url in urls:
        if not url.startswith(("stun:", "stuns:", "turn:", "turns:")):
            raise ValueError(f"not a STUN/TURN url: {url!r}")
    return urls
