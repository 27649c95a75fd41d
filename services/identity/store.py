"""identity's documents (its own database) and the queries on them; every query names its tenant."""

from __future__ import annotations

import mongoengine as me

from kernel.store import TenantDocument


class Account(TenantDocument):
    phone = me.StringField(required=True)  # 11-digit national form
    display_name = me.StringField(default="")
    password_hash = me.StringField()
    created_at = me.DateTimeField(required=True)
    # lockout state (services/identity/domain/lockout.py)
    failed_logins = me.IntField(default=0)
    failure_window_started = me.DateTimeField()
    locked_until = me.DateTimeField()
    # personal data: the ID-card number only sealed (pii.py), plus its masked form for cheap reads
    real_name = me.StringField()
    id_card_sealed = me.BinaryField()
    id_card_key_id = me.StringField()
    id_card_masked = me.StringField()
    # set when the account was deleted: the row stays as a tombstone, its phone freed (services/identity/deletion.py)
    deleted_at = me.DateTimeField()

    meta = {
        "collection": "accounts",
        "indexes": [{"fields": ["tenant", "phone"], "unique": True}],
    }


class RefreshToken(TenantDocument):
    """A refresh token; tokens of one login form a family, rotated on each use."""

    id = me.StringField(primary_key=True)
    secret_hash = me.StringField(required=True)
    account_id = me.StringField(required=True)
    family_id = me.StringField(required=True)
    status = me.StringField(required=True, choices=("active", "rotated", "revoked"))
    issued_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)

    meta = {
        "collection": "refresh_tokens",
        "indexes": [
            ("tenant", "family_id"),
            ("tenant", "account_id", "status"),
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
        ],
    }


class OneTimeCode(TenantDocument):
    """The live code of one (phone, purpose), and when codes were sent (for the send rate limit)."""

    id = me.StringField(primary_key=True)  # "<tenant>:<phone>:<purpose>"
    phone = me.StringField(required=True)
    purpose = me.StringField(required=True)
    digest = me.StringField()
    expires_at = me.DateTimeField()
    attempts = me.IntField(default=0)
    sent_at = me.ListField(me.DateTimeField())

    meta = {"collection": "one_time_codes"}


class RoleGrant(TenantDocument):
    """Role on an org subtree (org_id set) or platform role (org_id empty)."""

    account_id = me.StringField(required=True)
    role = me.StringField(required=True)
    org_id = me.StringField(default="")
    granted_by = me.StringField(default="")
    granted_at = me.DateTimeField(required=True)

    meta = {
        "collection": "role_grants",
        "indexes": [
            {"fields": ["tenant", "account_id", "role", "org_id"], "unique": True},
            ("tenant", "org_id"),
        ],
    }


class OrgNode(TenantDocument):
    """identity's mirror of the org tree (from orgs' events): each org's ancestor path, for decisions."""

    org_id = me.StringField(required=True)
    name = me.StringField(default="")
    path = me.ListField(me.StringField())  # root … this org
    dissolved = me.BooleanField(default=False)

    meta = {
        "collection": "org_nodes",
        "indexes": [{"fields": ["tenant", "org_id"], "unique": True}, ("tenant", "path")],
    }


class AuditEntry(TenantDocument):
    at = me.DateTimeField(required=True)
    action = me.StringField(required=True)
    actor_id = me.StringField(default="")
    target_id = me.StringField(default="")
    request_id = me.StringField(default="")
    outcome = me.StringField(default="ok")
    details = me.DictField()

    meta = {
        "collection": "audit_log",
        "indexes": [
            ("tenant", "-id"),
            ("tenant", "action", "-id"),
            ("tenant", "actor_id", "-id"),
            ("tenant", "target_id", "-id"),
        ],
    }


class AppToken(TenantDocument):
    """A webhook app's callback credential (services/identity/app_tokens.py): its secret's hash, the org and
    the actions it is scoped to."""

    id = me.StringField(primary_key=True)
    secret_hash = me.StringField(required=True)
    org_id = me.StringField(required=True)
    app_id = me.StringField(default="")  # the installed app it is for (content's), for the managers' list
    label = me.StringField(default="")
    scopes = me.ListField(me.StringField())
    created_by = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    revoked_at = me.DateTimeField()
    last_used_at = me.DateTimeField()

    meta = {"collection": "app_tokens", "indexes": [("tenant", "org_id", "revoked_at")]}


def ensure_indexes() -> None:
    for model in (Account, RefreshToken, OneTimeCode, RoleGrant, OrgNode, AuditEntry, AppToken):
        model.ensure_indexes()
