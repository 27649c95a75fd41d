"""Who may call what, for every operation of the gateway's own OpenAPI document (a new endpoint fails
`test_every_operation_is_in_the_matrix` until it is put in one of the tables below).

The corner (tests/security/world.py): V is the victim's branch (secV secretary, depV deputy secretary, comV
committee member, vic the victim, m2 a plain member), U an unrelated branch (secU its secretary, out a
member); admin is the region admin, auditor the central auditor; anon sends no token, foreign a token signed
by another region's key, forged a token of another region signed with this region's key. Every path
parameter is a real id of V's things. A deputy may do what the secretary may, but grant roles and read
personal data (kernel/authz.py); the secretary's own chat and call are not the deputy's.

READS and WRITES name, for each operation, the roles among PROBED it lets through (anything but 401/403/404);
every other role must be refused with a JSON error, and nothing of the victim may appear in what an outsider
is told. No reply may be a 5xx.
"""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.security import probes
from tests.security.surface import DENIED, Surface, describe, fill, json_error, leaks
from tests.security.world import World, build

pytestmark = pytest.mark.security

PROBED = ("out", "secU", "auditor", "m2", "vic", "comV", "depV", "secV", "admin")
OUTSIDERS = ("out", "secU")  # members of the region with no tie to V: never see a thing of the victim's
# What the central auditor reads of a member's by design: the audit log, the roles of an account, and the
# content of service requests (not psychological ones; every read audited: services/content/domain/service_requests.py)
AUDITOR_READS = {
    "GET /api/v1/audit",
    "GET /api/v1/accounts/{account_id}/roles",
    "GET /api/v1/service-requests/{request_id}",
    "GET /api/v1/service-requests/{request_id}/reads",
}
# A member's own export holds their own audit entries: an outsider who tried to read the victim's data finds
# that attempt there, naming the id they sent themselves.
OWN_RECORD = {"GET /api/v1/me/export"}
# Operations destroying or ending the victim's things are probed only with these roles (all refused but the
# self-service ones): an allowed role would dissolve the corner under the rest of the matrix.
DESTRUCTIVE_PROBED = ("out", "secU", "auditor", "m2")
# Ids the corner does not create (a transfer, a mobile registration, an assignment, a live broadcast, a
# schedule slot, a geo check-in): probed with a well-formed id of nothing, which must be a 404, never a 5xx.
NO_REAL_ID = {"transfer_id", "registration_id", "assignment_id", "broadcast_id", "slot_id", "check_in_id"}
# Ids that name no one's private thing: an org or person one follows (unfollowing undoes the caller's own follow).
NOT_OWNED = {"target_id"}

# Served without a bearer token: sign-in, public media and channels, micro-sites, the federation's signed
# inbound calls, health and keys. test_public_operations_show_nothing_private probes the ones taking ids.
PUBLIC = {
    "POST /api/v1/auth/codes",
    "POST /api/v1/auth/register",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/login/code",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/password/reset",
    "GET /api/v1/ws",
    "GET /api/v1/public/media/{media_id}",
    "GET /api/v1/public/media/{media_id}/hls/{name}",
    "GET /media/{media_id}",
    "GET /api/v1/public/channels/{channel_id}",
    "GET /api/v1/public/channels/{channel_id}/guide",
    "GET /api/v1/public/channels/{channel_id}/now",
    "POST /federation/v1/messages",
    "GET /federation/v1/orgs/{org_id}",
    "GET /federation/v1/stats",
    "POST /federation/v1/people/search",
    "GET /healthz",
    "GET /readyz",
    "GET /.well-known/jwks.json",
    "GET /{region}/{slug}",
    "GET /{region}/{slug}/{section}",
    "GET /{region}/{slug}/albums/{album_id}",
}

READS = {
    "GET /api/v1/me": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/me/export": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/accounts/{account_id}/personal-data": "vic secV admin",
    "GET /api/v1/accounts/{account_id}/roles": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/authz/check": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/audit": "auditor admin",
    "GET /api/v1/orgs/{org_id}": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/children": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/ancestors": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/subtree": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/stats": "auditor comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/history": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/members": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/arrears": "comV depV secV admin",
    "GET /api/v1/memberships/{membership_id}": "vic comV depV secV admin",
    "GET /api/v1/memberships/{membership_id}/dues": "vic comV depV secV admin",
    "GET /api/v1/accounts/{account_id}/dossier": "vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/meetings": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/meeting-compliance": "auditor comV depV secV admin",
    "GET /api/v1/meetings/mine": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/meetings/{meeting_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/meetings/{meeting_id}/roster": "comV depV secV admin",
    "GET /api/v1/meetings/{meeting_id}/check-in-code": "depV secV admin",
    "GET /api/v1/transfers": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/transfers/{transfer_id}": "",
    "GET /api/v1/orgs/{org_id}/transfers": "comV depV secV admin",
    "GET /api/v1/mobile-registrations": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/mobile-registrations/{registration_id}": "",
    "GET /api/v1/mobile-registrations/{registration_id}/reports": "",
    "GET /api/v1/orgs/{org_id}/mobile-members": "comV depV secV admin",
    "GET /api/v1/network/settings": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/accounts/{account_id}/network/{relation}": "vic",
    "GET /api/v1/accounts/{account_id}/network-counts": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/network-counts": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/followers": "depV secV admin",
    "GET /api/v1/network/friend-requests": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/accounts/{account_id}/contacts": "vic secV admin",
    "GET /api/v1/network/people-you-may-know": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/network/path": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/reach": "auditor comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/export": "depV secV admin",
    "GET /api/v1/orgs/{org_id}/boards": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/forum/boards": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/boards/{board_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/boards/{board_id}/moderators": "m2 vic comV depV secV admin",
    "GET /api/v1/boards/{board_id}/threads": "m2 vic comV depV secV admin",
    "GET /api/v1/forum/threads": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/threads/{thread_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/threads/{thread_id}/replies": "m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/notices": "comV depV secV admin",
    "GET /api/v1/notices": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/notices/{notice_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/notices/{notice_id}/receipts": "comV depV secV admin",
    "GET /api/v1/notices/{notice_id}/readers": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/polls": "m2 vic comV depV secV admin",
    "GET /api/v1/polls": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/polls/{poll_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/polls/{poll_id}/results": "comV depV secV admin",
    "GET /api/v1/polls/{poll_id}/ballots": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/courses": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/courses": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/courses/{course_id}": "comV depV secV admin",
    "GET /api/v1/education/assignments": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/education/assignments/{assignment_id}/report": "",
    "GET /api/v1/education/assignments/{assignment_id}/unfinished": "",
    "GET /api/v1/question-banks/{bank_id}/questions": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/exams": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/exams/{exam_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/exams/{exam_id}/results": "comV depV secV admin",
    "GET /api/v1/study-points": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/study-points/history": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/leaderboard": "m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/site": "comV depV secV admin",
    "GET /api/v1/apps": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/apps": "depV secV admin",
    "GET /api/v1/apps/{app_id}": "m2 vic comV depV secV admin",  # installed in V: its members see the form
    "GET /api/v1/orgs/{org_id}/installed-apps/{app_id}/deliveries": "depV secV admin",
    "GET /api/v1/orgs/{org_id}/menu": "m2 vic comV depV secV admin",
    "GET /api/v1/menu": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/apps/{app_id}/submissions": "depV secV admin",
    "GET /api/v1/apps/{app_id}/submissions/mine": "m2 vic comV depV secV admin",
    "GET /api/v1/apps/{app_id}/submissions/export": "depV secV admin",
    "GET /api/v1/orgs/{org_id}/app-tokens": "depV secV admin",
    "GET /api/v1/orgs/{org_id}/counsellors": "m2 vic comV depV secV admin",
    "GET /api/v1/service-requests": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/service-requests/assigned": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/service-requests/queue": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/service-requests/{request_id}": "auditor vic comV",
    "GET /api/v1/service-requests/{request_id}/reads": "auditor vic admin",
    "GET /api/v1/orgs/{org_id}/service-requests/overdue": "depV secV admin",
    "GET /api/v1/orgs/{org_id}/knowledge/articles": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/articles": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/articles/{article_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/articles/{article_id}/versions": "m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/articles/{article_id}/versions/{number}": "m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/articles/{article_id}/diff": "m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/knowledge/categories": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/knowledge/questions": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/questions": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/questions/{question_id}": "m2 vic comV depV secV admin",
    "GET /api/v1/knowledge/questions/{question_id}/answers": "m2 vic comV depV secV admin",
    "GET /api/v1/posts/{post_id}": "m2 vic comV depV secV",
    "GET /api/v1/posts/{post_id}/edits": "m2 vic comV depV secV",
    "GET /api/v1/posts/{post_id}/comments": "m2 vic comV depV secV",
    "GET /api/v1/timelines/home": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/accounts/{account_id}/posts": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/posts": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/reports": "depV secV admin",
    "GET /api/v1/orgs/{org_id}/chat": "",
    "GET /api/v1/chat/conversations": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/chat/conversations/{conversation_id}": "vic secV",
    "GET /api/v1/chat/conversations/{conversation_id}/messages": "vic secV",
    "GET /api/v1/notifications": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/notifications/unread-count": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/notifications/preferences": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/search": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/media/{media_id}": "vic comV depV secV admin",
    "GET /api/v1/media/{media_id}/hls/{name}": "",  # an image has no playlist: 404 for all (outsiders: no file)
    "GET /api/v1/orgs/{org_id}/media": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/media-usage": "comV depV secV admin",
    "GET /api/v1/sms/templates": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/sms/settings": "admin",
    "GET /api/v1/orgs/{org_id}/sms/sends": "depV secV admin",
    "GET /api/v1/sms/sends/{send_id}": "depV secV admin",
    "GET /api/v1/sms/sends/{send_id}/messages": "depV secV admin",
    "GET /api/v1/orgs/{org_id}/sms/usage": "depV secV admin",
    "GET /api/v1/sms/usage": "admin",
    "GET /api/v1/me/sms-opt-out": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/geo/consents": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/geo/devices": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/meetings/{meeting_id}/geofence": "",
    "GET /api/v1/meetings/{meeting_id}/geo-check-ins": "depV secV admin",
    "GET /api/v1/meetings/{meeting_id}/live-locations": "depV secV admin",
    "GET /api/v1/geo/orgs/nearest": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/geo/orgs/map": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/geo/distribution": "auditor comV depV secV admin",
    "GET /api/v1/me/geo-data": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/calls/rooms/{room_id}": "vic secV",
    "GET /api/v1/calls/ice-servers": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/channels": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/channels/{channel_id}": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/channels/{channel_id}/guide": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/channels/{channel_id}/now": "out secU auditor m2 vic comV depV secV admin",
    "GET /api/v1/channels/{channel_id}/broadcasts": "comV depV secV admin",
    "GET /api/v1/broadcasts/{broadcast_id}": "",
    "GET /api/v1/federation/stats": "auditor",
    "GET /api/v1/orgs/{org_id}/site/preview": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/site/preview/{section}": "comV depV secV admin",
    "GET /api/v1/orgs/{org_id}/site/preview/albums/{album_id}": "comV depV secV admin",
}

WRITES = {
    "POST /api/v1/auth/password/change": "out secU auditor m2 vic comV depV secV admin",
    "PUT /api/v1/me/personal-data": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/me/deletion": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/roles": "secV admin",
    "POST /api/v1/orgs": "depV secV admin",
    "PATCH /api/v1/orgs/{org_id}": "depV secV admin",
    "POST /api/v1/orgs/{org_id}/members": "depV secV admin",
    "POST /api/v1/memberships/{membership_id}/status": "depV secV admin",
    "POST /api/v1/memberships/{membership_id}/roles": "secV admin",
    "POST /api/v1/memberships/{membership_id}/dues": "depV secV admin",
    "POST /api/v1/orgs/{org_id}/meetings": "depV secV admin",
    "PUT /api/v1/meetings/{meeting_id}/minutes": "depV secV admin",
    "POST /api/v1/meetings/{meeting_id}/rsvp": "m2 vic comV depV secV",
    "POST /api/v1/meetings/{meeting_id}/leave": "m2 vic comV depV secV",
    "POST /api/v1/meetings/{meeting_id}/leave/{account_id}/decision": "depV secV admin",
    "POST /api/v1/meetings/{meeting_id}/check-in": "m2 vic comV depV secV",
    "POST /api/v1/meetings/{meeting_id}/join-online": "m2 vic comV depV secV",
    "POST /api/v1/transfers": "",
    "POST /api/v1/transfers/{transfer_id}/{step}": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/mobile-registrations": "out secU m2 vic comV depV secV",
    "POST /api/v1/mobile-registrations/{registration_id}/accept": "",
    "POST /api/v1/mobile-registrations/{registration_id}/reports": "",
    "PUT /api/v1/network/settings": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/network/friend-requests": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/network/friend-requests/{account_id}/accept": "",
    "POST /api/v1/network/friend-requests/{account_id}/decline": "",
    "POST /api/v1/network/follows": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/network/contacts": "out secU auditor m2 vic comV depV secV admin",
    "PATCH /api/v1/network/contacts/{contact_id}": "vic",
    "POST /api/v1/orgs/{org_id}/import": "depV secV admin",
    "POST /api/v1/orgs/{org_id}/boards": "depV secV admin",
    "PATCH /api/v1/boards/{board_id}": "depV secV admin",
    "PUT /api/v1/boards/{board_id}/moderators/{account_id}": "depV secV admin",
    "POST /api/v1/boards/{board_id}/threads": "m2 vic comV depV secV admin",
    "POST /api/v1/threads/{thread_id}/replies": "m2 vic comV depV secV admin",
    "PUT /api/v1/threads/{thread_id}/pin": "depV secV admin",
    "PUT /api/v1/threads/{thread_id}/lock": "depV secV admin",
    "POST /api/v1/orgs/{org_id}/notices": "comV depV secV admin",
    "POST /api/v1/notices/{notice_id}/read": "m2 vic comV depV secV",
    "POST /api/v1/notices/{notice_id}/reminders": "comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/polls": "comV depV secV admin",
    "POST /api/v1/polls/{poll_id}/votes": "m2 vic comV depV secV",
    "POST /api/v1/orgs/{org_id}/courses": "comV depV secV admin",
    "PUT /api/v1/courses/{course_id}": "comV depV secV admin",
    "POST /api/v1/courses/{course_id}/lessons": "comV depV secV admin",
    "PUT /api/v1/courses/{course_id}/lessons/{lesson_id}": "",
    "POST /api/v1/courses/{course_id}/publish": "comV depV secV admin",
    "POST /api/v1/courses/{course_id}/lessons/{lesson_id}/complete": "comV depV secV admin",
    "POST /api/v1/courses/{course_id}/assignments": "comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/question-banks": "comV depV secV admin",
    "POST /api/v1/question-banks/{bank_id}/questions": "comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/exams": "comV depV secV admin",
    "POST /api/v1/exams/{exam_id}/attempts": "m2 vic comV depV secV admin",
    "POST /api/v1/exam-attempts/{attempt_id}/submit": "vic",
    "PUT /api/v1/study-rules/{name}": "admin",
    "POST /api/v1/orgs/{org_id}/site": "comV depV secV admin",
    "PUT /api/v1/orgs/{org_id}/site": "comV depV secV admin",
    "PUT /api/v1/orgs/{org_id}/site/pages/{page_slug}": "comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/site/albums": "comV depV secV admin",
    "PUT /api/v1/orgs/{org_id}/site/albums/{album_id}": "comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/site/publish": "comV depV secV admin",
    "POST /api/v1/apps": "admin",
    "POST /api/v1/orgs/{org_id}/apps": "depV secV admin",
    "POST /api/v1/orgs/{org_id}/installed-apps": "depV secV admin",
    "PUT /api/v1/orgs/{org_id}/menu": "depV secV admin",
    "POST /api/v1/apps/{app_id}/submissions": "m2 vic comV depV secV",
    "POST /api/v1/orgs/{org_id}/app-tokens": "depV secV admin",
    "POST /api/v1/orgs/{org_id}/counsellors": "depV secV admin",
    "POST /api/v1/service-requests": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/service-requests/{request_id}/take": "vic comV",
    "POST /api/v1/service-requests/{request_id}/assign": "depV secV admin",
    "POST /api/v1/service-requests/{request_id}/replies": "vic comV",
    "POST /api/v1/service-requests/{request_id}/rating": "vic",
    "POST /api/v1/orgs/{org_id}/knowledge/articles": "m2 vic comV depV secV admin",
    "PUT /api/v1/knowledge/articles/{article_id}": "vic comV depV secV admin",
    "PUT /api/v1/knowledge/articles/{article_id}/rating": "m2 vic comV depV secV admin",
    "POST /api/v1/knowledge/articles/{article_id}/reuses": "m2 vic comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/knowledge/articles/from-thread": "vic comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/knowledge/articles/from-question": "vic comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/knowledge/categories": "comV depV secV admin",
    "PATCH /api/v1/knowledge/categories/{category_id}": "comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/knowledge/questions": "m2 vic comV depV secV admin",
    "POST /api/v1/knowledge/questions/{question_id}/answers": "m2 vic comV depV secV admin",
    "PUT /api/v1/knowledge/questions/{question_id}/accepted": "vic comV depV secV admin",
    "POST /api/v1/posts": "out secU auditor m2 vic comV depV secV admin",
    "PATCH /api/v1/posts/{post_id}": "vic",
    "PUT /api/v1/posts/{post_id}/like": "m2 vic comV depV secV",
    "POST /api/v1/posts/{post_id}/comments": "m2 vic comV depV secV",
    "PUT /api/v1/posts/{post_id}/hidden": "depV secV",
    "PUT /api/v1/comments/{comment_id}/hidden": "depV secV",
    "POST /api/v1/reports": "m2 vic comV depV secV",
    "POST /api/v1/reports/{report_id}/resolve": "depV secV admin",
    "POST /api/v1/chat/direct": "out secU m2 vic comV depV secV",
    "POST /api/v1/chat/groups": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/orgs/{org_id}/chat": "depV secV admin",
    "POST /api/v1/chat/conversations/{conversation_id}/join": "",
    "POST /api/v1/chat/conversations/{conversation_id}/members": "",
    "POST /api/v1/chat/conversations/{conversation_id}/messages": "vic secV",
    "POST /api/v1/chat/conversations/{conversation_id}/read": "vic secV",
    "POST /api/v1/chat/sync": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/notifications/read-all": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/notifications/{notification_id}/read": "vic",
    "PUT /api/v1/notifications/preferences": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/media/uploads": "m2 vic comV depV secV admin",
    "POST /api/v1/media/{media_id}/finalize": "vic",
    "PUT /api/v1/orgs/{org_id}/media-quota": "admin",
    "PUT /api/v1/sms/templates/{code}": "admin",
    "PATCH /api/v1/sms/settings": "admin",
    "POST /api/v1/orgs/{org_id}/sms/sends": "depV secV admin",
    "PUT /api/v1/orgs/{org_id}/sms/quota": "admin",
    "PUT /api/v1/me/sms-opt-out": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/geo/consents/{purpose}": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/geo/devices": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/geo/reports": "",
    "PUT /api/v1/meetings/{meeting_id}/geofence": "depV secV admin",
    "POST /api/v1/meetings/{meeting_id}/geo-check-ins": "",
    "POST /api/v1/geo/check-ins/{check_in_id}/review": "",
    "POST /api/v1/calls/rooms": "out secU auditor m2 vic comV depV secV admin",
    "POST /api/v1/calls/rooms/{room_id}/leave": "vic secV",
    "POST /api/v1/channels": "comV depV secV admin",
    "PATCH /api/v1/channels/{channel_id}": "comV depV secV admin",
    "POST /api/v1/channels/{channel_id}/slots": "comV depV secV admin",
    "POST /api/v1/channels/{channel_id}/broadcasts": "comV depV secV admin",
    "POST /api/v1/federation/people/search": "auditor",
    "POST /api/v1/auth/logout-everywhere": "out secU auditor m2",
    "DELETE /api/v1/roles/{grant_id}": "",
    "POST /api/v1/orgs/{org_id}/move": "",
    "POST /api/v1/orgs/{org_id}/merge": "",
    "POST /api/v1/orgs/{org_id}/dissolve": "",
    "DELETE /api/v1/memberships/{membership_id}/roles/{role}": "",
    "POST /api/v1/meetings/{meeting_id}/cancel": "",
    "POST /api/v1/mobile-registrations/{registration_id}/end": "",
    "DELETE /api/v1/network/friends/{account_id}": "",
    "DELETE /api/v1/network/follows/{target_kind}/{target_id}": "out secU auditor m2",
    "DELETE /api/v1/network/contacts/{contact_id}": "",
    "DELETE /api/v1/boards/{board_id}/moderators/{account_id}": "",
    "DELETE /api/v1/threads/{thread_id}": "",
    "DELETE /api/v1/replies/{reply_id}": "",
    "POST /api/v1/threads/{thread_id}/move": "",
    "DELETE /api/v1/courses/{course_id}/lessons/{lesson_id}": "",
    "DELETE /api/v1/orgs/{org_id}/site/pages/{page_slug}": "",
    "DELETE /api/v1/orgs/{org_id}/site/albums/{album_id}": "",
    "POST /api/v1/orgs/{org_id}/site/unpublish": "",
    "POST /api/v1/apps/{app_id}/retire": "",
    "DELETE /api/v1/orgs/{org_id}/installed-apps/{app_id}": "",
    "DELETE /api/v1/app-tokens/{token_id}": "",
    "DELETE /api/v1/orgs/{org_id}/counsellors/{category}/{account_id}": "",
    "POST /api/v1/service-requests/{request_id}/close": "",
    "DELETE /api/v1/knowledge/articles/{article_id}": "",
    "DELETE /api/v1/knowledge/categories/{category_id}": "",
    "DELETE /api/v1/knowledge/questions/{question_id}": "",
    "DELETE /api/v1/knowledge/answers/{answer_id}": "",
    "DELETE /api/v1/posts/{post_id}": "",
    "DELETE /api/v1/posts/{post_id}/like": "m2",
    "DELETE /api/v1/comments/{comment_id}": "",
    "DELETE /api/v1/chat/conversations/{conversation_id}/members/me": "",
    "DELETE /api/v1/media/{media_id}": "",
    "POST /api/v1/sms/sends/{send_id}/cancel": "",
    "DELETE /api/v1/geo/consents/{purpose}": "out secU auditor m2",
    "DELETE /api/v1/geo/devices/{device_id}": "",
    "DELETE /api/v1/meetings/{meeting_id}/live-locations/me": "out secU auditor m2",
    "DELETE /api/v1/channels/{channel_id}": "",
    "DELETE /api/v1/channels/{channel_id}/slots/{slot_id}": "",
    "POST /api/v1/broadcasts/{broadcast_id}/revoke": "",
}


@pytest.fixture(scope="module")
def world(stack, gateway_url, identity_events, tmp_path_factory) -> World:
    w = build(stack, gateway_url, identity_events, tmp_path_factory.mktemp("security-access"))
    yield w
    w.http.close()


@pytest.fixture(scope="module")
def surface(world) -> Surface:
    return Surface.fetch(world.http)


def allowed(table: dict[str, str], op) -> set[str]:
    return set(table[op.key].split())


def test_every_operation_is_in_the_matrix(surface):
    documented = {op.key for op in surface.operations}
    listed = PUBLIC | set(READS) | set(WRITES)
    assert documented - listed == set(), "operations missing from the matrix: list them in READS, WRITES or PUBLIC"
    assert listed - documented == set(), "the matrix lists operations the gateway no longer has"
    for op in surface.operations:
        assert (op.key in PUBLIC) == (not op.secured), f"{op.key}: PUBLIC must list exactly the token-less routes"
        assert (op.key in READS) == (op.secured and op.method == "GET"), op.key
    # the live socket is served without a bearer header (its token comes in the query or the first frame):
    # test_the_live_socket_refuses_other_regions_tokens covers it


def test_another_regions_tokens_read_nothing(world, surface):
    """Every operation with a bearer token of another region (signed by its own key, or forged with ours):
    401 or 403 and a JSON error that names nothing of the victim's."""
    failures = []
    for op in surface.operations:
        if not op.secured:
            continue
        url = fill(op.path, world.ids | probes.path_ids(op, world))
        for role, status in (("foreign", 401), ("forged", 403)):
            reply = probes.send(surface, world, op, role, url)
            if reply.status_code != status or leaks(reply, world.secrets):
                failures.append(f"{role} {op.key}: {describe(reply)}")
                continue
            code = json_error(reply)["code"]
            if code != ("token_invalid" if role == "foreign" else "wrong_region"):
                failures.append(f"{role} {op.key}: {code}")
    assert not failures, "\n".join(failures)


def _check(world, op, role: str, reply, may: bool, failures: list[str]) -> None:
    """The reply's status class is what the table says; an outsider's read (or refusal) shows nothing of the
    victim's (an allowed write may echo what its caller named: the person befriended, the one invited)."""
    if reply.status_code >= 500:
        failures.append(f"{role} {op.key}: 5xx {describe(reply)}")
    elif may and reply.status_code in DENIED and not (op.params and set(op.params) & NO_REAL_ID):
        failures.append(f"{role} {op.key}: refused, expected allowed: {describe(reply)}")
    elif not may and reply.status_code not in DENIED:
        failures.append(f"{role} {op.key}: allowed, expected refused: {describe(reply)}")
    elif not may:
        json_error(reply)
    exempt = (role == "auditor" and op.key in AUDITOR_READS) or (op.method != "GET" and may) or op.key in OWN_RECORD
    if (role in OUTSIDERS or role == "auditor") and not exempt and (found := leaks(reply, world.secrets)):
        failures.append(f"{role} {op.key}: the victim's {sorted(found)} in {describe(reply)}")


def test_reads_of_every_role(world, surface):
    """Every read endpoint with the victim's ids, as every role: READS says who is let through; outsiders
    (members of an unrelated org, the auditor outside its remit) are told nothing of the victim's."""
    failures: list[str] = []
    for op in surface.operations:
        if op.key not in READS:
            continue
        url = fill(op.path, world.ids | probes.path_ids(op, world))
        for role in PROBED:
            _check(world, op, role, probes.send(surface, world, op, role, url), role in allowed(READS, op), failures)
    assert not failures, "\n".join(failures)


def test_public_operations_show_nothing_private(world, surface):
    """The token-less routes that take ids, called anonymously with the victim's (a private file, an
    unpublished site, another region's path): a JSON 4xx, nothing of the victim's."""
    failures = []
    for op in surface.operations:
        if op.secured or op.method != "GET" or not op.params:
            continue
        url = fill(op.path, world.ids | probes.path_ids(op, world))
        reply = world.http.get(url)
        if not 400 <= reply.status_code < 500 or leaks(reply, world.secrets):
            failures.append(f"{op.key}: {describe(reply)}")
        elif reply.headers.get("content-type", "").startswith("application/json"):
            json_error(reply)
    assert not failures, "\n".join(failures)


def test_writes_of_every_role(world, surface):
    """The permission matrix of every write endpoint: roles WRITES names get through (their change happens,
    or a 4xx other than 401/403/404 says why not), every other role is refused, anonymous callers with 401.
    Destroying operations go last, probed with DESTRUCTIVE_PROBED only."""
    failures: list[str] = []
    ops = sorted((op for op in surface.operations if op.key in WRITES), key=probes.destructive)
    for op in ops:
        url = fill(op.path, world.ids | probes.path_ids(op, world))
        anon = probes.send(surface, world, op, "anon", url)
        if anon.status_code != 401:
            failures.append(f"anon {op.key}: {describe(anon)}")
        for role in DESTRUCTIVE_PROBED if probes.destructive(op) else PROBED:
            _check(world, op, role, probes.send(surface, world, op, role, url), role in allowed(WRITES, op), failures)
    assert not failures, "\n".join(failures)


def test_every_id_parameter_is_probed_by_someone_it_does_not_belong_to(surface):
    """IDOR: each id in a path is tried, with a real id of the victim's, by a member of the victim's own org
    (m2) or an outsider (out) that the matrix expects to be refused, on at least one operation."""
    probed: dict[str, set[str]] = {}
    for op in surface.operations:
        table = READS if op.key in READS else WRITES if op.key in WRITES else None
        if table is None:
            continue
        for name in op.params:
            if {"m2", "out"} - allowed(table, op):
                probed.setdefault(name, set()).add(op.key)
    ids = {name for op in surface.operations if op.key not in PUBLIC for name in op.params if name.endswith("_id")}
    assert ids - set(probed) - NOT_OWNED == set(), "id parameters nobody is refused on"


def test_the_live_socket_refuses_other_regions_tokens(world, gateway_url):
    """GET /api/v1/ws (WebSocket): another region's token is closed with 4401 (its key is unknown here) or
    4403 (this region's key, another region's claims); the first frame carries nothing of the victim's."""
    url = gateway_url.replace("http://", "ws://") + "/api/v1/ws"
    for role, code in (("foreign", 4401), ("forged", 4403)):
        with connect(f"{url}?access_token={world.tokens[role]}", open_timeout=10) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                frame = ws.recv(timeout=10)
                raise AssertionError(f"{role}: the socket spoke: {frame[:200]}")
            assert closed.value.rcvd.code == code, closed.value
