"""Audit of reads of other people's private files (PIPL): a private upload — a service request's attachment,
a draft — read by an org's media manager leaves who read whose file, when, under which request id. The owner
reading their own file is not audited; files shared with members or the public are not private reads."""

from __future__ import annotations

import mongoengine as me

from kernel import context
from kernel.store import TenantDocument, utcnow
from services.media import access
from services.media.domain import files as rules


class PrivateRead(TenantDocument):
    reader = me.StringField(required=True)
    owner = me.StringField(required=True)
    media_id = me.StringField(required=True)
    at = me.DateTimeField(required=True)
    request_id = me.StringField(default="")

    meta = {"collection": "private_reads", "indexes": [("tenant", "media_id", "at"), ("tenant", "reader", "at")]}


DOCUMENTS = (PrivateRead,)


def record(item) -> None:
    """Written before the answer (with its download address) leaves: a read not recorded does not happen."""
    reader = access.actor().account_id
    if item.visibility != rules.PRIVATE or item.owner_id == reader:
        return
    PrivateRead(
        tenant=access.tenant(),
        reader=reader,
        owner=item.owner_id,
        media_id=str(item.id),
        at=utcnow(),
        request_id=context.current().request_id,
    ).save(force_insert=True)
