"""The security audit log: who did what to whom, readable by region admins and auditors."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId

from kernel import context, logs
from kernel.authz import CENTRAL_AUDITOR, REGION_ADMIN
from kernel.errors import DomainError, ErrorCode
from kernel.store import UnitOfWork, utcnow
from services.identity.store import AuditEntry

MAX_PAGE = 200


def record(
    action: str,
    *,
    actor_id: str = "",
    target_id: str = "",
    outcome: str = "ok",
    uow: UnitOfWork | None = None,
    **details: object,
) -> None:
    """Append an entry; inside a unit of work it commits with the change it describes."""
    entry = build(action, actor_id=actor_id, target_id=target_id, outcome=outcome, **details)
    if uow is not None:
        uow.insert(entry)
    else:
        entry.save()


def build(
    action: str, *, actor_id: str = "", target_id: str = "", outcome: str = "ok", **details: object
) -> AuditEntry:
    """An entry for the current call, not yet written (for bulk writes: uow.insert_many)."""
    ctx = context.current()
    return AuditEntry(
        tenant=ctx.tenant,
        at=utcnow(),
        action=action,
        actor_id=actor_id or (ctx.actor.account_id if ctx.actor else ""),
        target_id=target_id,
        request_id=logs.request_id_var.get(),
        outcome=outcome,
        details={k: str(v) for k, v in details.items()} | ({"ip": ctx.client_ip} if ctx.client_ip else {}),
    )


def list_entries(
    action: str = "", actor_id: str = "", target_id: str = "", page_size: int = 50, cursor: str = ""
) -> tuple[list[AuditEntry], str]:
    ctx = context.current()
    actor = ctx.require_actor()
    if not {REGION_ADMIN, CENTRAL_AUDITOR} & set(actor.platform_roles):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    page_size = page_size or 50
    if not 1 <= page_size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    query = AuditEntry.in_tenant(ctx.tenant)
    if action:
        query = query.filter(action=action)
    if actor_id:
        query = query.filter(actor_id=actor_id)
    if target_id:
        query = query.filter(target_id=target_id)
    if cursor:
        try:
            query = query.filter(id__lt=ObjectId(cursor))
        except InvalidId:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor") from None
    entries = list(query.order_by("-id").limit(page_size + 1))
    next_cursor = str(entries[page_size - 1].id) if len(entries) > page_size else ""
    record("audit.read", details_filter=f"{action}|{actor_id}|{target_id}")
    return entries[:page_size], next_cursor
