"""The relationship network: friends, follows, external contacts, and the relations derived from the tree.

Superiors, subordinates and colleagues are read from memberships (home org path and roles); friends,
follows and contacts are edges stored here. A friendship is two documents, one per direction, so
"whose friends are these people" is one indexed `$in` query in either direction; a follow is one
document indexed from both ends. Counters (friends, followers, following, contacts) change in the
same transaction as the edges, so counts are one read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo.errors import DuplicateKeyError

from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page, page_of
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.orgs import access, events, tree
from services.orgs.domain import network as rules
from services.orgs.domain import pipeline
from services.orgs.store import Membership, Org, Person

# Memberships of people still in their org (not transferred out, not deceased).
PRESENT = (*pipeline.ACTIVE, pipeline.SUSPENDED)

PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"

# Bounds on what one "people you may know" request reads.
_PYMK_FRIENDS, _PYMK_EDGES, _PYMK_COLLEAGUES, _PYMK_REQUESTS = 1000, 5000, 500, 2000
# Own members of the orgs above someone read for their superiors (the leaders among them are kept).
_SUPERIORS_READ = 5000


# -- documents -----------------------------------------------------------------------------------------


class NetworkSettings(TenantDocument):
    """A member's privacy choices; a member without a document has the defaults."""

    account_id = me.StringField(required=True)
    requests_from = me.StringField(required=True)
    org_levels = me.IntField(required=True)
    friends_visible_to = me.StringField(required=True)
    updated_at = me.DateTimeField()

    meta = {"collection": "network_settings", "indexes": [{"fields": ["tenant", "account_id"], "unique": True}]}


class NetworkCounter(TenantDocument):
    """Counts of one person (`p:<account id>`) or org (`o:<org id>`), kept with the edges they count."""

    subject = me.StringField(required=True)
    friends = me.IntField(default=0)
    followers = me.IntField(default=0)
    following = me.IntField(default=0)
    contacts = me.IntField(default=0)

    meta = {"collection": "network_counters", "indexes": [{"fields": ["tenant", "subject"], "unique": True}]}


class FriendRequest(TenantDocument):
    """One per ordered pair (requester, addressee); sent again, the same document becomes pending again."""

    from_id = me.StringField(required=True)
    to_id = me.StringField(required=True)
    state = me.StringField(required=True)  # pending, accepted, declined
    created_at = me.DateTimeField(required=True)
    decided_at = me.DateTimeField()

    meta = {
        "collection": "friend_requests",
        "indexes": [
            {"fields": ["tenant", "from_id", "to_id"], "unique": True},
            ("tenant", "to_id", "state", "id"),
            ("tenant", "from_id", "state", "id"),
        ],
    }


class Friendship(TenantDocument):
    """One direction of a friendship: owner's friend. Its twin has the two swapped."""

    owner_id = me.StringField(required=True)
    friend_id = me.StringField(required=True)
    since = me.DateTimeField(required=True)

    meta = {
        "collection": "friendships",
        "indexes": [{"fields": ["tenant", "owner_id", "friend_id"], "unique": True}, ("tenant", "owner_id", "id")],
    }


class Follow(TenantDocument):
    follower_id = me.StringField(required=True)
    target_kind = me.StringField(required=True)  # person, org
    target_id = me.StringField(required=True)
    since = me.DateTimeField(required=True)

    meta = {
        "collection": "follows",
        "indexes": [
            {"fields": ["tenant", "follower_id", "target_kind", "target_id"], "unique": True},
            ("tenant", "follower_id", "id"),
            ("tenant", "target_kind", "target_id", "id"),
        ],
    }


class Contact(TenantDocument):
    """Someone outside the system, in one member's address book: theirs alone.

    The owner's home org and its path are copied here (empty while the owner belongs to no org), so an
    org's reach is one aggregation on the org_path index; orgs' worker keeps the copy in step
    (services/orgs/worker_network.py)."""

    owner_id = me.StringField(required=True)
    owner_org_id = me.StringField(default="")
    owner_org_path = me.ListField(me.StringField())
    name = me.StringField(required=True)
    phone = me.StringField(required=True)  # 11-digit national form
    note = me.StringField(default="")
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField()

    meta = {
        "collection": "network_contacts",
        "indexes": [
            {"fields": ["tenant", "owner_id", "phone"], "unique": True},
            ("tenant", "owner_id", "id"),
            ("tenant", "owner_org_path", "phone"),
            ("tenant", "owner_org_id"),
        ],
    }


DOCUMENTS = (NetworkSettings, NetworkCounter, FriendRequest, Friendship, Follow, Contact)


def ensure_indexes() -> None:
    for model in DOCUMENTS:
        model.ensure_indexes()


# -- helpers -------------------------------------------------------------------------------------------


def _tenant() -> str:
    return context.current().tenant


def _me() -> str:
    return access.actor().account_id


def _person_key(account_id: str) -> str:
    return f"p:{account_id}"


def _org_key(org_id: str) -> str:
    return f"o:{org_id}"


def _count(uow: UnitOfWork, subject: str, **deltas: int) -> None:
    """Add deltas to a subject's counters in the unit of work (the counter document is made on first use)."""
    NetworkCounter._get_collection().update_one(
        {"tenant": uow.tenant, "subject": subject},
        {"$inc": deltas, "$setOnInsert": {"tenant": uow.tenant, "subject": subject}},
        upsert=True,
        session=uow.session,
    )


def _delete(uow: UnitOfWork, model: type[TenantDocument], query: dict) -> int:
    return model._get_collection().delete_many({**query, "tenant": uow.tenant}, session=uow.session).deleted_count


def _person(account_id: str, field: str = "account_id") -> Person:
    person = Person.in_tenant(_tenant()).filter(account_id=account_id).first() if account_id else None
    if person is None:
        raise DomainError(ErrorCode.NOT_FOUND, "person_unknown", field)
    return person


def membership_of(account_id: str) -> Membership | None:
    return Membership.in_tenant(_tenant()).filter(account_id=account_id).first()


def privacy_of(account_id: str) -> rules.Privacy:
    doc = NetworkSettings.in_tenant(_tenant()).filter(account_id=account_id).first()
    if doc is None:
        return rules.DEFAULT_PRIVACY
    return rules.Privacy(doc.requests_from, doc.org_levels, doc.friends_visible_to)


def are_friends(a: str, b: str) -> bool:
    return Friendship.in_tenant(_tenant()).filter(owner_id=a, friend_id=b).first() is not None


def people(account_ids: Iterable[str]) -> dict[str, dict]:
    """Name, home org and roles of each account, in two queries at most (memberships, then the rest)."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return {}
    tenant = _tenant()
    found = {
        m.account_id: {"display_name": m.display_name, "org_id": m.org_id, "roles": list(m.roles)}
        for m in Membership.in_tenant(tenant)
        .filter(account_id__in=ids)
        .only("account_id", "display_name", "org_id", "roles")
    }
    missing = [a for a in ids if a not in found]
    if missing:
        for p in Person.in_tenant(tenant).filter(account_id__in=missing).only("account_id", "display_name"):
            found[p.account_id] = {"display_name": p.display_name, "org_id": "", "roles": []}
    return found


# -- settings ------------------------------------------------------------------------------------------


def settings() -> rules.Privacy:
    return privacy_of(_me())


def update_settings(requests_from: str, org_levels: int, friends_visible_to: str) -> rules.Privacy:
    chosen = rules.check_privacy(requests_from, org_levels, friends_visible_to)
    NetworkSettings.in_tenant(_tenant()).filter(account_id=_me()).update_one(
        upsert=True,
        set__requests_from=chosen.requests_from,
        set__org_levels=chosen.org_levels,
        set__friends_visible_to=chosen.friends_visible_to,
        set__updated_at=utcnow(),
    )
    return chosen


# -- friends -------------------------------------------------------------------------------------------


def send_request(to_id: str) -> FriendRequest:
    """Ask to_id to be friends. If to_id had already asked, this accepts their request instead."""
    me_id = _me()
    if to_id == me_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "friend_self", "account_id")
    _person(to_id)
    tenant = _tenant()
    if are_friends(me_id, to_id):
        raise DomainError(ErrorCode.ALREADY_EXISTS, "already_friends", "account_id")
    theirs = FriendRequest.in_tenant(tenant).filter(from_id=to_id, to_id=me_id).first()
    if theirs is not None and theirs.state == PENDING:  # state checked here: the pair's index holds no state
        return accept_request(to_id)
    mine_path = (membership_of(me_id) or Membership(org_path=[])).org_path
    their_path = (membership_of(to_id) or Membership(org_path=[])).org_path
    if not rules.may_request(privacy_of(to_id), mine_path, their_path):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "friend_request_not_allowed", "account_id")
    now = utcnow()
    existing = FriendRequest.in_tenant(tenant).filter(from_id=me_id, to_id=to_id).first()
    if existing is None:
        request = FriendRequest(tenant=tenant, from_id=me_id, to_id=to_id, state=PENDING, created_at=now)
        try:
            request.save(force_insert=True)
        except me.NotUniqueError:  # the same request, sent twice at once
            raise DomainError(ErrorCode.ALREADY_EXISTS, "friend_request_pending", "account_id") from None
        return request
    if existing.state == PENDING:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "friend_request_pending", "account_id")
    if existing.state == DECLINED and not rules.may_request_again(_aware(existing.decided_at), now):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "friend_request_declined", "account_id")
    # Sent again (after a decline's cooldown, or after a friendship ended): the same document, pending anew.
    changed = (
        FriendRequest.in_tenant(tenant)
        .filter(id=existing.id, state=existing.state)
        .update_one(set__state=PENDING, set__created_at=now, unset__decided_at=True)
    )
    if not changed:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "friend_request_pending", "account_id")
    existing.reload()
    return existing


def _aware(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _pending_to_me(from_id: str) -> FriendRequest:
    request = FriendRequest.in_tenant(_tenant()).filter(from_id=from_id, to_id=_me()).first()
    if request is None or request.state != PENDING:  # state checked here: the pair's index holds no state
        raise DomainError(ErrorCode.NOT_FOUND, "friend_request_not_found", "account_id")
    return request


def accept_request(from_id: str) -> FriendRequest:
    """Accept from_id's pending request: two friendship documents, counters, friendship_formed."""
    request = _pending_to_me(from_id)
    me_id, now = _me(), utcnow()

    def write(uow: UnitOfWork) -> None:
        # The state guard makes a double accept a no-op instead of a second friendship.
        if not uow.update_one(
            FriendRequest, {"_id": request.id, "state": PENDING}, {"$set": {"state": ACCEPTED, "decided_at": now}}
        ):
            raise DomainError(ErrorCode.NOT_FOUND, "friend_request_not_found", "account_id")
        # A crossing request (both asked at once) is answered by the same friendship.
        uow.update_one(
            FriendRequest,
            {"from_id": me_id, "to_id": from_id, "state": PENDING},
            {"$set": {"state": ACCEPTED, "decided_at": now}},
        )
        uow.insert(Friendship(tenant=uow.tenant, owner_id=me_id, friend_id=from_id, since=now))
        uow.insert(Friendship(tenant=uow.tenant, owner_id=from_id, friend_id=me_id, since=now))
        _count(uow, _person_key(me_id), friends=1)
        _count(uow, _person_key(from_id), friends=1)
        uow.emit(events.SOURCE, events.FRIENDSHIP_FORMED, {"requester_id": from_id, "accepter_id": me_id}, me_id)

    try:
        atomically(request.tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "already_friends", "account_id") from None
    request.reload()
    return request


def decline_request(from_id: str) -> FriendRequest:
    request = _pending_to_me(from_id)
    changed = (
        FriendRequest.in_tenant(request.tenant)
        .filter(id=request.id, state=PENDING)
        .update_one(set__state=DECLINED, set__decided_at=utcnow())
    )
    if not changed:
        raise DomainError(ErrorCode.NOT_FOUND, "friend_request_not_found", "account_id")
    request.reload()
    return request


def list_requests(incoming: bool, page_size: int, cursor: str) -> tuple[list[FriendRequest], str]:
    query = FriendRequest.in_tenant(_tenant()).filter(state=PENDING)
    query = query.filter(to_id=_me()) if incoming else query.filter(from_id=_me())
    return page(query, page_size, cursor)


def remove_friend(friend_id: str) -> None:
    me_id = _me()
    if friend_id == me_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "friend_self", "account_id")

    def write(uow: UnitOfWork) -> None:
        # One delete per direction: an $or of the two would scan the collection on SecantusDB.
        removed = _delete(uow, Friendship, {"owner_id": me_id, "friend_id": friend_id})
        removed += _delete(uow, Friendship, {"owner_id": friend_id, "friend_id": me_id})
        if not removed:
            raise DomainError(ErrorCode.NOT_FOUND, "not_friends", "account_id")
        _count(uow, _person_key(me_id), friends=-1)
        _count(uow, _person_key(friend_id), friends=-1)
        uow.emit(events.SOURCE, events.FRIENDSHIP_ENDED, {"account_id": me_id, "friend_id": friend_id}, me_id)

    atomically(_tenant(), write)


# -- follows -------------------------------------------------------------------------------------------


def _follow_target(kind: str, target_id: str) -> str:
    """Check the target exists in this region; returns its counter key."""
    rules.check_follow_kind(kind)
    if kind == rules.PERSON:
        if target_id == _me():
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "follow_self", "target_id")
        _person(target_id, "target_id")
        return _person_key(target_id)
    org = Org.in_tenant(_tenant()).filter(id=target_id).first() if target_id else None
    if org is None or org.dissolved:
        raise DomainError(ErrorCode.NOT_FOUND, "org_unknown", "target_id", org_id=target_id)
    return _org_key(target_id)


def follow(kind: str, target_id: str) -> Follow:
    key = _follow_target(kind, target_id)
    me_id = _me()
    edge = Follow(tenant=_tenant(), follower_id=me_id, target_kind=kind, target_id=target_id, since=utcnow())

    def write(uow: UnitOfWork) -> Follow:
        uow.insert(edge)
        _count(uow, _person_key(me_id), following=1)
        _count(uow, key, followers=1)
        uow.emit(
            events.SOURCE, events.FOLLOWED, {"follower_id": me_id, "target_kind": kind, "target_id": target_id}, me_id
        )
        return edge

    try:
        return atomically(edge.tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "already_following", "target_id") from None


def unfollow(kind: str, target_id: str) -> None:
    rules.check_follow_kind(kind)
    me_id = _me()
    key = _person_key(target_id) if kind == rules.PERSON else _org_key(target_id)

    def write(uow: UnitOfWork) -> None:
        if not _delete(uow, Follow, {"follower_id": me_id, "target_kind": kind, "target_id": target_id}):
            raise DomainError(ErrorCode.NOT_FOUND, "not_following", "target_id")
        _count(uow, _person_key(me_id), following=-1)
        _count(uow, key, followers=-1)
        uow.emit(
            events.SOURCE, events.UNFOLLOWED, {"follower_id": me_id, "target_kind": kind, "target_id": target_id}, me_id
        )

    atomically(_tenant(), write)


def org_followers(org_id: str, page_size: int, cursor: str) -> tuple[list[dict], str]:
    """One page of the people following an org, oldest follow first: for those who may manage its members
    (its officers and those of the orgs above it), decided on the org's path."""
    org = tree.get(org_id)
    access.require("member.manage", org)
    query = Follow.in_tenant(org.tenant).filter(target_kind=rules.ORG, target_id=org.id)
    edges, next_cursor = page(query, page_size, cursor)
    return _person_entries([(e.follower_id, e.since) for e in edges]), next_cursor


# -- counts --------------------------------------------------------------------------------------------


def counts(account_id: str = "", org_id: str = "") -> tuple[NetworkCounter, bool]:
    """A person's or an org's counters, and whether the friend count may be shown to the caller.

    Follower and following counts are public within the region; friends follow the friend-list
    privacy; contacts are the owner's alone."""
    tenant = _tenant()
    me_id = _me()
    if org_id:
        tree.get(org_id)
        subject = _org_key(org_id)
        show_friends = False
    else:
        account_id = account_id or me_id
        if account_id != me_id:
            _person(account_id)
        subject = _person_key(account_id)
        show_friends = rules.may_see_friends(
            privacy_of(account_id),
            is_owner=account_id == me_id,
            is_friend=account_id != me_id and are_friends(me_id, account_id),
        )
    counter = NetworkCounter.in_tenant(tenant).filter(subject=subject).first() or NetworkCounter(subject=subject)
    if not show_friends:
        counter.friends = 0
    if org_id or account_id != me_id:
        counter.contacts = 0
    return counter, show_friends


# -- relations -----------------------------------------------------------------------------------------


def relations(account_id: str, relation: str, page_size: int, cursor: str) -> tuple[list[dict], str]:
    """One page of someone's relations of one type, as entries {kind, id, display_name, org_id, roles, since}.

    Members see their own network; another's friend list only as its owner's privacy allows."""
    rules.check_relation(relation)
    me_id = _me()
    account_id = account_id or me_id
    if account_id != me_id:
        _person(account_id)
        allowed = relation == rules.FRIENDS and rules.may_see_friends(
            privacy_of(account_id), is_owner=False, is_friend=are_friends(me_id, account_id)
        )
        if not allowed:
            raise DomainError(ErrorCode.PERMISSION_DENIED, "network_private", "account_id")
    if relation in (rules.SUPERIORS, rules.SUBORDINATES, rules.COLLEAGUES):
        return _tree_relations(account_id, relation, page_size, cursor)
    tenant = _tenant()
    if relation == rules.FRIENDS:
        edges, next_cursor = page(Friendship.in_tenant(tenant).filter(owner_id=account_id), page_size, cursor)
        return _person_entries([(e.friend_id, e.since) for e in edges]), next_cursor
    if relation == rules.FOLLOWERS:
        query = Follow.in_tenant(tenant).filter(target_kind=rules.PERSON, target_id=account_id)
        edges, next_cursor = page(query, page_size, cursor)
        return _person_entries([(e.follower_id, e.since) for e in edges]), next_cursor
    edges, next_cursor = page(Follow.in_tenant(tenant).filter(follower_id=account_id), page_size, cursor)
    persons = _person_entries([(e.target_id, e.since) for e in edges if e.target_kind == rules.PERSON])
    orgs = {
        o.id: o for o in Org.in_tenant(tenant).filter(id__in=[e.target_id for e in edges if e.target_kind == rules.ORG])
    }
    by_person = {p["id"]: p for p in persons}
    entries = []
    for e in edges:
        if e.target_kind == rules.PERSON:
            entries.append(by_person[e.target_id])
        elif e.target_id in orgs:
            org = orgs[e.target_id]
            entries.append(
                {
                    "kind": rules.ORG,
                    "id": org.id,
                    "display_name": org.name,
                    "org_id": org.id,
                    "roles": [],
                    "since": e.since,
                }
            )
    return entries, next_cursor


def _tree_relations(account_id: str, relation: str, page_size: int, cursor: str) -> tuple[list[dict], str]:
    home = membership_of(account_id)
    if home is None or home.status not in PRESENT:
        page(Membership.in_tenant(_tenant()).none(), page_size, cursor)  # still checks page_size and cursor
        return [], ""

    # The query holds the org (and the _id range of the page); status, roles and the person themselves are
    # checked in Python: an index holding them besides the _id range would not be planned (two ranges).
    def keep(m: Membership) -> bool:
        return m.status in PRESENT and m.account_id != account_id

    query = Membership.in_tenant(home.tenant)
    if relation == rules.SUPERIORS:
        # The own members of the few orgs above (an $in, so no _id range besides it): read, then paged here.
        found = query.filter(org_id__in=rules.superior_orgs(home.org_path, home.roles)).limit(_SUPERIORS_READ)
        leaders = [m for m in found if keep(m) and set(m.roles) & set(rules.LEADER_ROLES)]
        rows, next_cursor = page_of(leaders, page_size, cursor)
    elif relation == rules.SUBORDINATES:
        if not rules.is_leader(home.roles):
            query = query.none()
        rows, next_cursor = page(query.filter(org_path=home.org_id), page_size, cursor, keep=keep)
    else:
        rows, next_cursor = page(query.filter(org_id=home.org_id), page_size, cursor, keep=keep)
    return [_membership_entry(m) for m in rows], next_cursor


def _membership_entry(m: Membership, since: dt.datetime | None = None) -> dict:
    return {
        "kind": rules.PERSON,
        "id": m.account_id,
        "display_name": m.display_name,
        "org_id": m.org_id,
        "roles": list(m.roles),
        "since": since,
    }


def _person_entries(pairs: list[tuple[str, dt.datetime | None]]) -> list[dict]:
    known = people(a for a, _ in pairs)
    blank = {"display_name": "", "org_id": "", "roles": []}
    return [{"kind": rules.PERSON, "id": a, **known.get(a, blank), "since": since} for a, since in pairs]


# -- people you may know -------------------------------------------------------------------------------


def people_you_may_know(limit: int) -> list[tuple[rules.Suggestion, dict]]:
    """Friends of friends and colleagues who are not yet friends, ranked (services/orgs/domain/network.py)."""
    limit = rules.check_limit(limit)
    tenant, me_id = _tenant(), _me()
    home = membership_of(me_id)
    my_path = list(home.org_path) if home is not None and home.status in PRESENT else []
    friends = [
        f.friend_id for f in Friendship.in_tenant(tenant).filter(owner_id=me_id).only("friend_id").limit(_PYMK_FRIENDS)
    ]
    mutual: dict[str, int] = {}
    if friends:
        edges = Friendship.in_tenant(tenant).filter(owner_id__in=friends).only("friend_id").limit(_PYMK_EDGES)
        for e in edges:
            mutual[e.friend_id] = mutual.get(e.friend_id, 0) + 1
    colleagues: list[str] = []
    if my_path:
        colleagues = [
            m.account_id
            for m in Membership.in_tenant(tenant)
            .filter(org_id=my_path[-1], status__in=list(PRESENT))
            .only("account_id")
            .limit(_PYMK_COLLEAGUES)
        ]
    # Pending and declined requests, either way, keep someone out of the suggestions.
    asked = FriendRequest.in_tenant(tenant).filter(from_id=me_id, state__in=[PENDING, DECLINED]).only("to_id")
    asked_me = FriendRequest.in_tenant(tenant).filter(to_id=me_id, state__in=[PENDING, DECLINED]).only("from_id")
    exclude = set(friends)
    exclude.update(r.to_id for r in asked.limit(_PYMK_REQUESTS))
    exclude.update(r.from_id for r in asked_me.limit(_PYMK_REQUESTS))
    candidates = [a for a in {*mutual, *colleagues} if a not in exclude and a != me_id]
    known = people(candidates)
    paths = (
        {
            m.account_id: list(m.org_path)
            for m in Membership.in_tenant(tenant).filter(account_id__in=candidates).only("account_id", "org_path")
        }
        if candidates
        else {}
    )
    ranked = rules.rank_suggestions(me_id, my_path, mutual, colleagues, paths, exclude, limit)
    blank = {"display_name": "", "org_id": "", "roles": []}
    return [(s, known.get(s.account_id, blank)) for s in ranked]


# -- shortest path -------------------------------------------------------------------------------------


class StoreGraph:
    """Friend and colleague edges read from the store, one BFS level at a time: friendships of the whole
    level, the hidden friend lists among them, the home orgs not yet known, and those orgs' members."""

    def __init__(self, tenant: str, viewer: str):
        self.tenant = tenant
        self.viewer = viewer
        self.org_of: dict[str, str] = {}
        self.expanded_orgs: set[str] = set()
        self.queries = 0

    def neighbours(self, nodes: Collection[str], limit: int) -> dict[str, list[tuple[str, str]]]:
        nodes = list(nodes)
        found: dict[str, list[tuple[str, str]]] = {n: [] for n in nodes}
        limit = max(limit, 1)
        edges = list(
            Friendship.in_tenant(self.tenant).filter(owner_id__in=nodes).only("owner_id", "friend_id").limit(limit)
        )
        self.queries += 1
        hidden = self._hidden({*nodes, *(e.friend_id for e in edges)} - {self.viewer})
        for e in edges:
            # Someone who shows their friend list to nobody is not a friend-edge on anyone else's path.
            if e.owner_id not in hidden and e.friend_id not in hidden:
                found[e.owner_id].append((e.friend_id, rules.FRIEND))
        unknown = [n for n in nodes if n not in self.org_of]
        if unknown:
            for m in (
                Membership.in_tenant(self.tenant)
                .filter(account_id__in=unknown)  # status checked here: no index holds both fields
                .only("account_id", "org_id", "status")
            ):
                if m.status in PRESENT:
                    self.org_of[m.account_id] = m.org_id
            self.queries += 1
        # Everyone of an org is everyone else's colleague: an org is read once per search.
        orgs = {self.org_of[n] for n in nodes if n in self.org_of} - self.expanded_orgs
        if orgs:
            members_by_org: dict[str, list[str]] = {}
            rows = (
                Membership.in_tenant(self.tenant)
                .filter(org_id__in=list(orgs))  # status checked here: no index holds both fields
                .only("account_id", "org_id", "status")
                .limit(limit)
            )
            for m in (m for m in rows if m.status in PRESENT):
                self.org_of[m.account_id] = m.org_id
                members_by_org.setdefault(m.org_id, []).append(m.account_id)
            self.queries += 1
            self.expanded_orgs |= orgs
            for n in nodes:
                for colleague in members_by_org.get(self.org_of.get(n, ""), ()):
                    if colleague != n:
                        found[n].append((colleague, rules.COLLEAGUE))
        return found

    def _hidden(self, accounts: set[str]) -> set[str]:
        if not accounts:
            return set()
        self.queries += 1
        rows = NetworkSettings.in_tenant(self.tenant).filter(account_id__in=list(accounts))
        # the choice is checked here: the index holds the account only (one document per account at most)
        return {
            s.account_id
            for s in rows.only("account_id", "friends_visible_to")
            if s.friends_visible_to == rules.VISIBLE_TO_ME
        }


def shortest_path(to_id: str, max_depth: int) -> tuple[rules.PathResult, dict[str, dict]]:
    """The shortest chain of friends and colleagues from the caller to to_id, within max_depth hops."""
    max_depth = rules.check_depth(max_depth)
    me_id = _me()
    if to_id == me_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "path_to_self", "to_account_id")
    _person(to_id, "to_account_id")
    result = rules.shortest_path(StoreGraph(_tenant(), me_id), me_id, to_id, max_depth)
    return result, people(result.nodes)


# -- external contacts ---------------------------------------------------------------------------------


def _contact(contact_id: str) -> Contact:
    """One of the caller's own contacts (someone else's looks the same as none)."""
    try:
        found = Contact.in_tenant(_tenant()).filter(id=ObjectId(contact_id), owner_id=_me()).first()
    except (InvalidId, TypeError):
        found = None
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "contact_not_found", "contact_id")
    return found


def _home_of(account_id: str) -> tuple[str, list[str]]:
    """The org and path a member's contacts count toward (none once transferred out or deceased)."""
    home = membership_of(account_id)
    if home is None or home.status not in PRESENT:
        return "", []
    return home.org_id, list(home.org_path)


def add_contact(name: str, phone: str, note: str) -> Contact:
    me_id = _me()
    org_id, org_path = _home_of(me_id)
    contact = Contact(
        tenant=_tenant(),
        owner_id=me_id,
        owner_org_id=org_id,
        owner_org_path=org_path,
        name=rules.check_contact_name(name),
        phone=rules.normalize_phone(phone),
        note=rules.check_contact_note(note),
        created_at=utcnow(),
    )

    def write(uow: UnitOfWork) -> Contact:
        uow.insert(contact)
        _count(uow, _person_key(me_id), contacts=1)
        return contact

    try:
        return atomically(contact.tenant, write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "contact_exists", "phone") from None


def update_contact(contact_id: str, name: str, phone: str, note: str | None) -> Contact:
    """Change the given fields (empty name or phone, or a note of None, keep the current value)."""
    contact = _contact(contact_id)
    changes: dict = {"updated_at": utcnow()}
    if name:
        changes["name"] = rules.check_contact_name(name)
    if phone:
        changes["phone"] = rules.normalize_phone(phone)
    if note is not None:
        changes["note"] = rules.check_contact_note(note)
    try:
        Contact.in_tenant(contact.tenant).filter(id=contact.id).update_one(
            **{f"set__{k}": v for k, v in changes.items()}
        )
    except me.NotUniqueError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "contact_exists", "phone") from None
    contact.reload()
    return contact


def delete_contact(contact_id: str) -> None:
    contact = _contact(contact_id)

    def write(uow: UnitOfWork) -> None:
        if _delete(uow, Contact, {"_id": contact.id, "owner_id": contact.owner_id}):
            _count(uow, _person_key(contact.owner_id), contacts=-1)

    atomically(contact.tenant, write)


def list_contacts(owner_id: str, page_size: int, cursor: str) -> tuple[list[Contact], str, bool]:
    """A member's contacts, and whether they are shown in full (to their owner) or masked.

    Besides the owner, only who may read the owner's personal data (their org's secretary or
    organization officer) sees them, with phones masked and notes withheld."""
    me_id = _me()
    owner_id = owner_id or me_id
    full = owner_id == me_id
    if not full:
        home = membership_of(owner_id)
        if home is None or not access.may("personal_data.read", tree.get(home.org_id)):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "network_private", "account_id")
    rows, next_cursor = page(Contact.in_tenant(_tenant()).filter(owner_id=owner_id), page_size, cursor)
    return rows, next_cursor, full


# -- an org's reach -----------------------------------------------------------------------------------


def reach(org_id: str) -> tuple[int, int]:
    """Distinct people of the org's subtree (from its counters) and the distinct phones of the external
    contacts they own (one aggregation on the contacts' org_path index)."""
    org = tree.get(org_id)
    access.require("stats.read", org)
    members = sum(int(v) for k, v in (org.members_by_status or {}).items() if k in PRESENT)
    distinct_phones = [
        {"$match": {"tenant": org.tenant, "owner_org_path": org.id}},
        {"$group": {"_id": "$phone"}},
        {"$count": "n"},
    ]
    result = list(Contact._get_collection().aggregate(distinct_phones))
    return members, (result[0]["n"] if result else 0)


# Each sync copies the current memberships and orgs, so a repeated or late event does no harm.


def sync_owner(tenant: str, account_id: str) -> None:
    """Copy an owner's current home org onto their contacts."""
    home = Membership.in_tenant(tenant).filter(account_id=account_id).only("org_id", "org_path", "status").first()
    present = home is not None and home.status in PRESENT
    Contact.in_tenant(tenant).filter(owner_id=account_id).update(
        set__owner_org_id=home.org_id if present else "", set__owner_org_path=list(home.org_path) if present else []
    )


def sync_owners(tenant: str, account_ids: list[str]) -> None:
    """sync_owner for the ones among many people (an imported roster) who keep any contacts."""
    for start in range(0, len(account_ids), 100):  # SecantusDB slows down on long $in lists
        chunk = account_ids[start : start + 100]
        for owner_id in Contact.in_tenant(tenant).filter(owner_id__in=chunk).distinct("owner_id"):
            sync_owner(tenant, owner_id)


def sync_subtree(tenant: str, org_id: str) -> None:
    """Copy the current paths of an org's subtree onto the contacts of its members (one update per org)."""
    for org in Org.in_tenant(tenant).filter(path=org_id).only("id", "path"):
        Contact.in_tenant(tenant).filter(owner_org_id=org.id).update(set__owner_org_path=list(org.path))


def sync_merged(tenant: str, source_id: str, target_id: str) -> None:
    """After a merge: the source's own members now belong to the target, its child orgs sit below it."""
    target = Org.in_tenant(tenant).filter(id=target_id).only("id", "path").first()
    if target is not None:
        Contact.in_tenant(tenant).filter(owner_org_id=source_id).update(
            set__owner_org_id=target.id, set__owner_org_path=list(target.path)
        )
        sync_subtree(tenant, target_id)
