"""Events media publishes (exchange `media.events`) and consumes.

Published (`data` below; envelope in kernel/outbox.py), files (files.py, processing.py):
- media_uploaded {media_id, org_id, owner_id, kind, content_type, size}   the bytes were verified and the org
                 charged; images, audio and video wait for processing (media's transcoder consumes it)
- media_progress {media_id, owner_id, progress}   0–100, while transcoding (every PROGRESS_STEP or so)
- media_ready    {media_id, org_id, owner_id, kind, renditions, duration_seconds}
- media_failed   {media_id, org_id, owner_id, error}   the bytes were unreadable (truncated, not really media):
                 everything of the item was deleted and the org's quota given back
- media_deleted  {media_id, org_id, owner_id}

calls (calls.py), through the outbox:
- meeting_room_joined {meeting_id, account_id, joined_at}   an invitee entered the meeting's room (joined_at
                 ISO 8601 UTC); orgs' worker records them present, method online, if joined_at is inside the
                 meeting's check-in window (idempotent: present once)

calls, transient (signals.py: straight to the broker, not persistent, no outbox; for the gateways' sockets):
- call_invited   {room_id, from_account_id, account_ids, media}   an ad hoc room was created for them
- call_participant_joined {room_id, account_id, participant_ids}  participant_ids: everyone in now
- call_participant_left   {room_id, account_id, participant_ids}  participant_ids: everyone still in
- call_signal    {room_id, from_account_id, to_account_id, kind, payload}   kind: offer, answer, candidate, bye

Published, channels (channels.py, broadcasts.py):
- channel_created / channel_deleted {channel_id, org_id, kind, name}
- channel_scheduled {channel_id, slot_id, kind, starts_at, ends_at}   (ISO 8601, UTC)
- channel_unscheduled {channel_id, slot_id}
- broadcast_created / broadcast_revoked {broadcast_id, channel_id, org_id, title}
- broadcast_started {broadcast_id, channel_id, org_id, title, live_url}   a publisher with its key is on air
- broadcast_ended {broadcast_id, channel_id, org_id, title}   the publisher left (or was dropped: key revoked)
- broadcast_recorded {broadcast_id, channel_id, org_id, title, media_id}   a recording became a media item
                 (with its media_uploaded: the transcoder makes its HLS)
- broadcast_recording_failed {broadcast_id, channel_id, org_id, title, error}   not kept (the org's quota)

Consumed: orgs' org_created, org_moved, org_merged, membership_added, membership_status_changed,
memberships_imported, transfer_completed (mirror.py, through kernel/mirroring.py: the org paths that scope
permissions and quotas).
"""

SOURCE = "media"
MEDIA_UPLOADED = "media_uploaded"
MEDIA_PROGRESS = "media_progress"
MEDIA_READY = "media_ready"
MEDIA_FAILED = "media_failed"
MEDIA_DELETED = "media_deleted"
MEETING_ROOM_JOINED = "meeting_room_joined"
CALL_INVITED = "call_invited"
CALL_PARTICIPANT_JOINED = "call_participant_joined"
CALL_PARTICIPANT_LEFT = "call_participant_left"
CALL_SIGNAL = "call_signal"
CHANNEL_CREATED = "channel_created"
CHANNEL_DELETED = "channel_deleted"
CHANNEL_SCHEDULED = "channel_scheduled"
CHANNEL_UNSCHEDULED = "channel_unscheduled"
BROADCAST_CREATED = "broadcast_created"
BROADCAST_REVOKED = "broadcast_revoked"
BROADCAST_STARTED = "broadcast_started"
BROADCAST_ENDED = "broadcast_ended"
BROADCAST_RECORDED = "broadcast_recorded"
BROADCAST_RECORDING_FAILED = "broadcast_recording_failed"
