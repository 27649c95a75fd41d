"""The notification inbox's pure rules: kinds, preferences and their defaults, how notifications collapse.

One notification per (person, key). The key says what collapses into one entry:
- mention / comment / reply / notice: one entry per thing (a second delivery of the same event, or a
  post edited to mention the same person again, finds the entry and adds nothing);
- like: one entry per liked post ("3 people liked your post"), unread again on each new like;
- chat: one entry per conversation while its messages are unread; a read marker past it clears it;
- service: one entry per service request, unread again on each answer (it names no subject or text: a
  request's content is read, and audited, in the request itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode

MENTION, COMMENT, REPLY, LIKE, NOTICE, CHAT = "mention", "comment", "reply", "like", "notice", "chat"
SERVICE = "service"  # a service request: new in a counsellor's queue, or answered for its member (no content)
ANSWER, ACCEPTED = "answer", "answer_accepted"  # the knowledge base: an answer to my question, mine accepted
KINDS = (MENTION, COMMENT, REPLY, LIKE, NOTICE, CHAT, SERVICE, ANSWER, ACCEPTED)
AGGREGATED = frozenset({LIKE, CHAT, SERVICE})  # counted into one entry rather than one entry each
CHANNELS = ("sms", "push")
BODY_CHARS = 120
ACTORS_KEPT = 5  # the latest few who liked or wrote, for "王芳 and 2 others"


@dataclass(frozen=True)
class KindPreference:
    in_app: bool = True
    sms: bool = False
    push: bool = False

    def channels(self) -> list[str]:
        return [c for c in CHANNELS if getattr(self, c)]


# Forwarded by default: what a person would want on their phone; likes stay in the app, and sms is
# opt-in (it costs the region money).
DEFAULTS: dict[str, KindPreference] = {
    MENTION: KindPreference(push=True),
    COMMENT: KindPreference(push=True),
    REPLY: KindPreference(push=True),
    LIKE: KindPreference(),
    NOTICE: KindPreference(push=True),
    CHAT: KindPreference(push=True),
    SERVICE: KindPreference(push=True),
    ANSWER: KindPreference(push=True),
    ACCEPTED: KindPreference(),
}


def preference(stored: dict | None, kind: str) -> KindPreference:
    """A person's preference for kind: what they stored, else the default."""
    if stored and kind in stored:
        row = stored[kind]
        return KindPreference(bool(row.get("in_app", True)), bool(row.get("sms")), bool(row.get("push")))
    return DEFAULTS[kind]


def check_kind(kind: str, field: str = "kind") -> str:
    if kind not in KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "inbox_kind_invalid", field, kinds=", ".join(KINDS))
    return kind


def key(kind: str, ref_kind: str, ref_id: str) -> str:
    return f"{kind}:{ref_kind}:{ref_id}"


def body(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= BODY_CHARS else flat[: BODY_CHARS - 1] + "…"


def title_key(kind: str, count: int) -> str:
    """The catalog key of a notification's title (kernel/catalogs/content_inbox.py)."""
    return f"inbox.title.{kind}.many" if kind in AGGREGATED and count > 1 else f"inbox.title.{kind}"


def latest_actors(previous: list[str], actor_id: str) -> list[str]:
    """The latest ACTORS_KEPT distinct actors, newest first."""
    return [actor_id, *[a for a in previous if a != actor_id]][:ACTORS_KEPT]
