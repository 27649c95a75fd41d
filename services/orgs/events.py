"""Events orgs publishes (exchange `orgs.events`) and consumes.

Published (`data` below; envelope in kernel/outbox.py):
- org_created    {org_id, parent_id, name, type, category, path}
- org_updated    {org_id, changes: {field: new value}}
- org_moved      {org_id, old_path, new_path}          the whole subtree moved with it
- org_merged     {source_id, target_id}
- org_dissolved  {org_id}
- membership_added    {membership_id, account_id, org_id, status}
- membership_status_changed {membership_id, account_id, org_id, from, to, effective_on}
- role_assigned  {account_id, org_id, role}            identity grants the scoped role
- role_removed   {account_id, org_id, role}            identity revokes it
- dues_recorded  {membership_id, account_id, org_id, month, amount_fen}
- roster_imported {org_id, orgs_created, members_added, accounts_created}   after the org_created,
                 membership_added and role_assigned events of the same import (imports.py)

Consumed:
- identity.account_registered {account_id, phone_masked, display_name}: the people mirror
"""

SOURCE = "orgs"

ORG_CREATED = "org_created"
ORG_UPDATED = "org_updated"
ORG_MOVED = "org_moved"
ORG_MERGED = "org_merged"
ORG_DISSOLVED = "org_dissolved"
MEMBERSHIP_ADDED = "membership_added"
MEMBERSHIP_STATUS_CHANGED = "membership_status_changed"
ROLE_ASSIGNED = "role_assigned"
ROLE_REMOVED = "role_removed"
DUES_RECORDED = "dues_recorded"
ROSTER_IMPORTED = "roster_imported"

IDENTITY = "identity"
ACCOUNT_REGISTERED = "account_registered"
