"""What handsets send to the region's number: 退订/TD/STOP (and 订阅 back), or an answer to a message that
asked for one — "1" to attend a meeting, "2 出差" to ask for leave — routed to the feature that asked as
`reply_received`. Every inbound message is kept (a year) for whoever must answer a complaint."""

from __future__ import annotations

import datetime as dt
import logging

import mongoengine as me
from bson import ObjectId

from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.sms import events, messages, mirror, optouts
from services.sms.domain import rules

log = logging.getLogger(__name__)

KEEP = dt.timedelta(days=365)


class Reply(TenantDocument):
    phone = me.StringField(required=True)
    account_id = me.StringField(default="")
    text = me.StringField(default="")
    received_at = me.DateTimeField(required=True)
    outcome = me.StringField(default="")  # opt_out, opt_in, routed, unmatched
    feature = me.StringField(default="")
    ref = me.StringField(default="")
    send_id = me.StringField(default="")

    meta = {
        "collection": "replies",
        "indexes": [
            ("tenant", "phone", "received_at"),
            {"fields": ["received_at"], "expireAfterSeconds": int(KEEP.total_seconds())},
        ],
    }


DOCUMENTS = (Reply,)


def receive(tenant: str, phone: str, text: str, at: dt.datetime | None = None) -> str:
    """Handle one inbound message; returns what became of it (Reply.outcome)."""
    now = utcnow()
    text = (text or "")[:1000]
    row = Reply(
        id=ObjectId(),
        tenant=tenant,
        phone=phone,
        text=text,
        received_at=at or now,
        account_id=mirror.account_of(tenant, phone),
    )
    word = rules.keyword(text)
    if word:
        optouts.set_opt_out(tenant, phone, word == "opt_out", optouts.VIA_SMS)
        row.outcome = word
        row.save()
        return word
    asking = messages.latest_asking(tenant, phone, now)
    if asking is None:
        row.outcome = "unmatched"
        row.save()
        return row.outcome
    row.outcome, row.feature, row.ref, row.send_id = "routed", asking.reply_feature, asking.reply_ref, asking.send_id
    data = {
        "reply_id": str(row.id),
        "feature": asking.reply_feature,
        "ref": asking.reply_ref,
        "account_id": asking.account_id or row.account_id,
        "org_id": asking.org_id,
        "text": text,
        "choice": rules.choice_of(text),
    }

    def write(uow: UnitOfWork) -> None:
        uow.insert(row)
        uow.emit(events.SOURCE, events.REPLY_RECEIVED, data)

    atomically(tenant, write)
    return row.outcome
