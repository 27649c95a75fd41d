"""The microblog's rules (微博): what a post may hold, who may do what to it, and how timelines page.

Pure: no database, no network. posts.py, timelines.py and moderation.py apply these to stored data.

- Text: at most 2,000 characters, counted as characters (a Chinese character is one, whatever its UTF-8
  length); empty only with media or as a repost. Comments: at most 500 characters, never empty.
- Media: at most 9 ids of the (future) media service. They are opaque here: only their form is checked
  (1–64 of `A–Z a–z 0–9 _ -`), not that the media exists or belongs to the author — the media service
  will own that check.
- Mentions: an explicit list of account ids (at most 20) sent by the client's @-picker, not `@显示名`
  parsed from the text: display names are neither unique nor stable, and Chinese text has no word
  boundary to say where `@张三你好` ends. The text may show `@张三` for people; the ids are what counts.
- Hashtags: Chinese style `#话题#` (1–32 characters, no `#` or line break inside), at most 10, in order
  of first appearance, duplicates dropped.
- Visibility: public, org (the subtree of the author's home org or of an ancestor of it; for an org's
  official account, of that org or an ancestor), friends, private. An official post is public or org.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode
from services.content.domain.visibility import FRIENDS, ORG, PRIVATE, VISIBILITIES

MAX_TEXT = 2000
MAX_COMMENT = 500
MAX_MEDIA = 9
MAX_MENTIONS = 20
MAX_HASHTAGS = 10
MAX_NOTE = 200

# Who may post as an org's official account: those who may publish the org's notices (its committee),
# since an official post speaks for the org to its members just as a notice does.
OFFICIAL_POST_ACTION = "notice.publish"
MODERATE_ACTION = "content.moderate"

LIVE, HIDDEN, DELETED = "live", "hidden", "deleted"
POST, COMMENT = "post", "comment"
REPORT_REASONS = ("spam", "abuse", "illegal", "rumor", "privacy", "other")
PENDING, RESOLVED_HIDDEN, DISMISSED = "pending", "hidden", "dismissed"
RESOLUTIONS = {"hide": RESOLVED_HIDDEN, "dismiss": DISMISSED}

_MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ACCOUNT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HASHTAG = re.compile(r"#([^#\r\n]{1,32})#")


def check_text(text: str, has_media: bool, is_repost: bool) -> str:
    if len(text) > MAX_TEXT:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_text_too_long", "text", limit=MAX_TEXT, length=len(text))
    if not text.strip() and not (has_media or is_repost):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_text_empty", "text")
    return text


def check_comment_text(text: str) -> str:
    if len(text) > MAX_COMMENT:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "mb_comment_too_long", "text", limit=MAX_COMMENT, length=len(text)
        )
    if not text.strip():
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_comment_empty", "text")
    return text


def check_media_ids(media_ids: list[str]) -> list[str]:
    if len(media_ids) > MAX_MEDIA:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "mb_too_many_media", "media_ids", limit=MAX_MEDIA, count=len(media_ids)
        )
    for index, media_id in enumerate(media_ids):
        if not _MEDIA_ID.fullmatch(media_id):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_media_id_invalid", f"media_ids[{index}]")
    if len(set(media_ids)) != len(media_ids):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_media_id_repeated", "media_ids")
    return list(media_ids)


def check_client_post_id(client_post_id: str) -> str:
    """The client's key for a post (empty: none); its form as media ids'."""
    if client_post_id and not _MEDIA_ID.fullmatch(client_post_id):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_client_post_id_invalid", "client_post_id", max=64)
    return client_post_id


def check_mentions(mentions: list[str], author_id: str) -> list[str]:
    """Distinct account ids in the order given; mentioning oneself is dropped (nobody to notify)."""
    if len(mentions) > MAX_MENTIONS:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "mb_too_many_mentions", "mentions", limit=MAX_MENTIONS, count=len(mentions)
        )
    seen: list[str] = []
    for index, account_id in enumerate(mentions):
        if not _ACCOUNT_ID.fullmatch(account_id):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_mention_invalid", f"mentions[{index}]")
        if account_id != author_id and account_id not in seen:
            seen.append(account_id)
    return seen


def hashtags(text: str) -> list[str]:
    """The `#话题#` topics of a text, trimmed, distinct, in order of first appearance (at most 10)."""
    found: list[str] = []
    for match in _HASHTAG.finditer(text):
        tag = match.group(1).strip()
        if tag and tag not in found:
            found.append(tag)
        if len(found) == MAX_HASHTAGS:
            break
    return found


def audience_org(visibility: str, chosen_org_id: str, home_path: list[str], official: bool) -> str:
    """The org whose subtree reads an org-visible post ("" for other visibilities).

    home_path is the author's home org path (or, for an official post, the org's own path); the chosen
    org must lie on it (the home org itself by default, or one of its ancestors)."""
    if visibility not in VISIBILITIES:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "mb_visibility_invalid", "visibility", allowed=", ".join(VISIBILITIES)
        )
    if official and visibility in (FRIENDS, PRIVATE):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_official_visibility", "visibility")
    if visibility != ORG:
        if chosen_org_id:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_audience_org_unexpected", "audience_org_id")
        return ""
    if not home_path:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_no_home_org", "visibility")
    if not chosen_org_id:
        return home_path[-1]
    if chosen_org_id not in home_path:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "mb_audience_org_not_above", "audience_org_id", org_id=chosen_org_id
        )
    return chosen_org_id


def source_of(author_id: str, as_org_id: str) -> str:
    """Whose timeline a post belongs to: the person's, or the org's official one."""
    return f"org:{as_org_id}" if as_org_id else f"person:{author_id}"


@dataclass(frozen=True)
class Target:
    """Something that can be followed and that posts: a person or an org's official account."""

    kind: str  # person | org
    id: str

    @property
    def source(self) -> str:
        return f"{self.kind}:{self.id}"


# -- cursors --------------------------------------------------------------------------------------------
# A timeline cursor names the last item shown (an ObjectId: items are ordered by it, newest first) and
# the time window the reading had widened to, so the next page starts with a window of that size.
# Opaque to clients: base64 of "<24 hex>.<window step>".

MAX_STEP = 9


def encode_cursor(last_id_hex: str, step: int) -> str:
    return base64.urlsafe_b64encode(f"{last_id_hex}.{step}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """(last item id hex, window step); INVALID_ARGUMENT naming `cursor` for anything else."""
    bad = DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor")
    if len(cursor) > 64:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    last, _, step = raw.partition(".")
    if not (re.fullmatch(r"[0-9a-f]{24}", last) and step.isdigit() and int(step) <= MAX_STEP):
        raise bad
    return last, int(step)


# -- the window schedule --------------------------------------------------------------------------------
# Newest-first pages read the time window [hi - width, hi) and widen it (×4) until the page is full:
# the local database reads every index entry inside a query's bounds before it sorts and limits, so an
# unbounded "older than the cursor" costs the author's whole history; a window costs what it holds.

FIRST_WINDOW_SECONDS = 3600
GROWTH = 4


def window_seconds(step: int) -> int:
    """1 h, 4 h, 16 h, 2.7 d, 10.7 d, 43 d, 171 d, 1.9 years, 7.8 years, then everything older."""
    return FIRST_WINDOW_SECONDS * GROWTH**step


def merge_newest_first(batches: list[list], key, limit: int) -> list:
    """Merge rows of one window from several sources: newest first by key, one row per key, at most limit."""
    merged: dict = {}
    for batch in batches:
        for row in batch:
            merged.setdefault(key(row), row)
    return [merged[k] for k in sorted(merged, reverse=True)][:limit]


# -- who may do what --------------------------------------------------------------------------------


def may_edit(actor_id: str, author_id: str, state: str) -> bool:
    """Only the author edits, and only what is not deleted (a hidden post may be corrected)."""
    return actor_id == author_id and state != DELETED


def check_reason(reason: str, note: str) -> None:
    if reason not in REPORT_REASONS:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "mb_report_reason_invalid", "reason", allowed=", ".join(REPORT_REASONS)
        )
    if len(note) > MAX_NOTE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_report_note_too_long", "note", limit=MAX_NOTE)


def check_resolution(action: str) -> str:
    if action not in RESOLUTIONS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_resolution_invalid", "action", allowed=", ".join(RESOLUTIONS))
    return RESOLUTIONS[action]
