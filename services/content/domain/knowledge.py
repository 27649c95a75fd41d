"""Knowledge base rules (知识管理): articles with versions, tags and categories; questions and answers; turning
a discussion (a forum thread, a question with its answers) into an article that keeps its attribution;
ratings. Pure: no I/O.

An org has a knowledge base. Its articles and questions are read by the org's subtree (`org`) or by the whole
region (`public`): the rule of domain/visibility.py. Members of the org's subtree write there; knowledge.manage
(the org's committee, and those above) curates: edits or removes anything, manages categories, turns
discussions into articles. Every edit of an article is a new version, and names the version it was based
on: an edit based on a version that is no longer the newest is refused (knowledge_version_conflict), so two
editors never overwrite each other unseen.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs
from services.content.domain.visibility import ORG, PUBLIC, Audience, audience_keys

TITLE_MAX = 100
BODY_MAX = 50_000
NOTE_MAX = 200
TAGS_MAX = 10
TAG_MAX = 20
CATEGORY_NAME_MAX = 30
CATEGORIES_PER_ORG = 50  # an org's categories are listed whole
QUESTION_TEXT_MAX = 10_000
ANSWER_TEXT_MAX = 10_000
EXCERPT_CHARS = 140  # shown in listings, which do not carry bodies
STARS_MIN, STARS_MAX = 1, 5
PARTS_MAX = 100  # replies or answers taken into one article
DIFF_CONTEXT = 3  # unchanged lines shown around each change

SCOPE_ORG, SCOPE_PUBLIC = "org", "public"
SCOPES = (SCOPE_ORG, SCOPE_PUBLIC)

# where a converted article came from
THREAD, QUESTION = "thread", "question"
# what a contributor gave to a converted article
STARTED_THREAD, REPLY, ASKED, ANSWER, ACCEPTED_ANSWER = "thread", "reply", "question", "answer", "accepted_answer"

KEPT, ADDED, REMOVED = "kept", "added", "removed"


# -- texts ----------------------------------------------------------------------------------------------


def title(value: str) -> str:
    return inputs.text(value, "title", TITLE_MAX)


def body(value: str) -> str:
    """Plain text or Markdown, stored as given (only surrounding blanks go)."""
    return inputs.text(value, "body", BODY_MAX)


def note(value: str) -> str:
    return inputs.text(value, "note", NOTE_MAX, required=False)


def question_text(value: str) -> str:
    return inputs.text(value, "text", QUESTION_TEXT_MAX)


def answer_text(value: str) -> str:
    return inputs.text(value, "text", ANSWER_TEXT_MAX)


def category_name(value: str) -> str:
    return " ".join(inputs.text(value, "name", CATEGORY_NAME_MAX).split())


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def scope(value: str) -> str:
    value = value or SCOPE_ORG
    if value not in SCOPES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_scope_invalid", "scope")
    return value


def stars(value: int) -> int:
    if not STARS_MIN <= value <= STARS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_stars_invalid", "stars", min=STARS_MIN, max=STARS_MAX)
    return value


# -- tags -----------------------------------------------------------------------------------------------


def tag(value: str) -> str:
    """A tag as stored and matched: NFKC-folded (full-width letters and digits become plain ones), lower-cased,
    inner blanks collapsed, a leading '#' dropped, trimmed. "" for a blank one."""
    folded = unicodedata.normalize("NFKC", value or "").lower()
    return " ".join(folded.split()).lstrip("#").strip()


def tags(values: Sequence[str], field: str = "tags") -> list[str]:
    """Distinct normalized tags in the given order (blank ones dropped), each at most TAG_MAX characters,
    at most TAGS_MAX of them."""
    out: list[str] = []
    for i, raw in enumerate(values):
        value = tag(raw)
        if len(value) > TAG_MAX:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_tag_too_long", f"{field}[{i}]", max=TAG_MAX)
        if value and value not in out:
            out.append(value)
    if len(out) > TAGS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_tags_too_many", field, max=TAGS_MAX)
    return out


# -- who reads, who writes ------------------------------------------------------------------------------


def audience(author_id: str, org_id: str, scope_value: str) -> Audience:
    return Audience(author_id, PUBLIC, "") if scope_value == SCOPE_PUBLIC else Audience(author_id, ORG, org_id)


def keys(author_id: str, org_id: str, scope_value: str) -> list[str]:
    return audience_keys(audience(author_id, org_id, scope_value))


def reach(org_id: str, scope_value: str) -> str:
    """The one audience key besides the author's: what listings match a reader's keys against (an index holds
    one array field, and tags is the other one)."""
    return PUBLIC if scope_value == SCOPE_PUBLIC else f"{ORG}:{org_id}"


def may_write(org_id: str, writer_org_path: Sequence[str], manages: bool) -> bool:
    """Write an article or ask a question in an org's knowledge base: members of its subtree, and its curators."""
    return manages or org_id in writer_org_path


def may_edit(author_id: str, actor_id: str, manages: bool) -> bool:
    """Edit (or remove) an item: its author, and the curators of its org."""
    return manages or author_id == actor_id


def may_convert(is_discussion_author: bool, manages_target: bool, writes_target: bool) -> bool:
    """Turn a discussion into an article of an org: its curators, or the discussion's own author where they
    may write. (Reading the discussion is required too, and checked where it is read.)"""
    return manages_target or (is_discussion_author and writes_target)


def within(discussion_audience: Iterable[str], target_org_path: Sequence[str], scope_value: str) -> bool:
    """Would everyone who reads the article have been able to read the discussion? A public discussion goes
    anywhere; one for an org's subtree goes only to an org of that subtree, for that org's subtree."""
    held = set(discussion_audience)
    if PUBLIC in held:
        return True
    if scope_value == SCOPE_PUBLIC:
        return False
    return any(f"{ORG}:{org_id}" in held for org_id in target_org_path)


# -- versions -------------------------------------------------------------------------------------------


def based_on(value: int) -> int:
    """The version an edit was made from: required (the client read it with the article)."""
    if value < 1:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_based_on_missing", "based_on_version")
    return value


def check_current(current: int, based_on_version: int) -> None:
    """An edit made from an older version would silently undo the edits made since: refused."""
    if current != based_on_version:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "knowledge_version_conflict", "based_on_version", current=current
        )


def version_number(value: int, field: str) -> int:
    if value < 1:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_version_invalid", field)
    return value


@dataclass(frozen=True)
class DiffLine:
    op: str  # kept, added, removed
    text: str


@dataclass(frozen=True)
class Hunk:
    """A run of changed lines with up to DIFF_CONTEXT kept lines around it; starts are 1-based line numbers."""

    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: tuple[DiffLine, ...]


def diff(old: str, new: str, context: int = DIFF_CONTEXT) -> list[Hunk]:
    """The line-based difference between two bodies (difflib), as hunks; none when they are equal."""
    a, b = old.splitlines(), new.splitlines()
    hunks = []
    for group in difflib.SequenceMatcher(None, a, b).get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                lines += [DiffLine(KEPT, x) for x in a[i1:i2]]
                continue
            if op in ("replace", "delete"):
                lines += [DiffLine(REMOVED, x) for x in a[i1:i2]]
            if op in ("replace", "insert"):
                lines += [DiffLine(ADDED, x) for x in b[j1:j2]]
        first, last = group[0], group[-1]
        hunks.append(Hunk(first[1] + 1, last[2] - first[1], first[3] + 1, last[4] - first[3], tuple(lines)))
    return hunks


# -- ratings --------------------------------------------------------------------------------------------


def average(stars_sum: int, count: int) -> float:
    return round(stars_sum / count, 2) if count else 0.0


def may_rate(author_id: str, actor_id: str) -> None:
    """Readers rate and reuse an article; its author's own word would only inflate its standing."""
    if author_id == actor_id:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "knowledge_own_article", "article_id")


# -- turning a discussion into an article ---------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A reply of a thread or an answer of a question."""

    id: str
    author_id: str
    author_name: str
    text: str
    accepted: bool = False


@dataclass(frozen=True)
class Discussion:
    kind: str  # THREAD or QUESTION
    id: str
    title: str
    author_id: str
    author_name: str
    text: str
    audience: tuple[str, ...]


@dataclass(frozen=True)
class Contributor:
    account_id: str
    contributions: tuple[str, ...]  # STARTED_THREAD, REPLY, ASKED, ANSWER, ACCEPTED_ANSWER, in order


def selected(parts: Sequence[Part], ids: Sequence[str], field: str) -> list[Part]:
    """The parts chosen (all when none are named), the accepted answer first, then in the order they were made."""
    if ids:
        wanted = inputs.ids(ids, field, PARTS_MAX)
        known = {p.id for p in parts}
        for i, part_id in enumerate(wanted):
            if part_id not in known:
                raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_part_unknown", f"{field}[{i}]")
        chosen = [p for p in parts if p.id in set(wanted)]
    else:
        chosen = list(parts)
    if len(chosen) > PARTS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_parts_too_many", field, max=PARTS_MAX)
    return sorted(chosen, key=lambda p: not p.accepted)  # stable: the rest keep their order


_OPENING = {THREAD: STARTED_THREAD, QUESTION: ASKED}
_SOURCE_LABEL = {THREAD: "论坛帖子", QUESTION: "问答"}
_LABEL = {STARTED_THREAD: "发帖", REPLY: "回复", ASKED: "提问", ANSWER: "回答", ACCEPTED_ANSWER: "采纳的回答"}


def _contribution(kind: str, part: Part) -> str:
    if kind == THREAD:
        return REPLY
    return ACCEPTED_ANSWER if part.accepted else ANSWER


def assemble(discussion: Discussion, parts: Sequence[Part], field: str) -> tuple[str, list[Contributor]]:
    """The article's body (Markdown: where it came from, then each contribution under its author's name and
    what it was) and its contributors in the order they appear, each with what they contributed. A body
    over BODY_MAX is refused naming the field of the selection (choose fewer)."""
    opening = _OPENING[discussion.kind]
    sections = [f"> 整理自{_SOURCE_LABEL[discussion.kind]}「{discussion.title}」"]
    credits: dict[str, list[str]] = {}

    def add(author_id: str, name: str, what: str, text: str) -> None:
        sections.append(f"### {name or author_id}（{_LABEL[what]}）\n\n{text}")
        mine = credits.setdefault(author_id, [])
        if what not in mine:
            mine.append(what)

    add(discussion.author_id, discussion.author_name, opening, discussion.text)
    for part in parts:
        add(part.author_id, part.author_name, _contribution(discussion.kind, part), part.text)
    text = "\n\n".join(sections)
    if len(text) > BODY_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "knowledge_parts_too_long", field, max=BODY_MAX)
    return text, [Contributor(account_id, tuple(what)) for account_id, what in credits.items()]
