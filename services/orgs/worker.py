"""orgs' event worker (nameko, eventlet): `python -m services.orgs.worker`.

Mirrors identity's accounts (who may be made a member); keeps meetings' org paths after tree moves and
the rosters of meetings not yet started in step with memberships; records online presence when media says
an invitee entered a meeting's room; applies invitees' answers by text message (sms' reply_received); records
presence when geo accepted an invitee's check-in inside the meeting's geofence.
"""

import eventlet

eventlet.monkey_patch()  # must precede every other import in a worker process

import datetime as dt
import logging

from kernel import config as kconfig
from kernel import store
from kernel.config import BusConfig, StoreConfig
from kernel.events import Event, handles
from kernel.person_data import erasure_worker
from kernel.worker import run
from services.orgs import events, life, network, privacy, worker_network
from services.orgs import store as orgs_store
from services.orgs.domain import life as life_rules
from services.orgs.store import Person

log = logging.getLogger(__name__)


class WorkerConfig(StoreConfig, BusConfig):
    pass


class PeopleMirror:
    name = "orgs_people_mirror"

    @handles(events.IDENTITY, events.ACCOUNT_REGISTERED)
    def account_registered(self, event: Event) -> None:
        d = event.data
        Person.in_tenant(event.tenant).filter(account_id=d["account_id"]).update_one(
            upsert=True, set__display_name=d.get("display_name", ""), set__phone_masked=d.get("phone_masked", "")
        )


class MeetingPaths:
    """A moved or merged subtree takes its meetings along (they keep their org's path for reports)."""

    name = "orgs_meeting_paths"

    @handles(events.SOURCE, events.ORG_MOVED)
    def org_moved(self, event: Event) -> None:
        life.follow_tree(event.tenant, event.data["org_id"])

    @handles(events.SOURCE, events.ORG_MERGED)
    def org_merged(self, event: Event) -> None:
        life.follow_tree(event.tenant, event.data["target_id"])


class MeetingInvitations:
    """Rosters follow membership: whoever joins an org (or is hosted there) is invited to its meetings not
    yet started, whoever leaves is withdrawn from them; meetings already started keep their rosters."""

    name = "orgs_meeting_invitations"

    def _follow(self, event: Event) -> None:
        life.follow_members(event.tenant, [event.data["account_id"]])

    @handles(events.SOURCE, events.MEMBERSHIP_ADDED)
    def membership_added(self, event: Event) -> None:
        self._follow(event)

    @handles(events.SOURCE, events.MEMBERSHIPS_IMPORTED)
    def memberships_imported(self, event: Event) -> None:
        life.follow_members(event.tenant, [m["account_id"] for m in event.data.get("members", [])])

    @handles(events.SOURCE, events.MEMBERSHIP_STATUS_CHANGED)
    def status_changed(self, event: Event) -> None:  # deceased, suspended (withdrawn), reinstated (invited)
        self._follow(event)

    @handles(events.SOURCE, events.TRANSFER_COMPLETED)
    def transfer_completed(self, event: Event) -> None:  # out of the old org's meetings, into the new one's
        self._follow(event)

    @handles(events.SOURCE, events.MOBILE_INFLOW_ACCEPTED)
    def inflow_accepted(self, event: Event) -> None:
        self._follow(event)

    @handles(events.SOURCE, events.MOBILE_PERIOD_ENDED)
    def period_ended(self, event: Event) -> None:
        self._follow(event)

    @handles(events.SOURCE, events.ROLE_ASSIGNED)
    def role_assigned(self, event: Event) -> None:  # committee meetings invite the committee's roles
        if event.data.get("role") in life_rules.COMMITTEE_ROLES:
            self._follow(event)

    @handles(events.SOURCE, events.ROLE_REMOVED)
    def role_removed(self, event: Event) -> None:
        if event.data.get("role") in life_rules.COMMITTEE_ROLES:
            self._follow(event)


class OnlinePresence:
    """Entering a meeting's online room (media's meeting_room_joined) counts as presence, method online."""

    name = "orgs_online_presence"

    @handles(events.MEDIA, events.MEETING_ROOM_JOINED)
    def room_joined(self, event: Event) -> None:
        d = event.data
        joined_at = dt.datetime.fromisoformat(d["joined_at"])
        life.record_room_joined(event.tenant, d["meeting_id"], d["account_id"], joined_at)


class SmsReplies:
    """An invitee answered a meeting's text-message invitation: "1" attends, "2" asks for leave (the rest of the
    text is the reason). Answers that cannot count are logged and dropped, never retried."""

    name = "orgs_sms_replies"

    @handles(events.SMS, events.REPLY_RECEIVED)
    def reply_received(self, event: Event) -> None:
        d = event.data
        if d.get("feature") != events.MEETING_FEATURE:
            log.info("sms reply for another feature ignored", extra={"feature": d.get("feature"), "ref": d.get("ref")})
            return
        life.answer_by_reply(
            event.tenant,
            d.get("ref", ""),
            d.get("account_id", ""),
            d.get("choice", ""),
            life_rules.sms_leave_reason(d.get("text", "")),
            d.get("reply_id", ""),
        )


class GeoCheckIns:
    """Geo accepted a check-in inside the meeting's geofence: presence, method geo, at the fix's time. What cannot
    count (not invited, cancelled, outside the window, a malformed event) is logged and dropped, never retried."""

    name = "orgs_geo_check_ins"

    @handles(events.GEO, events.CHECK_IN_ACCEPTED)
    def check_in_accepted(self, event: Event) -> None:
        d = event.data
        try:
            at = dt.datetime.fromisoformat(d["at"])
        except (KeyError, TypeError, ValueError):
            log.info("geo check-in ignored: no time or a malformed one", extra={"check_in_id": d.get("check_in_id")})
            return
        ids = (str(d.get(key) or "") for key in ("meeting_id", "account_id", "check_in_id"))
        meeting_id, account_id, check_in_id = ids
        life.record_geo_check_in(event.tenant, meeting_id, account_id, at, check_in_id)


def main() -> None:
    config = kconfig.load(WorkerConfig)

    def on_start() -> None:
        store.connect(config, "orgs")
        orgs_store.ensure_indexes()
        network.ensure_indexes()

    run(
        "orgs-worker",
        config,
        PeopleMirror,
        MeetingPaths,
        MeetingInvitations,
        OnlinePresence,
        SmsReplies,
        GeoCheckIns,
        worker_network.ContactPaths,
        erasure_worker("orgs", privacy.erase),
        on_start=on_start,
    )


if __name__ == "__main__":
    main()
