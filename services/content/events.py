"""Events content publishes (exchange `content.events`) and consumes.

Published (`data` below; envelope in kernel/outbox.py): each area of content documents its own events
here as it is built (microblog, forums, notices, chat, polls, notifications).

Chat (chat.py):
- chat_message_sent {conversation_id, message_id, seq, sender_id, recipient_ids, preview, kind, title,
  client_message_id, text, media_ids, sent_at}: committed with the message. recipient_ids are the other
  members at that moment; the gateway delivers it live to their sockets and the sender's other ones.
- chat_read {conversation_id, account_id, seq}: a read marker moved forward to seq.

Notifications (notifications.py):
- inbox_updated {account_id, notification_id, kind, ref_kind, ref_id, actor_name, count, subject, body}:
  an entry of the person's inbox became unread (new, or counted again after being read); the gateway
  pushes it to their sockets.
- notification_created {notification_id, account_id, kind, title, body, ref, channels}: the same, only
  when the person's preferences forward the kind; channels ⊆ [sms, push]; title rendered in zh-CN; ref is
  "<ref_kind>:<ref_id>". With in-app off and forwarding on, notification_id names no stored entry.

Consumed by the inbox (worker.py, class Inbox), from content itself: post_published, post_edited,
post_deleted, comment_added, post_liked, thread_replied, thread_removed, notice_published,
chat_message_sent, chat_read (data as in the brief's contract).

Consumed (the copy in mirror.py, for visibility and fan-out):
- identity.account_registered {account_id, display_name}
- orgs.org_created {org_id, name, path}, org_updated {org_id, changes}, org_moved {org_id, old_path,
  new_path}, org_merged {source_id, target_id}, org_dissolved {org_id}
- orgs.membership_added {account_id, org_id, status}, membership_status_changed {account_id, org_id, to},
  memberships_imported {members: [{account_id, org_id, status}]}, transfer_completed {account_id,
  to_org_id, to_region}
- orgs.friendship_formed {requester_id, accepter_id}, friendship_ended {account_id, friend_id}
- orgs.followed / unfollowed {follower_id, target_kind, target_id}
"""

SOURCE = "content"

CHAT_MESSAGE_SENT = "chat_message_sent"
CHAT_READ = "chat_read"
INBOX_UPDATED = "inbox_updated"
NOTIFICATION_CREATED = "notification_created"
POST_PUBLISHED = "post_published"
POST_EDITED = "post_edited"
POST_DELETED = "post_deleted"
COMMENT_ADDED = "comment_added"
POST_LIKED = "post_liked"
THREAD_REPLIED = "thread_replied"
THREAD_REMOVED = "thread_removed"
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
