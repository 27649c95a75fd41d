"""Events orgs publishes (exchange `orgs.events`) and consumes.

Published (`data` below; envelope in kernel/outbox.py):
- org_created    {org_id, parent_id, name, type, category, path, location, address}
                 location: [lng, lat] WGS-84 or null; address: "" when none (geo keeps org places from them)
- org_updated    {org_id, changes: {field: new value}}
- org_moved      {org_id, old_path, new_path}          the whole subtree moved with it
- org_merged     {source_id, target_id}
- org_dissolved  {org_id}
- membership_added    {membership_id, account_id, org_id, status}
- membership_status_changed {membership_id, account_id, org_id, from, to, effective_on}
- role_assigned  {account_id, org_id, role}            identity grants the scoped role
- role_removed   {account_id, org_id, role}            identity revokes it
- dues_recorded  {membership_id, account_id, org_id, month, amount_fen}
- meeting_scheduled   {meeting_id, org_id, type, series_id, title, place, online, sms_invite, starts_at, ends_at,
                       invitee_count, invitee_account_ids}
                      one per meeting (a series announces each of its meetings); times ISO 8601 UTC;
                      starts_at may be past (a meeting entered afterwards): reminders skip those;
                      online: it has an online room (online_url set; the link itself is not announced);
                      sms_invite: the organizer asked for invitations by text message (the sms service)
- meeting_cancelled   {meeting_id, org_id, type, starts_at, reason}
- attendance_recorded {meeting_id, account_id, method}  method: code, online, geo
- invitations_changed {account_id, added: [meeting_id], removed: [meeting_id]}   orgs' worker changed the
                      person's invitations to meetings not yet started (they joined or left an org, were
                      hosted as a mobile member or no longer, took or left a committee role)
- transfer_requested   {transfer_id, membership_id, account_id, from_org_id, to_org_id, to_region, letter_no}
- transfer_approved_out  the same + {step, state, reason}; letter_no is issued here
- transfer_rejected      the same (state rejected_out or rejected_in; reason given)
- transfer_cancelled     the same
- transfer_completed     the same: the membership now belongs to to_org_id (role_removed for each role held
                         in the old org and role_assigned "member" in the new one are emitted with it)
- mobile_outflow_registered {registration_id, membership_id, account_id, home_org_id, host_org_id,
                             destination, left_on, expected_return_on}
- mobile_inflow_accepted    {registration_id, membership_id, account_id, home_org_id, host_org_id}
- mobile_period_ended       the same + {returned_on}
- mobile_report_submitted   the same + {report_id}
- memberships_imported {org_id, members: [{membership_id, account_id, org_id, status, roles}]}
                 an import's new memberships, up to IMPORT_CHUNK a message, in place of a membership_added
                 and role_assigned per row: identity grants every listed role in one bulk write
                 (org_id: the org the roster was imported into; each member's own org_id is their home)
- federation.<peer> {message_id, kind, body}   a message to a peer region (federation.py: kinds transfer,
                 transfer_step, mobile, mobile_step), delivered by the federation relay, not by a worker
- roster_imported {org_id, orgs_created, members_added, accounts_created}   after the org_created and
                 memberships_imported events of the same import (imports.py)

Consumed:
- identity.account_registered {account_id, phone_masked, display_name}: the people mirror
- orgs.org_moved, orgs.org_merged (its own): meetings and their rosters take the new org paths
- orgs.membership_added, membership_status_changed, role_assigned, role_removed, transfer_completed,
  mobile_inflow_accepted, mobile_period_ended, memberships_imported (its own): the rosters of meetings not
  yet started follow the person (services/orgs/life.py follow_members)
- memberships_imported {org_id, members: [{membership_id, account_id, org_id, status, roles}]}: the
  roster import's memberships in one event (instead of one membership_added per row)
- media.meeting_room_joined {meeting_id, account_id, joined_at}: an invitee entered the meeting's online room
  (media's calls); recorded present, method online, at joined_at if inside the check-in window
  (life.record_room_joined; attendance_recorded follows as for any check-in)
- sms.reply_received {reply_id, feature, ref, account_id, org_id, text, choice}: a handset answered a text
  message; for feature "meeting" (ref: the meeting id) choice "1" is the invitee's RSVP yes and "2" a leave
  request, the reason being the text after the "2" (life.answer_by_reply; anything that cannot count, an
  account_id "" included, is logged and dropped; each reply_id counts once)
- geo.check_in_accepted {check_in_id, meeting_id, account_id, at}: geo accepted an invitee's check-in inside
  the meeting's geofence (or an organizer accepted a flagged one); at: ISO 8601 UTC, when the device took the
  fix. Recorded present, method geo, at `at`, if the account is on the roster, the meeting not cancelled and
  `at` inside the check-in window (life.record_geo_check_in; anything else is logged and dropped)
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
MEETING_SCHEDULED = "meeting_scheduled"
MEETING_CANCELLED = "meeting_cancelled"
ATTENDANCE_RECORDED = "attendance_recorded"
INVITATIONS_CHANGED = "invitations_changed"
MEMBERSHIPS_IMPORTED = "memberships_imported"
IMPORT_CHUNK = 500  # members a memberships_imported message carries (~80 KB)
ROSTER_IMPORTED = "roster_imported"

IDENTITY = "identity"
ACCOUNT_REGISTERED = "account_registered"

MEDIA = "media"
MEETING_ROOM_JOINED = "meeting_room_joined"

GEO = "geo"
CHECK_IN_ACCEPTED = "check_in_accepted"

SMS = "sms"
REPLY_RECEIVED = "reply_received"
MEETING_FEATURE = "meeting"  # reply_received's feature for an answer to a meeting's invitation

TRANSFER_REQUESTED = "transfer_requested"
TRANSFER_APPROVED_OUT = "transfer_approved_out"
TRANSFER_REJECTED = "transfer_rejected"
TRANSFER_CANCELLED = "transfer_cancelled"
TRANSFER_COMPLETED = "transfer_completed"
# A message to a peer region (services/orgs/federation.py): "federation.<peer>", {message_id, kind, body};
# the federation relay delivers it to the peer's gateway.
FEDERATION_PREFIX = "federation."
MOBILE_OUTFLOW_REGISTERED = "mobile_outflow_registered"
MOBILE_INFLOW_ACCEPTED = "mobile_inflow_accepted"
MOBILE_PERIOD_ENDED = "mobile_period_ended"
MOBILE_REPORT_SUBMITTED = "mobile_report_submitted"
# Relationship network (services/orgs/network.py), published:
# - friendship_formed {requester_id, accepter_id}
# - friendship_ended  {account_id, friend_id}             account_id removed friend_id
# - followed          {follower_id, target_kind, target_id}  target_kind: person or org
# - unfollowed        {follower_id, target_kind, target_id}
FRIENDSHIP_FORMED = "friendship_formed"
FRIENDSHIP_ENDED = "friendship_ended"
FOLLOWED = "followed"
UNFOLLOWED = "unfollowed"
