"""Events content publishes (exchange `content.events`) and consumes.

Published (`data` below; envelope in kernel/outbox.py): each area of content documents its own events
here as it is built (microblog, forums, notices, chat, polls, notifications).

Consumed (the copy in mirror.py, for visibility and fan-out):
- identity.account_registered {account_id, display_name}
- orgs.org_created {org_id, name, path}, org_updated {org_id, changes}, org_moved {org_id, old_path,
  new_path}, org_merged {source_id, target_id}, org_dissolved {org_id}
- orgs.membership_added {account_id, org_id, status}, membership_status_changed {account_id, org_id, to},
  memberships_imported {members: [{account_id, org_id, status}]}, transfer_completed {account_id,
  to_org_id, to_region}
- orgs.friendship_formed {requester_id, accepter_id}, friendship_ended {account_id, friend_id}
- orgs.followed / unfollowed {follower_id, target_kind, target_id}

Consumed by search (worker_search.py; the contract of content's own events is in content-brief's list):
- content.post_published, post_edited, post_deleted, post_hidden, thread_created, thread_replied,
  thread_removed, thread_moved, notice_published: the searchable items and who may read them
- orgs.org_created, org_updated, org_merged, org_dissolved: orgs by name; identity.account_registered and
  orgs' membership events: people by name, with their home org
"""

SOURCE = "content"

# content's own events that search consumes (published by the microblog, forums and notices areas)
POST_PUBLISHED = "post_published"
POST_EDITED = "post_edited"
POST_DELETED = "post_deleted"
POST_HIDDEN = "post_hidden"
THREAD_CREATED = "thread_created"
THREAD_REPLIED = "thread_replied"
THREAD_REMOVED = "thread_removed"
THREAD_MOVED = "thread_moved"
NOTICE_PUBLISHED = "notice_published"

IDENTITY = "identity"
ACCOUNT_REGISTERED = "account_registered"

ORGS = "orgs"
ORG_CREATED = "org_created"
ORG_UPDATED = "org_updated"
ORG_MOVED = "org_moved"
ORG_MERGED = "org_merged"
ORG_DISSOLVED = "org_dissolved"
MEMBERSHIP_ADDED = "membership_added"
MEMBERSHIP_STATUS_CHANGED = "membership_status_changed"
MEMBERSHIPS_IMPORTED = "memberships_imported"
TRANSFER_COMPLETED = "transfer_completed"
FRIENDSHIP_FORMED = "friendship_formed"
FRIENDSHIP_ENDED = "friendship_ended"
FOLLOWED = "followed"
UNFOLLOWED = "unfollowed"
