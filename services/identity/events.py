"""Events identity publishes (exchange `identity.events`) and consumes.

Published (envelope: kernel/outbox.py; `data` below):
- account_registered  {account_id, phone_masked, display_name}   also for accounts made for a roster
- phone_registered    {account_id, phone}   with every account_registered, in its transaction, and again by
                      `manage announce`; the full number, for the sms service's copy of who has which phone
                      (only sms consumes it: everyone else, senders included, sees masked numbers)
- otp_requested       {phone, purpose, code, expires_in}  — the sms service delivers the code
- role_granted        {grant_id, account_id, role, org_id}
- role_revoked        {grant_id, account_id, role, org_id}
- password_changed    {account_id}
- sessions_revoked    {account_id, families}
- account_deleted     {account_id}   the person deleted their account: every service erases or anonymizes what
                      it holds about them (kernel/erasure.py, docs/privacy.md); the id is a pseudonym from now on

Consumed (from `orgs.events`, the org tree's changes, mirrored for permission decisions):
- org_created    {org_id, parent_id, name, path}   path: root … org
- org_moved      {org_id, old_path, new_path}
- org_dissolved  {org_id}
- role_assigned  {account_id, org_id, role}        a role held in an org: granted here, scoped to it
- role_removed   {account_id, org_id, role}
- memberships_imported {org_id, members: [{account_id, org_id, roles, …}]}   a roster import's roles, in bulk
"""

from services.identity.domain import phone as phones

SOURCE = "identity"

ACCOUNT_REGISTERED = "account_registered"
PHONE_REGISTERED = "phone_registered"
OTP_REQUESTED = "otp_requested"
ROLE_GRANTED = "role_granted"
ROLE_REVOKED = "role_revoked"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name
SESSIONS_REVOKED = "sessions_revoked"
ACCOUNT_DELETED = "account_deleted"

ORGS = "orgs"
ORG_CREATED = "org_created"
ORG_MOVED = "org_moved"
ORG_DISSOLVED = "org_dissolved"
ROLE_ASSIGNED = "role_assigned"
ROLE_REMOVED = "role_removed"
MEMBERSHIPS_IMPORTED = "memberships_imported"


def registered(account_id: str, phone: str, display_name: str) -> list[tuple[str, dict]]:
    """The events announcing an account (for UnitOfWork.emit_many): account_registered and phone_registered,
    always together, so no place that makes or re-announces an account forgets the sms service's copy."""
    return [
        (
            ACCOUNT_REGISTERED,
            {"account_id": account_id, "phone_masked": phones.mask(phone), "display_name": display_name},
        ),
        (PHONE_REGISTERED, {"account_id": account_id, "phone": phone}),
    ]
