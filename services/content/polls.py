"""Polls and surveys (投票、问卷): addressed to an org's subtree, one final vote each, results per org.

How an anonymous poll keeps its secret. A vote writes, in one transaction:
- a PollVoter marker {poll, account}: that this person voted, needed to refuse a second vote. It holds
  no choice, no org and no time (its _id is derived from poll and account, not an ObjectId, whose
  first bytes would be the moment of the vote);
- increments of PollTally counters (per option, per org on the voter's path below the poll's org):
  numbers with no voter in them;
- for a named poll only, a PollBallot {poll, account, answers}: named polls are meant to show who chose
  what to their publisher.
So for an anonymous poll no stored row, log line or event ties a person to a choice, and none can be
made later: a vote cannot be changed (that would need the old choice), and a voter is only told that
they voted. Counts of an org with fewer than ANONYMITY_FLOOR voters are withheld (domain/polls.py), so a
one-member group does not show its member's vote. What remains beyond the application: an operator who
watches the counters change while watching the markers appear could correlate the two in time, and a
MongoDB replica set's oplog keeps each transaction's writes together for its retention window.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from kernel.clock import aware, now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, events, recent
from services.content.domain import inputs
from services.content.domain import notices as notice_rules
from services.content.domain import polls as rules
from services.content.domain.visibility import ORG, Audience, audience_keys, may_read

PUBLISH = "poll.publish"


# -- documents -----------------------------------------------------------------------------------------


class Poll(TenantDocument):
    org_id = me.StringField(required=True)  # its subtree votes
    author_id = me.StringField(required=True)
    title = me.StringField(required=True)
    description = me.StringField(default="")
    questions = me.ListField(me.DictField())  # {text, kind, options, max_choices}
    anonymous = me.BooleanField(default=False)
    results_visible_to = me.StringField(required=True)
    deadline = me.DateTimeField(required=True)
    created_at = me.DateTimeField(required=True)
    audience = me.ListField(me.StringField())

    meta = {
        "collection": "polls",
        "indexes": [("tenant", "audience", "-created_at"), ("tenant", "org_id", "-created_at")],
    }


class PollVoter(TenantDocument):
    """That someone voted (never what, where or when): refuses a second vote."""

    id = me.StringField(primary_key=True)  # voter_key(poll, account)
    poll_id = me.StringField(required=True)
    account_id = me.StringField(required=True)

    meta = {"collection": "poll_voters", "indexes": [{"fields": ["tenant", "poll_id", "account_id"], "unique": True}]}


class PollBallot(TenantDocument):
    """What one person chose: named polls only."""

    poll_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    org_id = me.StringField(default="")
    answers = me.ListField(me.ListField(me.IntField()))
    cast_at = me.DateTimeField(required=True)

    meta = {
        "collection": "poll_ballots",
        "indexes": [{"fields": ["tenant", "poll_id", "account_id"], "unique": True}, ("tenant", "poll_id", "id")],
    }


class PollTally(TenantDocument):
    """Voters and votes per option of one poll within one org's subtree (counts.<question>.<option>)."""

    poll_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    parent_id = me.StringField(default="")  # "" for the poll's own org
    voters = me.IntField(default=0)
    counts = me.DictField()

    meta = {
        "collection": "poll_tallies",
        "indexes": [
            {"fields": ["tenant", "poll_id", "org_id"], "unique": True},
            ("tenant", "poll_id", "parent_id", "id"),
        ],
    }


DOCUMENTS = (Poll, PollVoter, PollBallot, PollTally)


def voter_key(tenant: str, poll_id: str, account_id: str) -> str:
    return hashlib.sha256(f"{tenant}\0{poll_id}\0{account_id}".encode()).hexdigest()


def is_closed(poll: Poll) -> bool:
    return rules.is_closed(aware(poll.deadline), now_ms())


def questions_of(poll: Poll) -> list[rules.Question]:
    return [rules.Question(q["text"], q["kind"], tuple(q["options"]), q.get("max_choices", 0)) for q in poll.questions]


# -- lookups and rights --------------------------------------------------------------------------------


def _poll(poll_id: str) -> Poll:
    try:
        oid = ObjectId(poll_id)
    except (InvalidId, TypeError):
        raise DomainError(ErrorCode.NOT_FOUND, "poll_not_found", "poll_id") from None
    poll = Poll.in_tenant(access.tenant()).filter(id=oid).first()
    if poll is None:
        raise DomainError(ErrorCode.NOT_FOUND, "poll_not_found", "poll_id")
    return poll


def _publishes(poll: Poll) -> bool:
    """The author, and whoever may publish polls on the poll's org (its committee, the officers above)."""
    return poll.author_id == access.actor().account_id or access.may(PUBLISH, poll.org_id)


def _visible(poll_id: str):
    """The poll, the caller as a reader, and whether the caller publishes it; NOT_FOUND outside."""
    poll = _poll(poll_id)
    reader = access.reader()
    audience = Audience(poll.author_id, ORG, poll.org_id)
    publisher = _publishes(poll)
    if not (may_read(reader, audience) or publisher):
        raise DomainError(ErrorCode.NOT_FOUND, "poll_not_found", "poll_id")
    return poll, reader, publisher


def _voted(poll: Poll, account_id: str) -> bool:
    key = voter_key(access.tenant(), str(poll.id), account_id)
    return PollVoter.in_tenant(access.tenant()).filter(id=key).only("id").first() is not None


# -- publishing and voting -----------------------------------------------------------------------------


def publish(
    org_id: str,
    title: str,
    description: str,
    questions: list[rules.Question],
    anonymous: bool,
    results_visible_to: str,
    deadline: dt.datetime | None,
) -> Poll:
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(PUBLISH, org_id)
    checked = rules.questions(questions)
    poll = Poll(
        tenant=tenant,
        org_id=org_id,
        author_id=who,
        title=rules.title(title),
        description=rules.description(description),
        questions=[
            {"text": q.text, "kind": q.kind, "options": list(q.options), "max_choices": q.max_choices} for q in checked
        ],
        anonymous=anonymous,
        results_visible_to=rules.results_visibility(results_visible_to),
        deadline=rules.deadline(deadline, now),
        created_at=now,
        audience=audience_keys(Audience(who, ORG, org_id)),
    )

    def write(uow: UnitOfWork) -> Poll:
        uow.insert(poll)
        uow.emit(
            events.SOURCE,
            events.POLL_PUBLISHED,
            {
                "poll_id": str(poll.id),
                "org_id": org_id,
                "author_id": who,
                "title": poll.title,
                "deadline": poll.deadline.isoformat(),
                "audience": list(poll.audience),
            },
            who,
        )
        return poll

    return atomically(tenant, write)


def vote(poll_id: str, answers: list[list[int]]) -> None:
    """Cast the caller's one and final ballot before the deadline."""
    poll = _poll(poll_id)
    reader = access.reader()
    if poll.org_id not in reader.org_path:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "poll_not_in_audience", "poll_id")
    now = now_ms()
    if rules.is_closed(aware(poll.deadline), now):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "poll_closed", "poll_id")
    chosen = rules.answers(questions_of(poll), answers)
    tenant, pid, who = access.tenant(), str(poll.id), reader.account_id
    path = notice_rules.path_below(reader.org_path, [poll.org_id])
    increments = rules.increments(chosen)
    tallies = [
        UpdateOne(
            {"tenant": tenant, "poll_id": pid, "org_id": org_id},
            {"$inc": increments, "$setOnInsert": {"parent_id": path[i - 1] if i else ""}},
            upsert=True,
        )
        for i, org_id in enumerate(path)
    ]

    def write(uow: UnitOfWork) -> None:
        try:
            PollVoter._get_collection().insert_one(
                {"_id": voter_key(tenant, pid, who), "tenant": tenant, "poll_id": pid, "account_id": who},
                session=uow.session,
            )
        except DuplicateKeyError:
            raise DomainError(ErrorCode.ALREADY_EXISTS, "poll_already_voted", "poll_id") from None
        PollTally._get_collection().bulk_write(tallies, ordered=True, session=uow.session)  # one round trip
        if not poll.anonymous:
            uow.insert(
                PollBallot(
                    tenant=tenant, poll_id=pid, account_id=who, org_id=reader.org_id, answers=chosen, cast_at=now
                )
            )

    try:
        atomically(tenant, write)
    except BulkWriteError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "poll_already_voted", "poll_id") from None


# -- reading -------------------------------------------------------------------------------------------


def get(poll_id: str) -> tuple[Poll, bool, list[list[int]] | None, bool]:
    """The poll, whether the caller voted, their own answers (named polls only) and whether they may
    see the results now."""
    poll, reader, publisher = _visible(poll_id)
    voted = _voted(poll, reader.account_id)
    mine = None
    if voted and not poll.anonymous:
        ballot = (
            PollBallot.in_tenant(access.tenant()).filter(poll_id=str(poll.id), account_id=reader.account_id).first()
        )
        mine = [list(a) for a in ballot.answers] if ballot else None
    closed = rules.is_closed(aware(poll.deadline), now_ms())
    return poll, voted, mine, rules.may_see_results(publisher, poll.results_visible_to, voted, closed)


def results(
    poll_id: str, org_id: str, page_size: int, cursor: str
) -> tuple[Poll, PollTally | None, list[PollTally], str]:
    """Votes of the poll's org (or of one org of its audience) and per org one level below it, paged."""
    poll, voted, _, allowed = get(poll_id)
    if not allowed:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "poll_results_hidden", "poll_id")
    org_id = inputs.one_id(org_id, "org_id") if org_id else poll.org_id
    tenant, pid = access.tenant(), str(poll.id)
    summary = PollTally.in_tenant(tenant).filter(poll_id=pid, org_id=org_id).first()
    if summary is None and poll.org_id not in access.org_path(org_id):
        raise DomainError(ErrorCode.NOT_FOUND, "poll_org_outside", "org_id")
    below, next_cursor = page(PollTally.in_tenant(tenant).filter(poll_id=pid, parent_id=org_id), page_size, cursor)
    return poll, summary, below, next_cursor


def ballots(poll_id: str, page_size: int, cursor: str) -> tuple[list[PollBallot], str]:
    """Who chose what, for the publisher of a named poll (an anonymous poll has no ballots to show)."""
    poll = _poll(poll_id)
    if not _publishes(poll):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "poll_results_hidden", "poll_id")
    if poll.anonymous:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "poll_is_anonymous", "poll_id")
    return page(PollBallot.in_tenant(access.tenant()).filter(poll_id=str(poll.id)), page_size, cursor)


def list_polls(org_id: str, page_size: int, cursor: str) -> tuple[list[Poll], str]:
    """Polls addressed to the caller (their org and those above: one indexed query an org, merged),
    newest first; or one org's polls, for its audience and those who publish there."""
    tenant, reader = access.tenant(), access.reader()
    polls = Poll.in_tenant(tenant)
    if org_id:
        org_id = inputs.one_id(org_id, "org_id")
        access.org_path(org_id)
        if org_id not in reader.org_path and not access.may(PUBLISH, org_id):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "poll_not_in_audience", "org_id")
        return recent.page(polls.filter(org_id=org_id), "created_at", page_size, cursor)
    keys = [f"org:{o}" for o in reader.org_path]
    return recent.page_merged([polls.filter(audience=k) for k in keys], "created_at", page_size, cursor)
