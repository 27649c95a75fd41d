"""orgs' documents (its own database). Every query names its tenant.

The tree is a materialized path: each org keeps `path` (root … itself), indexed as a multikey array, so
"everything below X" is one indexed equality (`path == X`) and "above X" is X's own path. Each org also
keeps counters of its whole subtree (members by status, orgs by type), updated in the same transaction
as every change along the changed org's path, so a subtree count is one document read.
"""

from __future__ import annotations

import mongoengine as me
from pymongo.errors import OperationFailure

from kernel.store import TenantDocument


class Org(TenantDocument):
    id = me.StringField(primary_key=True)
    name = me.StringField(required=True)
    type = me.StringField(required=True)
    category = me.StringField(default="")
    parent_id = me.StringField(default="")
    path = me.ListField(me.StringField())  # root … this org
    slug = me.StringField()
    address = me.StringField(default="")
    location = me.DictField(default=None)  # GeoJSON Point {type, coordinates: [lng, lat]}, WGS-84; 2dsphere index below
    dissolved = me.BooleanField(default=False)
    created_at = me.DateTimeField(required=True)
    # whole-subtree counters (this org included), kept by services/orgs/counters.py
    members_by_status = me.DictField()
    orgs_by_type = me.DictField()

    meta = {
        "collection": "orgs",
        "indexes": [
            ("tenant", "path"),
            ("tenant", "path", "dissolved", "id"),
            ("tenant", "path", "dissolved", "type", "id"),
            ("tenant", "parent_id", "id"),
            ("tenant", "parent_id", "dissolved", "id"),
            {"fields": ["tenant", "slug"], "unique": True, "partialFilterExpression": {"slug": {"$type": "string"}}},
            # lookups by slug: the partial unique index above is not planned for a plain equality
            {"fields": ["tenant", "slug"], "name": "tenant_slug_lookup"},
        ],
    }


class OrgChange(TenantDocument):
    """The tree's history: who changed which org, when, from what to what."""

    org_id = me.StringField(required=True)
    kind = me.StringField(required=True)
    actor_id = me.StringField(default="")
    at = me.DateTimeField(required=True)
    before = me.DictField()
    after = me.DictField()

    meta = {"collection": "org_changes", "indexes": [("tenant", "org_id", "-id")]}


class AttendanceTally(me.EmbeddedDocument):
    """Meetings of one type ("" for all): absent and the rate follow from these (domain/dossier.py)."""

    meeting_type = me.StringField(default="")
    invited = me.IntField(default=0)
    attended = me.IntField(default=0)
    on_leave = me.IntField(default=0)


class AttendanceSnapshot(me.EmbeddedDocument):
    """A member's org life in the twelve months before a transfer's outgoing approval."""

    since = me.DateTimeField(required=True)
    until = me.DateTimeField(required=True)
    total = me.EmbeddedDocumentField(AttendanceTally, required=True)
    by_type = me.EmbeddedDocumentListField(AttendanceTally)


class StatusStep(me.EmbeddedDocument):
    status = me.StringField(required=True)
    effective_on = me.StringField(required=True)  # YYYY-MM-DD
    approved_by = me.StringField(default="")
    org_id = me.StringField(default="")
    note = me.StringField(default="")
    recorded_at = me.DateTimeField(required=True)
    attendance = me.EmbeddedDocumentField(AttendanceSnapshot)  # on a transfer's step: the org life brought along


class Membership(TenantDocument):
    """A person's one membership in the region: home org, status, roles, and the dossier (history)."""

    account_id = me.StringField(required=True)
    display_name = me.StringField(default="")
    org_id = me.StringField(required=True)
    org_path = me.ListField(me.StringField())  # the home org's path, for subtree queries
    status = me.StringField(required=True)
    status_since = me.StringField(required=True)  # YYYY-MM-DD
    roles = me.ListField(me.StringField())
    dues_paid_up_to = me.StringField(default="")  # YYYY-MM
    joined_org_on = me.StringField(default="")  # YYYY-MM-DD: from when dues are owed here
    history = me.EmbeddedDocumentListField(StatusStep)

    meta = {
        "collection": "memberships",
        "indexes": [
            {"fields": ["tenant", "account_id"], "unique": True},
            # SecantusDB plans an index only when it holds every filtered field (otherwise it scans
            # the collection), so each query shape has an index of its own fields.
            ("tenant", "org_id", "id"),
            ("tenant", "org_id", "status", "id"),
            ("tenant", "org_path", "id"),
            ("tenant", "org_path", "status", "id"),
            ("tenant", "org_path", "status", "dues_paid_up_to"),
            ("tenant", "org_path", "dues_paid_up_to"),
            ("tenant", "display_name"),  # the central office's person search (federation.find_people)
        ],
    }


class DuesRecord(TenantDocument):
    membership_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    month = me.StringField(required=True)
    amount_fen = me.IntField(required=True)
    recorded_by = me.StringField(default="")
    recorded_at = me.DateTimeField(required=True)

    meta = {
        "collection": "dues",
        "indexes": [{"fields": ["tenant", "membership_id", "month"], "unique": True}],
    }


class Person(TenantDocument):
    """orgs' mirror of identity's accounts (from identity's events): who may be made a member."""

    account_id = me.StringField(required=True)
    display_name = me.StringField(default="")
    phone_masked = me.StringField(default="")

    meta = {"collection": "people", "indexes": [{"fields": ["tenant", "account_id"], "unique": True}]}


def ensure_indexes() -> None:
    for model in (Org, OrgChange, Membership, DuesRecord, Person):
        model.ensure_indexes()
    # Made here rather than by a mongoengine PointField: SecantusDB reports the existing 2dsphere index
    # with extra options, so a second identical request is refused as a conflict (code 86). Harmless.
    try:
        Org._get_collection().create_index([("location", "2dsphere")], name="location_2dsphere", sparse=True)
    except OperationFailure as err:
        if err.code not in (85, 86):
            raise
