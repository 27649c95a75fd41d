"""Events geo publishes (exchange `geo.events`) and consumes.

Published (envelope: kernel/outbox.py; `data` below):
- check_in_accepted {check_in_id, meeting_id, account_id, at}   an invitee checked in inside the meeting's
                    geofence during its check-in window (or an organizer accepted a flagged check-in); at: when
                    the device took the fix, ISO 8601 UTC. orgs records the attendance (method geo).
  Never a coordinate: where someone was stays in geo.

Consumed:
- orgs.org_created {org_id, name, type, path, location, address}, org_updated {org_id, changes}, org_moved,
  org_merged, org_dissolved: geo's copy of where orgs are (places.py), and of the org tree (kernel/home_orgs.py)
- orgs' membership events (kernel/mirroring.py HomeOrgMirror): who belongs to which subtree (aggregates)
- orgs.mobile_outflow_registered {account_id, …} / mobile_period_ended {account_id, …}: who is a mobile member
  (流动党员) now, for the distribution of mobile members by city
"""

SOURCE = "geo"

CHECK_IN_ACCEPTED = "check_in_accepted"

ORGS = "orgs"
ORG_CREATED = "org_created"
ORG_UPDATED = "org_updated"
ORG_MERGED = "org_merged"
ORG_DISSOLVED = "org_dissolved"
MOBILE_OUTFLOW_REGISTERED = "mobile_outflow_registered"
MOBILE_PERIOD_ENDED = "mobile_period_ended"
