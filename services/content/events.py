"""Events content publishes (exchange `content.events`) and consumes.

Published (`data` below; envelope in kernel/outbox.py): each area of content documents its own events
here as it is built (microblog, forums, notices, chat, polls, notifications). `audience` is the item's
audience_keys (domain/visibility.py); times are ISO 8601 UTC.

Forums (forums.py):
- thread_created {thread_id, board_id, org_id, author_id, title, text, audience}
- thread_replied {thread_id, reply_id, board_id, thread_author_id, author_id, text, mentions, audience}
                 mentions: account ids the reply mentions (each may read the thread)
- thread_removed {thread_id, board_id}
- thread_moved   {thread_id, from_board_id, board_id, audience}   the audience of the new board
Notices (notices.py):
- notice_published {notice_id, org_id, author_id, title, text, audience, recipient_count, target_org_ids,
                   roles, delivered}   a notice to roles has only its author's key as audience: the
                   recipients are the receipts, not an org subtree. delivered: the worker's batches
                   already put it in each recipient's notification inbox (a notice to many)
- notice_publishing {notice_id, round}   internal (content's worker consumes it): deliver a notice to more
                   than INLINE_MAX people, batch by batch; each round's last batch emits the next round
- notice_reminder  {notice_id, org_id, title, account_ids}   the recipients who had not read it, up to
                   1,000 a message (a reminder to more is several messages); the sms service delivers them
Polls (polls.py):
- poll_published {poll_id, org_id, author_id, title, deadline, audience}
Education (courses.py, exams.py):
- course_published {course_id, org_id, author_id, title, summary, lesson_titles, scope, audience}
- course_edited {course_id, org_id, author_id, title, summary, lesson_titles, scope, audience}   a published
                course changed (search keeps it current); drafts announce nothing
- course_assigned {assignment_id, course_id, org_id, title, deadline}   the org's whole subtree is to finish
                  the course by the deadline
- course_finished {course_id, account_id, org_id}   every lesson done and the exam (if any) passed
- exam_submitted {exam_id, attempt_id, account_id, org_id, course_id, score, passed}
Micro-websites (sites.py):
- site_published {org_id, slug, version}   the draft became what readers see at /{region}/{slug}
Custom apps (apps.py):
- app_installed {org_id, app_id, subtree, name}   subtree: pushed to every org below
Service requests (service_requests.py); never a request's subject or text (they are private to its readers):
- service_request_opened {request_id, category, org_id}   org_id: the org whose counsellors of the category
                         answer it (their queue)
- service_request_answered {request_id, account_id}   a counsellor replied; account_id: the member, to tell
Knowledge base (knowledge.py, questions.py); `audience` as above, `scope` org or public:
- knowledge_article_published {article_id, org_id, author_id, title, body, tags, category_id, scope, audience,
  version, sources, contributors}   sources: [{kind: thread|question, id}] of an article made from a
  discussion ([] otherwise); contributors: [{account_id, contributions}] (thread, reply, question, answer,
  accepted_answer), the discussion's people in the order the article credits them; author_id is who wrote it
  (for a converted article, who converted it)
- knowledge_article_edited {article_id, org_id, author_id, editor_id, version, title, body, tags, category_id,
  audience, note}   the new version's content (the scope, hence the audience, does not change)
- knowledge_article_removed {article_id, org_id, by}
- knowledge_question_asked {question_id, org_id, author_id, title, text, tags, scope, audience}
- knowledge_question_removed {question_id, org_id}
- knowledge_answer_added {question_id, answer_id, org_id, question_author_id, author_id, text, audience}
  audience: the question's
- knowledge_answer_accepted {question_id, answer_id, org_id, question_author_id, answer_author_id, by}
  an answer became the accepted one (replacing any other)
- knowledge_answer_removed {question_id, answer_id, org_id}

Microblog (posts.py, moderation.py); `audience` is audience_keys() of the post; `mentions` holds only
the mentioned people who may read the post (the others are not told); times are ISO 8601 UTC:
- post_published {post_id, author_id, as_org_id ("" unless posted as the org's official account),
  visibility, audience_org_id, audience, text, hashtags, mentions, media_ids, repost_of (the original's
  id, or ""), created_at}
- post_edited {post_id, author_id, text, hashtags, mentions, audience}
- post_deleted {post_id, author_id}
- post_hidden {post_id, hidden, by}: hidden false = restored (a moderator's decision)
- comment_added {comment_id, post_id, post_author_id, author_id, reply_to_author_id ("" for a
  top-level comment), text, mentions}
- post_liked {post_id, post_author_id, liker_id}: once per person and post (a like repeated is no event)

The microblog also consumes its own post_published (fan-out to followers' home timelines), post_deleted
(the post leaves them) and orgs' unfollowed (the unfollowed one's entries leave the follower's).

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
chat_message_sent, chat_read (data as in the brief's contract); service_request_opened (the queue's
counsellors) and service_request_answered (the member), naming nothing of the request; knowledge_answer_added
(the asker) and knowledge_answer_accepted (the answer's author).

Consumed (the copy in mirror.py, for visibility and fan-out):
- identity.account_registered {account_id, display_name}
- orgs.org_created {org_id, name, path}, org_updated {org_id, changes}, org_moved {org_id, old_path,
  new_path}, org_merged {source_id, target_id}, org_dissolved {org_id}
- orgs.membership_added {account_id, org_id, status}, membership_status_changed {account_id, org_id, to},
  memberships_imported {members: [{account_id, org_id, status}]}, transfer_completed {account_id,
  to_org_id, to_region}
- orgs.friendship_formed {requester_id, accepter_id}, friendship_ended {account_id, friend_id}
- orgs.followed / unfollowed {follower_id, target_kind, target_id}
- orgs.role_assigned / role_removed {account_id, org_id, role}, memberships_imported (members' roles),
  org_moved: notices' copy of who holds which role where (notices.RoleHolder), for notices to roles

Consumed by search (worker_search.py; the contract of content's own events is in content-brief's list):
- content.post_published, post_edited, post_deleted, post_hidden, thread_created, thread_replied,
  thread_removed, thread_moved, notice_published, knowledge_article_published, knowledge_article_edited,
  knowledge_article_removed, knowledge_question_asked, knowledge_question_removed, knowledge_answer_added,
  knowledge_answer_removed: the searchable items and who may read them
- orgs.org_created, org_updated, org_merged, org_dissolved: orgs by name; identity.account_registered and
  orgs' membership events: people by name, with their home org
"""

SOURCE = "content"

POST_PUBLISHED = "post_published"
POST_EDITED = "post_edited"
POST_DELETED = "post_deleted"
POST_HIDDEN = "post_hidden"
COMMENT_ADDED = "comment_added"
POST_LIKED = "post_liked"
CHAT_MESSAGE_SENT = "chat_message_sent"
CHAT_READ = "chat_read"
INBOX_UPDATED = "inbox_updated"
NOTIFICATION_CREATED = "notification_created"
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
ROLE_ASSIGNED = "role_assigned"
ROLE_REMOVED = "role_removed"

NOTICE_PUBLISHING = "notice_publishing"
NOTICE_REMINDER = "notice_reminder"
POLL_PUBLISHED = "poll_published"
COURSE_PUBLISHED = "course_published"
COURSE_EDITED = "course_edited"
COURSE_ASSIGNED = "course_assigned"
COURSE_FINISHED = "course_finished"
EXAM_SUBMITTED = "exam_submitted"
SITE_PUBLISHED = "site_published"
APP_INSTALLED = "app_installed"
SERVICE_REQUEST_OPENED = "service_request_opened"
SERVICE_REQUEST_ANSWERED = "service_request_answered"
KNOWLEDGE_ARTICLE_PUBLISHED = "knowledge_article_published"
KNOWLEDGE_ARTICLE_EDITED = "knowledge_article_edited"
KNOWLEDGE_ARTICLE_REMOVED = "knowledge_article_removed"
KNOWLEDGE_QUESTION_ASKED = "knowledge_question_asked"
KNOWLEDGE_QUESTION_REMOVED = "knowledge_question_removed"
KNOWLEDGE_ANSWER_ADDED = "knowledge_answer_added"
KNOWLEDGE_ANSWER_ACCEPTED = "knowledge_answer_accepted"
KNOWLEDGE_ANSWER_REMOVED = "knowledge_answer_removed"
