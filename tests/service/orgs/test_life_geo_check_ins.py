"""Check-ins inside a meeting's geofence, as geo announces them (check_in_accepted), on the real database, broker
and worker: presence method geo at the fix's time, for invitees inside the check-in window only, once."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import pytest

from kernel import outbox
from kernel.events import DeadLetter, HandledEvent
from services.orgs import events, life, members, tree
from services.orgs.domain import life as rules
from tests.conftest import wait_until_bound
from tests.service.orgs.conftest import now_cst
from tests.service.orgs.test_life_rosters import acting_as, eventually, meeting, people

pytestmark = pytest.mark.service

CONSUMER = "orgs_geo_check_ins.check_in_accepted"  # orgs' worker: its queue and its inbox rows
QUEUE = f"evt-geo-check_in_accepted--{CONSUMER}"


@pytest.fixture(scope="module")
def region(db, stack) -> str:
    return stack.layout.region


def row_of(m: life.Meeting, account_id: str) -> life.Attendance:
    return life.Attendance.in_tenant(m.tenant).filter(meeting_id=str(m.id), account_id=account_id).first()


def present_count(m: life.Meeting) -> int:
    return life.Meeting.in_tenant(m.tenant).filter(id=m.id).first().present_count


def branch_with(api, identity_events, region: str, n: int) -> tuple[str, list[str]]:
    """A new branch and n new people, all but the last its members."""
    branch = tree.create("demo-committee", f"定位签到支部 {secrets.token_hex(3)}", "branch")
    accounts = people(api, identity_events, n, region)
    for account_id in accounts[:-1]:
        members.add(branch.id, account_id, "full", "2020-07-01")
    return branch.id, accounts


def test_a_geo_check_in_counts_once_for_an_invitee_inside_the_window(region, api, identity_events):
    branch, (first, second, third, outsider) = branch_with(api, identity_events, region, 4)
    starts = now_cst() - dt.timedelta(minutes=10)
    now_on = meeting(branch, starts)
    tomorrow = meeting(branch, starts + dt.timedelta(days=1))
    called_off = meeting(branch, starts)
    life.cancel(str(called_off.id), "改期", False)
    fix = starts + dt.timedelta(minutes=5)

    assert life.record_geo_check_in(region, str(now_on.id), first, fix, "ci-1") is True
    row = row_of(now_on, first)
    assert (row.status, row.method) == (rules.PRESENT, rules.GEO)
    assert row.checked_in_at.replace(tzinfo=dt.UTC) == fix  # when the device took the fix, not when it arrived
    assert present_count(now_on) == 1

    # A redelivery, or another accepted check-in of the same person, changes nothing.
    assert life.record_geo_check_in(region, str(now_on.id), first, fix + dt.timedelta(minutes=1), "ci-1") is False
    assert life.record_geo_check_in(region, str(now_on.id), first, fix + dt.timedelta(minutes=2), "ci-2") is False
    assert row_of(now_on, first).checked_in_at.replace(tzinfo=dt.UTC) == fix and present_count(now_on) == 1

    # Present already by the code typed on site: that presence stands.
    with acting_as(second):
        life.check_in(str(now_on.id), now_on.code)
    assert life.record_geo_check_in(region, str(now_on.id), second, fix, "ci-3") is False
    assert row_of(now_on, second).method == rules.CODE and present_count(now_on) == 2

    # What cannot count is dropped, never raised: outside the window (either side), another meeting's
    # window, a cancelled meeting, someone not on the roster, no account, no such meeting.
    cannot = [
        (now_on, third, starts - rules.CHECK_IN_MARGIN - dt.timedelta(minutes=1)),
        (now_on, third, starts + dt.timedelta(hours=1) + rules.CHECK_IN_MARGIN + dt.timedelta(minutes=1)),
        (tomorrow, third, fix),
        (called_off, third, fix),
        (now_on, outsider, fix),
        (now_on, "", fix),
    ]
    for m, who, at in cannot:
        assert life.record_geo_check_in(region, str(m.id), who, at, uuid.uuid4().hex) is False
    for bad_id in ("not-a-meeting", "", str(now_on.id)[::-1]):
        assert life.record_geo_check_in(region, bad_id, third, fix, "ci-4") is False
    assert row_of(now_on, third).status == rules.INVITED and present_count(now_on) == 2
    assert row_of(tomorrow, third).status == row_of(called_off, third).status == rules.INVITED

    # The window's edges count (a naive time is UTC, as the database hands times back).
    edge = (starts - rules.CHECK_IN_MARGIN).astimezone(dt.UTC).replace(tzinfo=None)
    assert life.record_geo_check_in(region, str(now_on.id), third, edge, "ci-5") is True
    assert row_of(now_on, third).method == rules.GEO and present_count(now_on) == 3


class Geo:
    """Stands in for the geo service: publishes check_in_accepted as its outbox relay would, and tells when
    orgs' worker has handled an event (its inbox row is done)."""

    def __init__(self, stack, region: str):
        self.region = region
        self.publisher = outbox.Publisher(stack.env["AMQP_URI"])
        # orgs' worker declared geo's exchange and bound its queue itself (geo need not run): nothing is lost.
        wait_until_bound(stack.env["AMQP_URI"], QUEUE)

    def accepted(self, m: life.Meeting, who: str, at, **more) -> dict:
        """Publish a check_in_accepted (a fresh event id; more: fields replaced) and return its envelope."""
        data = {
            "check_in_id": uuid.uuid4().hex,
            "meeting_id": str(m.id),
            "account_id": who,
            "at": at.astimezone(dt.UTC).isoformat() if isinstance(at, dt.datetime) else at,
            **more,
        }
        envelope = outbox.envelope_of(outbox.event_row(self.region, events.GEO, events.CHECK_IN_ACCEPTED, data))
        self.publisher.publish(envelope)
        return envelope

    def handled(self, *envelopes: dict) -> None:
        keys = [f"{CONSUMER}:{e['id']}" for e in envelopes]
        eventually(
            lambda: HandledEvent.objects(id__in=keys, state="done").count() == len(keys),
            "orgs' worker did not handle the check-ins",
            timeout=60,  # the worker may be busy with other tests
        )

    def close(self) -> None:
        self.publisher.close()


@pytest.fixture
def geo(stack, region):
    publisher = Geo(stack, region)
    yield publisher
    publisher.close()


def test_orgs_worker_records_what_geo_accepted(region, api, identity_events, geo):
    branch, (first, second, _) = branch_with(api, identity_events, region, 3)
    starts = now_cst() - dt.timedelta(minutes=10)
    now_on = meeting(branch, starts)
    fix = starts + dt.timedelta(minutes=3)

    good = geo.accepted(now_on, first, fix)
    malformed = [  # logged and dropped: no retries, nothing parked
        geo.accepted(now_on, second, "yesterday"),
        geo.accepted(now_on, second, None),
        geo.accepted(now_on, second, fix, meeting_id=None),
        geo.accepted(now_on, second, fix, account_id=["not", "an", "id"]),
    ]
    geo.handled(good, *malformed)
    row = row_of(now_on, first)
    assert (row.status, row.method) == (rules.PRESENT, rules.GEO)
    assert row.checked_in_at.replace(tzinfo=dt.UTC) == fix
    assert row_of(now_on, second).status == rules.INVITED
    keys = [f"{CONSUMER}:{e['id']}" for e in (good, *malformed)]
    assert DeadLetter.objects(id__in=keys).count() == 0
    assert HandledEvent.objects(id__in=keys, attempts__gt=0).count() == 0
