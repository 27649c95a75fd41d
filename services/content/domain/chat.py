"""Chat's pure rules: who may talk to whom, what a message may hold, group sizes, read markers.

Decisions (see services/content/README.md, "Chat"):
- One-to-one: between two people of the region who are friends, or whose home orgs share an org at
  most DIRECT_ORG_LEVELS levels above the farther of the two (the same rule and default as orgs' friend
  requests, "org_within" at 2 levels: the same branch, or branches of one general branch). orgs' per-person
  privacy settings are not in content's mirror, so this default is applied to everyone.
- Ad-hoc groups: the creator invites (up to GROUP_MAX members, the creator included); members leave.
- Org groups: one per org, opened by an officer holding chat.org_group on it; members of the org's
  subtree join it themselves (and leave). Nobody is added by the mirror: an org group of a large committee
  would otherwise fan every message out to its whole subtree.
- A member reads the messages sent after they joined; a read marker never moves backwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from kernel.errors import DomainError, ErrorCode

DIRECT, GROUP, ORG = "direct", "group", "org"
KINDS = (DIRECT, GROUP, ORG)

TEXT_MAX = 2000
MEDIA_MAX = 9
MEDIA_ID_MAX = 64
CLIENT_ID_MAX = 64
TITLE_MAX = 64
GROUP_MAX = 100  # an ad-hoc group, its creator included
ORG_GROUP_MAX = 500
INVITE_MAX = 50  # accounts named in one invitation
DIRECT_ORG_LEVELS = 2
PREVIEW_CHARS = 60
SYNC_MESSAGES_MAX = 500  # messages in one catch-up answer, over all conversations
SYNC_PER_CONVERSATION = 100


def direct_key(a: str, b: str) -> str:
    """The one conversation two people share, whoever opens it."""
    first, second = sorted((a, b))
    return f"direct:{first}:{second}"


def org_key(org_id: str) -> str:
    return f"org:{org_id}"


def levels_to_shared_org(path_a: Sequence[str], path_b: Sequence[str]) -> int | None:
    """How far up from the farther of two home orgs their nearest shared org is (0: same org; None: none)."""
    common = 0
    for a, b in zip(path_a, path_b, strict=False):
        if a != b:
            break
        common += 1
    if common == 0:
        return None
    return max(len(path_a), len(path_b)) - common


def may_talk_directly(are_friends: bool, path_a: Sequence[str], path_b: Sequence[str]) -> bool:
    if are_friends:
        return True
    levels = levels_to_shared_org(path_a, path_b)
    return levels is not None and levels <= DIRECT_ORG_LEVELS


def check_message(client_message_id: str, text: str, media_ids: Sequence[str]) -> tuple[str, str, list[str]]:
    """The message as stored, or INVALID_ARGUMENT naming the field."""
    client_message_id = client_message_id.strip()
    if not client_message_id or len(client_message_id) > CLIENT_ID_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_client_id_invalid", "client_message_id", max=CLIENT_ID_MAX)
    if len(text) > TEXT_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_text_too_long", "text", max=TEXT_MAX)
    if len(media_ids) > MEDIA_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_too_many_media", "media_ids", max=MEDIA_MAX)
    media = [m.strip() for m in media_ids]
    if any(not m or len(m) > MEDIA_ID_MAX for m in media) or len(set(media)) != len(media):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_media_id_invalid", "media_ids")
    if not text.strip() and not media:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_message_empty", "text")
    return client_message_id, text, media


def check_title(title: str) -> str:
    title = title.strip()
    if len(title) > TITLE_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_title_too_long", "title", max=TITLE_MAX)
    return title


def check_invitees(inviter: str, account_ids: Sequence[str], field: str = "member_ids") -> list[str]:
    """Distinct account ids other than the inviter, at most INVITE_MAX of them."""
    wanted = list(dict.fromkeys(a.strip() for a in account_ids if a.strip() != inviter))
    if len(account_ids) > INVITE_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "chat_too_many_invitees", field, max=INVITE_MAX)
    if any(not a or len(a) > 64 for a in wanted):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", field, detail="account id")
    return wanted


def size_limit(kind: str) -> int:
    return ORG_GROUP_MAX if kind == ORG else GROUP_MAX if kind == GROUP else 2


def preview(text: str, media_count: int) -> str:
    """The first characters of a message, for lists and notifications."""
    flat = " ".join(text.split())
    if len(flat) > PREVIEW_CHARS:
        return flat[: PREVIEW_CHARS - 1] + "…"
    if not flat and media_count:
        return "[media]"
    return flat


def unread(last_seq: int, read_seq: int) -> int:
    return max(last_seq - read_seq, 0)


def read_target(requested: int, last_seq: int) -> int:
    """Where a read marker moves: never past the last message (a client can't read the future)."""
    if requested < 0:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", "seq", detail=">= 0")
    return min(requested, last_seq)
