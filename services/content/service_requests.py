"""Service requests (服务): private legal, policy, psychological and business consultation.

Counsellors are appointed per (org, category) by those with service.manage on the org. A member's request is
routed to the nearest org of their home path with counsellors of its category (domain/service_requests.py)
and waits open in that org's queue of the category until a counsellor takes it or a manager assigns one;
then replies, closing and a rating. Every transition is an update conditional on the state it was decided
from: a request changed meanwhile is refused (`service_request_changed`), never overwritten.

Privacy: who reads a request's content is `rules.reader_role`; anyone else is answered NOT_FOUND, as for a
missing request. Content leaves this module in three places only — the request itself (`get`) and the
subjects of the member's and the assigned counsellor's own listings (`mine`, `assigned`) — and each of them
writes an audit row per request first (`ServiceRequestRead`: reader, role, time, the call's request id).
The queue and the overdue report carry metadata only.
"""

from __future__ import annotations

import datetime as dt

import mongoengine as me
from pymongo.errors import DuplicateKeyError

from kernel import authz, context
from kernel.clock import aware, now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page_by_time, time_cursor
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, events, mirror, recent
from services.content.domain import inputs
from services.content.domain import service_requests as rules

MANAGE = "service.manage"
COUNSELLORS_MAX = 500  # counsellors of one org listed at once
QUEUES_MAX = 100  # appointments of one counsellor read for their queues
ACTIVE = (rules.ASSIGNED, rules.ANSWERED)  # a counsellor's requests that go back to the queue on removal
FULL, LISTED = "request", "list"  # what a read showed: the whole request, or its subject in a listing


# -- documents -----------------------------------------------------------------------------------------


class Counsellor(TenantDocument):
    """An appointment: the person counsels the org's requests of the category (they need not be its member)."""

    org_id = me.StringField(required=True)
    category = me.StringField(required=True)
    account_id = me.StringField(required=True)
    appointed_by = me.StringField(required=True)
    appointed_at = me.DateTimeField(required=True)

    meta = {
        "collection": "service_counsellors",
        "indexes": [
            {"fields": ["tenant", "org_id", "category", "account_id"], "unique": True},
            ("tenant", "category", "org_id"),  # routing: which orgs of a member's path counsel the category
            ("tenant", "account_id"),  # a counsellor's queues
        ],
    }


class ServiceRequest(TenantDocument):
    member_id = me.StringField(required=True)
    category = me.StringField(required=True)
    subject = me.StringField(required=True)
    text = me.StringField(required=True)
    attachment_ids = me.ListField(me.StringField())
    org_path = me.ListField(me.StringField())  # the member's home path when it was opened
    routed_org_id = me.StringField(required=True)  # whose counsellors of the category answer it
    routed_path = me.ListField(me.StringField())  # root … routed org: the overdue report of any org above
    state = me.StringField(required=True)  # rules.STATES
    counsellor_id = me.StringField(default="")  # the assigned counsellor; "" while open
    replies = me.ListField(me.DictField())  # {author_id, role, text, attachment_ids, at}, oldest first
    reply_count = me.IntField(default=0)
    opened_at = me.DateTimeField(required=True)
    due_at = me.DateTimeField(required=True)  # the category's target for the first counsellor reply
    assigned_at = me.DateTimeField()
    first_reply_at = me.DateTimeField()  # the first counsellor reply
    closed_at = me.DateTimeField()
    updated_at = me.DateTimeField(required=True)
    watched = me.BooleanField(default=True)  # rules.watched: on the overdue report once due_at has passed
    rating = me.IntField(default=0)  # 0: not rated
    rating_comment = me.StringField(default="")
    rated_at = me.DateTimeField()

    meta = {
        "collection": "service_requests",
        "indexes": [
            ("tenant", "member_id", "-opened_at"),  # mine, newest first
            ("tenant", "counsellor_id", "-opened_at"),  # assigned to me, newest first
            ("tenant", "counsellor_id", "routed_org_id", "category", "state"),  # requeued on removal
            ("tenant", "routed_org_id", "category", "state", "opened_at"),  # a queue, oldest first
            ("tenant", "routed_path", "watched", "due_at"),  # the overdue report, most overdue first
        ],
    }


class ServiceRequestRead(TenantDocument):
    """One read of a request's content: who, in which role, when, and the call that read it."""

    request_id = me.StringField(required=True)
    reader_id = me.StringField(required=True)
    role = me.StringField(required=True)  # member, counsellor, auditor
    view = me.StringField(required=True)  # FULL or LISTED
    at = me.DateTimeField(required=True)
    call_id = me.StringField(default="")  # the request id of the call (x-request-id), for the logs

    meta = {"collection": "service_request_reads", "indexes": [("tenant", "request_id", "-at")]}


DOCUMENTS = (Counsellor, ServiceRequest, ServiceRequestRead)


def facts(request: ServiceRequest) -> rules.Facts:
    return rules.Facts(request.category, request.state, request.member_id, request.counsellor_id)


def overdue_by(request: ServiceRequest, now: dt.datetime | None = None) -> dt.timedelta | None:
    return rules.late_by(request.due_at, request.first_reply_at, request.closed_at, now or now_ms())


# -- counsellors ---------------------------------------------------------------------------------------


def counsels(org_id: str, category: str, account_id: str) -> bool:
    query = Counsellor.in_tenant(access.tenant()).filter(org_id=org_id, category=category, account_id=account_id)
    return query.only("id").first() is not None


def queue_counsellors(tenant: str, org_id: str, category: str) -> list[str]:
    """The accounts appointed to the org's queue of the category (for the inbox worker)."""
    rows = Counsellor.in_tenant(tenant).filter(org_id=org_id, category=category).only("account_id").limit(500)
    return [r.account_id for r in rows]


def _org(org_id: str) -> str:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    return org_id


def appoint(org_id: str, category: str, account_id: str) -> Counsellor:
    """Appoint a person content knows as a counsellor of the org for the category (service.manage)."""
    org_id = _org(org_id)
    access.require(MANAGE, org_id)
    category = rules.category(category)
    account_id = inputs.one_id(account_id, "account_id")
    tenant = access.tenant()
    if not mirror.people(tenant, [account_id])[account_id]["known"]:
        raise DomainError(ErrorCode.NOT_FOUND, "service_counsellor_unknown", "account_id")
    row = Counsellor(
        tenant=tenant,
        org_id=org_id,
        category=category,
        account_id=account_id,
        appointed_by=access.actor().account_id,
        appointed_at=now_ms(),
    )
    try:
        return atomically(tenant, lambda uow: uow.insert(row))
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "service_counsellor_exists", "account_id") from None


def remove(org_id: str, category: str, account_id: str) -> int:
    """End an appointment (service.manage). The counsellor's requests of that queue not yet closed go back
    to it, open and unassigned, for another counsellor to take; they no longer read any of its requests.
    Returns how many went back."""
    org_id = _org(org_id)
    access.require(MANAGE, org_id)
    category = rules.category(category)
    account_id = inputs.one_id(account_id, "account_id")
    now = now_ms()

    def write(uow: UnitOfWork) -> int:
        key = {"tenant": uow.tenant, "org_id": org_id, "category": category, "account_id": account_id}
        if not Counsellor._get_collection().delete_one(key, session=uow.session).deleted_count:
            raise DomainError(ErrorCode.NOT_FOUND, "service_counsellor_not_found", "account_id")
        active = {
            "tenant": uow.tenant,
            "counsellor_id": account_id,
            "routed_org_id": org_id,
            "category": category,
            "state": {"$in": list(ACTIVE)},
        }
        ids = [row["_id"] for row in ServiceRequest._get_collection().find(active, {"_id": 1}, session=uow.session)]
        back = 0
        for request_id in ids:
            back += uow.update_one(
                ServiceRequest,
                {"_id": request_id, "counsellor_id": account_id, "state": {"$in": list(ACTIVE)}},
                {"$set": {"state": rules.OPEN, "counsellor_id": "", "updated_at": now}},
            )
        return back

    return atomically(access.tenant(), write)


def counsellors_of(org_id: str, category: str) -> list[Counsellor]:
    """The org's counsellors (of one category, or all), for its managers and the members of its subtree."""
    org_id = _org(org_id)
    if not access.may(MANAGE, org_id) and org_id not in access.reader().org_path:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "service_counsellors_denied", "org_id")
    query = Counsellor.in_tenant(access.tenant()).filter(org_id=org_id)
    if category:
        query = query.filter(category=rules.category(category))
    return list(query.order_by("category", "account_id").limit(COUNSELLORS_MAX))


def _queues_of(account_id: str) -> list[tuple[str, str]]:
    rows = Counsellor.in_tenant(access.tenant()).filter(account_id=account_id).limit(QUEUES_MAX)
    return sorted({(r.org_id, r.category) for r in rows.only("org_id", "category")})


# -- who is asking -------------------------------------------------------------------------------------


def _find(request_id: str) -> ServiceRequest:
    request = ServiceRequest.by_id(access.tenant(), request_id)
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, "service_request_not_found", "request_id")
    return request


def _caller(request: ServiceRequest) -> rules.Caller:
    who = access.actor()
    return rules.Caller(
        account_id=who.account_id,
        counsels_queue=counsels(request.routed_org_id, request.category, who.account_id),
        auditor=authz.CENTRAL_AUDITOR in who.platform_roles,
    )


def _refused(request: ServiceRequest, caller: rules.Caller) -> DomainError:
    """The refusal of an action the caller may not take: NOT_FOUND unless they may read the request."""
    if rules.reader_role(facts(request), caller) is None:
        return DomainError(ErrorCode.NOT_FOUND, "service_request_not_found", "request_id")
    return DomainError(ErrorCode.PERMISSION_DENIED, "service_request_action_denied", "request_id")


def _changed() -> DomainError:
    return DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_changed", "request_id")


def _audit(requests: list[ServiceRequest], role: str, view: str) -> None:
    """Record the caller's read of each request (before its content is answered)."""
    if not requests:
        return
    tenant, now = access.tenant(), now_ms()
    reader_id, call_id = access.actor().account_id, context.current().request_id
    rows = [
        ServiceRequestRead(
            tenant=tenant, request_id=str(r.id), reader_id=reader_id, role=role, view=view, at=now, call_id=call_id
        )
        for r in requests
    ]
    atomically(tenant, lambda uow: uow.insert_many(rows))


# -- opening and reading -------------------------------------------------------------------------------


def open_request(category: str, subject: str, text: str, attachment_ids: list[str]) -> ServiceRequest:
    """The caller's new request, routed to the nearest org of their home path with counsellors of the
    category (FAILED_PRECONDITION service_no_counsellors naming category when none)."""
    category = rules.category(category)
    subject, text, attachment_ids = rules.subject(subject), rules.text(text), rules.attachments(attachment_ids)
    reader, tenant, now = access.reader(), access.tenant(), now_ms()
    path = list(reader.org_path)
    counselled = set(Counsellor.in_tenant(tenant).filter(category=category, org_id__in=path).scalar("org_id"))
    routed = rules.route(path, counselled)
    request = ServiceRequest(
        tenant=tenant,
        member_id=reader.account_id,
        category=category,
        subject=subject,
        text=text,
        attachment_ids=attachment_ids,
        org_path=path,
        routed_org_id=routed,
        routed_path=path[: path.index(routed) + 1],
        state=rules.OPEN,
        opened_at=now,
        due_at=rules.due_at(category, now),
        updated_at=now,
    )

    def write(uow: UnitOfWork) -> ServiceRequest:
        uow.insert(request)
        # Never the subject or text: events travel over the broker to every consumer.
        data = {"request_id": str(request.id), "category": category, "org_id": routed}
        uow.emit(events.SOURCE, events.SERVICE_REQUEST_OPENED, data, reader.account_id)
        return request

    return atomically(tenant, write)


def get(request_id: str) -> tuple[ServiceRequest, str]:
    """The request and the caller's role in it (member, counsellor, auditor); the read is audited.
    NOT_FOUND for anyone else."""
    request = _find(request_id)
    role = rules.reader_role(facts(request), _caller(request))
    if role is None:
        raise DomainError(ErrorCode.NOT_FOUND, "service_request_not_found", "request_id")
    _audit([request], role, FULL)
    return request, role


def mine(page_size: int, cursor: str) -> tuple[list[ServiceRequest], str]:
    """The caller's requests, newest first, with their subjects (audited as the member's reads)."""
    query = ServiceRequest.in_tenant(access.tenant()).filter(member_id=access.actor().account_id)
    rows, next_cursor = recent.page(query.exclude("text", "replies"), "opened_at", page_size, cursor)
    _audit(rows, rules.MEMBER, LISTED)
    return rows, next_cursor


def assigned(page_size: int, cursor: str) -> tuple[list[ServiceRequest], str]:
    """Requests assigned to the caller in queues they still counsel, newest first, with their subjects
    (audited as the counsellor's reads). Rows of queues they left are skipped: a short page with a cursor
    means read on."""
    me_id = access.actor().account_id
    queues = set(_queues_of(me_id))
    query = ServiceRequest.in_tenant(access.tenant()).filter(counsellor_id=me_id).exclude("text", "replies")
    rows, next_cursor = recent.page(query, "opened_at", page_size, cursor)
    rows = [r for r in rows if (r.routed_org_id, r.category) in queues]
    _audit(rows, rules.COUNSELLOR, LISTED)
    return rows, next_cursor


_METADATA = ("subject", "text", "attachment_ids", "replies", "member_id", "org_path", "rating_comment")


def _oldest_first(queries: list, field: str, page_size: int, cursor: str) -> tuple[list, str]:
    """One oldest-first page over several queries (each indexed, ending with field), merged here."""
    size = recent.size(page_size)
    rows, more = [], False
    for query in queries:
        got, next_cursor = page_by_time(query, field, size, cursor)
        rows += got
        more = more or bool(next_cursor)
    rows.sort(key=lambda r: (aware(getattr(r, field)), r.id))
    more = more or len(rows) > size
    rows = rows[:size]
    return rows, time_cursor(getattr(rows[-1], field), rows[-1].id) if more and rows else ""


def queue(org_id: str, category: str, page_size: int, cursor: str) -> tuple[list[ServiceRequest], str]:
    """Open requests waiting to be taken, oldest first, as metadata only: those of the caller's queues, or
    (org_id) every queue of an org the caller manages."""
    category = rules.category(category) if category else ""
    if org_id:
        org_id = _org(org_id)
        if not access.may(MANAGE, org_id):
            raise DomainError(ErrorCode.PERMISSION_DENIED, "service_queue_denied", "org_id")
        queues = [(org_id, c) for c in rules.CATEGORIES]
    else:
        queues = _queues_of(access.actor().account_id)
    queues = [(o, c) for o, c in queues if not category or c == category]
    base = ServiceRequest.in_tenant(access.tenant()).exclude(*_METADATA)
    queries = [base.filter(routed_org_id=o, category=c, state=rules.OPEN) for o, c in queues]
    return _oldest_first(queries, "opened_at", page_size, cursor)


# -- acting on a request -------------------------------------------------------------------------------


def take(request_id: str) -> ServiceRequest:
    """A counsellor of its queue takes an open request: it is theirs to answer."""
    request = _find(request_id)
    caller = _caller(request)
    if not caller.counsels_queue:
        raise _refused(request, caller)
    state = rules.take(facts(request), caller.account_id)
    now = now_ms()

    def write(uow: UnitOfWork) -> None:
        changes = {"state": state, "counsellor_id": caller.account_id, "assigned_at": now, "updated_at": now}
        if not uow.update_one(ServiceRequest, {"_id": request.id, "state": rules.OPEN}, {"$set": changes}):
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_not_open", "request_id")

    atomically(access.tenant(), write)
    return _find(request_id)


def assign(request_id: str, account_id: str) -> ServiceRequest:
    """Someone with service.manage on the routed org gives the request to one of that queue's counsellors
    (an open request becomes assigned; an assigned or answered one changes hands)."""
    request = _find(request_id)
    if not access.may(MANAGE, request.routed_org_id):
        raise _refused(request, _caller(request))
    account_id = inputs.one_id(account_id, "account_id")
    if not counsels(request.routed_org_id, request.category, account_id):
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_not_a_counsellor", "account_id")
    state = rules.assign(facts(request), account_id)
    now = now_ms()

    def write(uow: UnitOfWork) -> None:
        current = {"_id": request.id, "state": request.state, "counsellor_id": request.counsellor_id}
        changes = {"state": state, "counsellor_id": account_id, "assigned_at": now, "updated_at": now}
        if not uow.update_one(ServiceRequest, current, {"$set": changes}):
            raise _changed()

    atomically(access.tenant(), write)
    return _find(request_id)


def reply(request_id: str, text: str, attachment_ids: list[str]) -> ServiceRequest:
    """A reply of the member or of the assigned counsellor (rules.reply says what it does to the state).
    The counsellor's first reply stops the response clock; each counsellor reply is announced."""
    request = _find(request_id)
    caller = _caller(request)
    current = facts(request)
    if caller.account_id == request.member_id:
        role = rules.MEMBER
    elif rules.is_assigned_counsellor(current, caller):
        role = rules.COUNSELLOR
    elif caller.counsels_queue and request.state == rules.OPEN:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_request_not_taken", "request_id")
    else:
        raise _refused(request, caller)
    body, attachments = rules.text(text), rules.attachments(attachment_ids)
    state = rules.reply(current, role)
    if request.reply_count >= rules.REPLIES_MAX:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_replies_full", "text", max=rules.REPLIES_MAX)
    now = now_ms()
    condition: dict = {"_id": request.id, "state": request.state, "reply_count": {"$lt": rules.REPLIES_MAX}}
    changes: dict = {"state": state, "updated_at": now}
    if role == rules.COUNSELLOR:
        condition["counsellor_id"] = caller.account_id
        if request.first_reply_at is None:
            condition["first_reply_at"] = None
            changes["first_reply_at"] = now
            changes["watched"] = rules.watched(request.due_at, now, None)
    entry = {"author_id": caller.account_id, "role": role, "text": body, "attachment_ids": attachments, "at": now}

    def write(uow: UnitOfWork) -> None:
        update = {"$set": changes, "$push": {"replies": entry}, "$inc": {"reply_count": 1}}
        if not uow.update_one(ServiceRequest, condition, update):
            raise _changed()
        if role == rules.COUNSELLOR:
            data = {"request_id": str(request.id), "account_id": request.member_id}
            uow.emit(events.SOURCE, events.SERVICE_REQUEST_ANSWERED, data, caller.account_id)

    atomically(access.tenant(), write)
    return _find(request_id)


def close(request_id: str) -> ServiceRequest:
    """Closed by the member, or by the assigned counsellor. Closed before any counsellor reply, the
    response clock stops there (late if past the target)."""
    request = _find(request_id)
    caller = _caller(request)
    condition: dict = {"_id": request.id, "state": request.state}
    if caller.account_id != request.member_id:
        if not rules.is_assigned_counsellor(facts(request), caller):
            raise _refused(request, caller)
        condition["counsellor_id"] = caller.account_id
    state = rules.close(facts(request))
    now = now_ms()
    changes = {
        "state": state,
        "closed_at": now,
        "updated_at": now,
        "watched": rules.watched(request.due_at, request.first_reply_at, now),
    }

    def write(uow: UnitOfWork) -> None:
        if not uow.update_one(ServiceRequest, condition, {"$set": changes}):
            raise _changed()

    atomically(access.tenant(), write)
    return _find(request_id)


def rate(request_id: str, rating: int, comment: str) -> ServiceRequest:
    """The member's satisfaction (1–5, an optional comment), once, when answered or closed."""
    request = _find(request_id)
    caller = _caller(request)
    if caller.account_id != request.member_id:
        raise _refused(request, caller)
    rules.rate(facts(request), rated=bool(request.rating))
    value, remark, now = rules.rating(rating), rules.comment(comment), now_ms()

    def write(uow: UnitOfWork) -> None:
        condition = {"_id": request.id, "state": {"$in": [rules.ANSWERED, rules.CLOSED]}, "rating": 0}
        changes = {"rating": value, "rating_comment": remark, "rated_at": now, "updated_at": now}
        if not uow.update_one(ServiceRequest, condition, {"$set": changes}):
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "service_already_rated", "rating")

    atomically(access.tenant(), write)
    return _find(request_id)


# -- audit and reports ---------------------------------------------------------------------------------


def reads(request_id: str, page_size: int, cursor: str) -> tuple[list[ServiceRequestRead], str]:
    """Who read the request, newest first: for its member, and for auditors and region admins (any request)."""
    request = _find(request_id)
    if access.actor().account_id != request.member_id and not access.may_in_region("audit.read"):
        raise _refused(request, _caller(request))
    query = ServiceRequestRead.in_tenant(access.tenant()).filter(request_id=str(request.id))
    return recent.page(query, "at", page_size, cursor)


def overdue(org_id: str, page_size: int, cursor: str) -> tuple[list[tuple[ServiceRequest, dt.timedelta]], str]:
    """Requests routed to the org or below whose first counsellor reply came after the category's target,
    or that still wait past it, the earliest due first, as metadata (service.manage on the org)."""
    org_id = _org(org_id)
    access.require(MANAGE, org_id)
    now = now_ms()
    # A watched request is overdue exactly when its due time has passed, so the report is the rows of one
    # index range up to now: read in due order, and stop at the first row not yet due.
    watched = ServiceRequest.in_tenant(access.tenant()).filter(routed_path=org_id, watched=True)
    rows, next_cursor = page_by_time(watched.exclude(*_METADATA), "due_at", page_size, cursor)
    out = []
    for row in rows:
        late = overdue_by(row, now)
        if aware(row.due_at) >= now or late is None:
            return out, ""
        out.append((row, late))
    if next_cursor:  # a full page: is the next row overdue too, or is this the end of the report?
        following, _ = page_by_time(watched.only("due_at"), "due_at", 1, next_cursor)
        if not following or aware(following[0].due_at) >= now:
            next_cursor = ""
    return out, next_cursor
