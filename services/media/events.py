"""Events media publishes (exchange `media.events`) and consumes.

Published (`data` below; envelope in kernel/outbox.py), files (uploads.py, processing.py):
- media_uploaded {media_id, org_id, owner_id, kind, content_type, size}   the bytes were verified and the org
                 charged; images, audio and video wait for processing (media's transcoder consumes it)
- media_progress {media_id, owner_id, progress}   0–100, while transcoding (every PROGRESS_STEP or so)
- media_ready    {media_id, org_id, owner_id, kind, renditions, duration_seconds}
- media_failed   {media_id, org_id, owner_id, error}   the bytes were unreadable (truncated, not really media):
                 everything of the item was deleted and the org's quota given back
- media_deleted  {media_id, org_id, owner_id}

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
memberships_imported, transfer_completed (mirror.py: the org paths that scope permissions and quotas).
"""

SOURCE = "media"
MEDIA_UPLOADED = "media_uploaded"
MEDIA_PROGRESS = "media_progress"
MEDIA_READY = "media_ready"
MEDIA_FAILED = "media_failed"
MEDIA_DELETED = "media_deleted"
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

ORGS = "orgs"
ORG_CREATED = "org_created"
ORG_MOVED = "org_moved"
ORG_MERGED = "org_merged"
MEMBERSHIP_ADDED = "membership_added"
MEMBERSHIP_STATUS_CHANGED = "membership_status_changed"
MEMBERSHIPS_IMPORTED = "memberships_imported"
TRANSFER_COMPLETED = "transfer_completed"
