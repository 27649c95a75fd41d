"""What search holds of each item, and how each event changes it: pure rules, no I/O.

An entry is one searchable item (a post, a forum thread with its replies, a notice, an org, a person, a
knowledge article, a knowledge question with its answers) as a plain dict of what the index needs. Events
arrive at least once and, across event types, in any order (each type has its own queue, and retries
reorder them). So every rule here is idempotent and order-proof:
- fields that later events replace carry the time of the event that set them (`stamps[group]`), and an
  older event never overwrites a newer one (a redelivered post_published after post_edited changes
  nothing);
- replies are kept by id (a redelivered reply is not added twice); a removed one stays as an empty
  tombstone, so its addition arriving late does not bring its text back;
- deletion is a tombstone (`gone`): nothing revives an item once it is gone;
- an item becomes searchable (`ready`) only when its creating event has arrived: a reply that overtook
  its thread waits in the entry until the thread appears.
A rule returns the new entry, or None when the event changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode
from services.content.domain.search_text import MAX_QUERY_CHARS, query_terms
from services.content.domain.visibility import PUBLIC

POST, THREAD, NOTICE, ORG, PERSON = "post", "thread", "notice", "org", "person"
ARTICLE, QUESTION = "article", "question"  # the knowledge base's
COURSE = "course"  # education's (published courses)
KINDS = (POST, THREAD, NOTICE, ORG, PERSON, ARTICLE, QUESTION, COURSE)

MAX_BODY_CHARS = 20_000  # a thread's text and replies beyond this are not indexed (its head is)
MAX_REPLIES = 500

Entry = dict[str, Any]
Rule = Callable[[Entry], Entry | None]


def new_entry(kind: str, item_id: str) -> Entry:
    return {
        "kind": kind,
        "item_id": item_id,
        "title": "",
        "body": "",
        "replies": [],
        "audience": [],
        "author_id": "",
        "org_id": "",
        "parent_id": "",
        "created_at": None,
        "stamps": {},
        "ready": False,
        "hidden": False,
        "gone": False,
    }


def searchable(entry: Entry) -> bool:
    """In the index: created, not deleted or hidden, with something to find and someone to read it."""
    has_text = bool(entry["title"] or entry["body"])
    return entry["ready"] and not entry["gone"] and not entry["hidden"] and has_text and bool(entry["audience"])


def indexed_body(entry: Entry) -> str:
    """The text searched besides the title: a thread's replies follow its text."""
    parts = [entry["body"], *(r["text"] for r in entry["replies"])]
    return "\n".join(p for p in parts if p)[:MAX_BODY_CHARS]


# -- building rules ----------------------------------------------------------------------------------


def _newer(entry: Entry, group: str, at: dt.datetime) -> bool:
    stamp = entry["stamps"].get(group)
    return stamp is None or aware(stamp) <= at


def _changed(old: Entry, new: Entry) -> Entry | None:
    return None if new == old else new


def create(base: dict[str, Any], groups: dict[str, dict[str, Any]], at: dt.datetime) -> Rule:
    """The item's creating event: base fields always (once), each group unless a newer event set it."""

    def rule(entry: Entry) -> Entry | None:
        if entry["gone"]:
            return None
        new = {**entry, **base, "ready": True, "stamps": dict(entry["stamps"])}
        for group, fields in groups.items():
            if _newer(entry, group, at):
                new.update(fields)
                new["stamps"][group] = at
        return _changed(entry, new)

    return rule


def replace(group: str, fields: dict[str, Any], at: dt.datetime) -> Rule:
    """A later event (edit, move, rename, hide) sets its group of fields unless a newer one did."""

    def rule(entry: Entry) -> Entry | None:
        if entry["gone"] or not _newer(entry, group, at):
            return None
        return _changed(entry, {**entry, **fields, "stamps": {**entry["stamps"], group: at}})

    return rule


def add_reply(reply_id: str, text: str, audience: list[str], at: dt.datetime) -> Rule:
    """A thread's reply, once; the reply also carries the thread's audience as of its event."""

    def rule(entry: Entry) -> Entry | None:
        if entry["gone"]:
            return None
        new = {**entry}
        if all(r["id"] != reply_id for r in entry["replies"]) and len(entry["replies"]) < MAX_REPLIES:
            new["replies"] = [*entry["replies"], {"id": reply_id, "text": text}]
        if audience and _newer(entry, "audience", at):
            new["audience"] = list(audience)
            new["stamps"] = {**entry["stamps"], "audience": at}
        return _changed(entry, new)

    return rule


def drop_reply(reply_id: str) -> Rule:
    """A reply (an answer) removed: its text leaves the entry; its id stays, so a late addition is ignored."""

    def rule(entry: Entry) -> Entry | None:
        if entry["gone"]:
            return None
        kept = [r for r in entry["replies"] if r["id"] != reply_id]
        return _changed(entry, {**entry, "replies": [*kept, {"id": reply_id, "text": ""}]})

    return rule


def remove() -> Rule:
    """Deleted, removed, dissolved: a tombstone that no later event revives."""

    def rule(entry: Entry) -> Entry | None:
        return None if entry["gone"] else {**entry, "gone": True}

    return rule


# -- the events, one rule each ------------------------------------------------------------------------


def post_published(d: dict, at: dt.datetime) -> Rule:
    base = {
        "author_id": d["author_id"],
        "org_id": d.get("as_org_id") or d.get("audience_org_id", ""),
        "created_at": _parse(d.get("created_at")) or at,
    }
    return create(base, {"content": {"body": d.get("text", ""), "audience": list(d["audience"])}}, at)


def post_edited(d: dict, at: dt.datetime) -> Rule:
    return replace("content", {"body": d.get("text", ""), "audience": list(d["audience"])}, at)


def post_hidden(d: dict, at: dt.datetime) -> Rule:
    return replace("hidden", {"hidden": bool(d.get("hidden", True))}, at)


def thread_created(d: dict, at: dt.datetime) -> Rule:
    base = {"author_id": d["author_id"], "org_id": d.get("org_id", ""), "created_at": at}
    groups = {
        "content": {"title": d.get("title", ""), "body": d.get("text", "")},
        "audience": {"audience": list(d["audience"]), "parent_id": d.get("board_id", "")},
    }
    return create(base, groups, at)


def thread_moved(d: dict, at: dt.datetime) -> Rule:
    return replace("audience", {"audience": list(d["audience"]), "parent_id": d.get("board_id", "")}, at)


def notice_published(d: dict, at: dt.datetime) -> Rule:
    base = {"author_id": d.get("author_id", ""), "org_id": d.get("org_id", ""), "created_at": at}
    groups = {"content": {"title": d.get("title", ""), "body": d.get("text", ""), "audience": list(d["audience"])}}
    return create(base, groups, at)


def _with_tags(text: str, tags: list[str]) -> str:
    """An item's tags are searched as words of its text (first: a long text is cut at MAX_BODY_CHARS)."""
    return "\n".join(p for p in (" ".join(tags), text) if p)


def _article(d: dict) -> dict[str, Any]:
    return {
        "title": d.get("title", ""),
        "body": _with_tags(d.get("body", ""), list(d.get("tags", []))),
        "audience": list(d["audience"]),
    }


def knowledge_article_published(d: dict, at: dt.datetime) -> Rule:
    base = {"author_id": d["author_id"], "org_id": d.get("org_id", ""), "created_at": at}
    return create(base, {"content": _article(d)}, at)


def knowledge_article_edited(d: dict, at: dt.datetime) -> Rule:
    return replace("content", _article(d), at)


def knowledge_question_asked(d: dict, at: dt.datetime) -> Rule:
    base = {"author_id": d["author_id"], "org_id": d.get("org_id", ""), "created_at": at}
    groups = {
        "content": {"title": d.get("title", ""), "body": _with_tags(d.get("text", ""), list(d.get("tags", [])))},
        "audience": {"audience": list(d["audience"])},  # as a thread's: its answers carry it too
    }
    return create(base, groups, at)


def _course(d: dict) -> dict[str, Any]:
    """A course is found by its title, its summary and its lessons' titles (a lesson's text is the course's
    to teach, not to index: it may be 20,000 characters a lesson)."""
    body = "\n".join(p for p in (d.get("summary", ""), "\n".join(d.get("lesson_titles", []))) if p)
    return {"title": d.get("title", ""), "body": body, "audience": list(d["audience"])}


def course_published(d: dict, at: dt.datetime) -> Rule:
    base = {"author_id": d.get("author_id", ""), "org_id": d.get("org_id", ""), "created_at": at}
    return create(base, {"content": _course(d)}, at)


def course_edited(d: dict, at: dt.datetime) -> Rule:
    return replace("content", _course(d), at)


def org_created(d: dict, at: dt.datetime) -> Rule:
    base = {"org_id": d["org_id"], "parent_id": d.get("parent_id", ""), "created_at": at, "audience": [PUBLIC]}
    return create(base, {"name": {"title": d.get("name", "")}}, at)


def org_renamed(name: str, at: dt.datetime) -> Rule:
    return replace("name", {"title": name}, at)


def account_registered(d: dict, at: dt.datetime) -> Rule:
    base = {"created_at": at, "audience": [PUBLIC]}
    return create(base, {"name": {"title": d.get("display_name", "")}}, at)


def home_org(org_id: str, at: dt.datetime) -> Rule:
    """The person's home org ("" when they belong to none here); shown beside their name."""
    return replace("org", {"org_id": org_id}, at)


def _parse(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return aware(value)
    if isinstance(value, str) and value:
        try:
            return aware(dt.datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


def event_time(occurred_at: str) -> dt.datetime:
    return _parse(occurred_at) or dt.datetime.now(dt.UTC)


# -- queries ------------------------------------------------------------------------------------------


def check_query(q: str, kinds: list[str]) -> None:
    """Bad input → INVALID_ARGUMENT naming the field: an empty, too long or wordless query, an unknown kind."""
    if not q.strip():
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "search_query_empty", "q")
    if len(q) > MAX_QUERY_CHARS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "search_query_too_long", "q", max=MAX_QUERY_CHARS)
    for kind in kinds:
        if kind not in KINDS:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "search_kind_invalid", "kind", kind=kind[:32])
    if not query_terms(q):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "search_query_no_words", "q")
