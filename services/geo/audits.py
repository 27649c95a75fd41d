"""Audit of reads of other people's locations (PIPL): who read whose points, in which view, when, under which
request id. Members reading their own data are not audited; aggregates show no one and are not either."""

from __future__ import annotations

import mongoengine as me

from kernel import context
from kernel.store import TenantDocument, utcnow
from services.geo import access

CHECK_INS = "check_ins"  # an organizer listed a meeting's check-ins with their points
LIVE = "live_locations"  # someone listed a meeting's live locations
REVIEW = "check_in_review"  # an organizer decided on a held check-in, answered with its point


class LocationRead(TenantDocument):
    reader = me.StringField(required=True)
    view = me.StringField(required=True)
    ref = me.StringField(default="")  # the meeting
    subjects = me.ListField(me.StringField())  # whose points were shown
    at = me.DateTimeField(required=True)
    request_id = me.StringField(default="")

    meta = {"collection": "location_reads", "indexes": [("tenant", "ref", "at"), ("tenant", "reader", "at")]}


DOCUMENTS = (LocationRead,)


def record(view: str, ref: str, subjects: list[str]) -> None:
    """Written before the answer leaves: a read that is not recorded does not happen."""
    reader = access.actor().account_id
    others = sorted({s for s in subjects if s != reader})
    if not others:
        return
    LocationRead(
        tenant=access.tenant(),
        reader=reader,
        view=view,
        ref=ref,
        subjects=others,
        at=utcnow(),
        request_id=context.current().request_id,
    ).save(force_insert=True)
