"""Events sms publishes (exchange `sms.events`) and consumes.

Published (envelope: kernel/outbox.py; `data` below):
- send_accepted   {send_id}   internal: sms's worker resolves the send's recipients and queues its messages
- reply_received  {reply_id, feature, ref, account_id, org_id, text, choice}   a handset answered a message
                  that asked for a reply (feature "meeting": ref is the meeting id, choice "1" attend, "2" ask
                  for leave with the rest of the text as the reason); account_id "" for a phone of no account

Consumed:
- identity.phone_registered {account_id, phone}: sms's copy of who has which phone
- identity.otp_requested {phone, purpose, code, expires_in}: the code, first in the queue, never refused for
  quota (logging in must work; identity limits how often codes are asked for)
- content.notice_reminder {notice_id, org_id, title, account_ids}: the unread, paid by the notice's org
- content.notification_created {notification_id, account_id, kind, title, body, ref, channels}: when channels
  has sms (the person forwards the kind), the title to their phone, paid by their home org, at most
  NOTIFICATIONS_PER_DAY (domain/rules.py) a day
- orgs.meeting_scheduled {meeting_id, org_id, title, place, online, starts_at, invitee_account_ids,
  sms_invite, …}: when sms_invite, an invitation now (replies 1/2 go back to orgs) and a reminder the day
  before; orgs.meeting_cancelled {meeting_id}: those not yet sent are cancelled
- orgs' tree and membership events (kernel/mirroring.py): who belongs to which subtree
"""

SOURCE = "sms"

SEND_ACCEPTED = "send_accepted"
REPLY_RECEIVED = "reply_received"

IDENTITY = "identity"
PHONE_REGISTERED = "phone_registered"
OTP_REQUESTED = "otp_requested"

CONTENT = "content"
NOTICE_REMINDER = "notice_reminder"
NOTIFICATION_CREATED = "notification_created"

ORGS = "orgs"
MEETING_SCHEDULED = "meeting_scheduled"
MEETING_CANCELLED = "meeting_cancelled"

FEATURE_MEETING = "meeting"
