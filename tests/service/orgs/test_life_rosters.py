"""Rosters follow membership, on the real database, broker and worker; and "my meetings" paged by end time.

A meeting's roster is fixed from the org's members when it is scheduled; orgs' worker then keeps the
rosters of meetings not yet started in step as people join and leave (services/orgs/life.py
follow_members). Meetings already started keep the roster they had.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from kernel import context, store
from kernel.errors import DomainError
from services.orgs import events, life, members, mobile, transfers, tree
from services.orgs.domain import life as rules
from services.orgs.store import Membership, Person
from tests.conftest import register
from tests.service.orgs.conftest import meeting_at, now_cst

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def region(db, stack) -> str:
    return stack.layout.region


@contextmanager
def acting_as(account_id: str) -> Iterator[None]:
    token = context.bind(context.CallContext(tenant=context.current().tenant, actor=context.Actor(account_id)))
    try:
        yield
    finally:
        context.unbind(token)


def eventually(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def meeting(org_id: str, starts: dt.datetime, meeting_type: str = rules.PARTY_LECTURE) -> life.Meeting:
    return life.schedule(meeting_at(org_id, starts, meeting_type))[0]


def invited(m: life.Meeting) -> set[str]:
    return {r.account_id for r in life.Attendance.in_tenant(m.tenant).filter(meeting_id=str(m.id))}


def invitee_count(m: life.Meeting) -> int:
    return life.Meeting.in_tenant(m.tenant).filter(id=m.id).first().invitee_count


def people(api, identity_events, n: int, tenant: str) -> list[str]:
    accounts = [register(api, identity_events, display_name=f"名册{k}").account_id for k in range(n)]
    eventually(
        lambda: Person.in_tenant(tenant).filter(account_id__in=accounts).count() == n, "orgs never heard of them"
    )
    return accounts


def upcoming_of(account_id: str) -> list[str]:
    with acting_as(account_id):
        pairs, _ = life.my_meetings(True, 50, "")
    return [str(m.id) for m, _ in pairs]


def test_people_who_join_are_invited_and_people_who_leave_are_withdrawn(region, api, identity_events):
    tag = secrets.token_hex(3)
    branch = tree.create("demo-committee", f"名册支部 {tag}", "branch")
    group = tree.create(branch.id, f"名册党小组 {tag}", "group")
    elsewhere = tree.create("demo-committee", f"名册另一支部 {tag}", "branch")
    stays, leaves, joins, hosted = people(api, identity_events, 4, region)
    stays_m = members.add(branch.id, stays, "full", "2020-07-01")
    leaves_m = members.add(group.id, leaves, "full", "2020-07-01")
    hosted_m = members.add(elsewhere.id, hosted, "full", "2020-07-01")
    held = meeting(branch.id, now_cst() - dt.timedelta(hours=3))
    later = meeting(branch.id, now_cst() + dt.timedelta(days=2))
    committee = meeting(branch.id, now_cst() + dt.timedelta(days=3), rules.COMMITTEE_MEETING)
    elsewhere_later = meeting(elsewhere.id, now_cst() + dt.timedelta(days=2))
    assert invited(held) == invited(later) == {stays, leaves} and invited(committee) == set()

    # Someone joins the branch's group: invited to the branch's meeting to come, not to the one held.
    members.add(group.id, joins, "probationary", "2025-07-01")
    eventually(lambda: joins in invited(later), "the new member was never invited")
    assert invited(held) == {stays, leaves} and invitee_count(later) == 3
    assert upcoming_of(joins) == [str(later.id)]
    # A committee role brings the committee meeting; taking it away withdraws it.
    members.assign_role(str(stays_m.id), "committee_member")
    eventually(lambda: invited(committee) == {stays}, "the committee member was never invited")

    # One transfers out to the other branch: withdrawn from this branch's meeting to come, invited there,
    # and still on the roster of the meeting already held (with what they answered).
    with acting_as(leaves):
        life.rsvp(str(later.id), True)
    moving = transfers.request(str(leaves_m.id), elsewhere.id)
    transfers.take_step(str(moving.id), "approve_out")
    transfers.take_step(str(moving.id), "accept_in")
    eventually(lambda: leaves not in invited(later), "the transferred member stayed invited")
    eventually(lambda: leaves in invited(elsewhere_later), "the transferred member was not invited at the new org")
    assert leaves in invited(held) and invitee_count(later) == 2
    assert upcoming_of(leaves) == [str(elsewhere_later.id)]

    # A mobile member hosted by the group is invited to the branch's meeting while the period lasts.
    registration = mobile.register_outflow(str(hosted_m.id), "外地", "", "2026-01-05", "", group.id)
    mobile.accept_inflow(str(registration.id))
    eventually(lambda: hosted in invited(later), "the hosted mobile member was never invited")
    row = life.Attendance.in_tenant(region).filter(meeting_id=str(later.id), account_id=hosted).first()
    assert row.source == rules.HOSTED_MOBILE
    mobile.end_period(str(registration.id))
    eventually(lambda: hosted not in invited(later), "the mobile member stayed invited after the period")
    assert hosted in invited(elsewhere_later)  # their home org's meeting is theirs all along

    # A death is recorded: withdrawn from what is to come.
    members.change_status(str(stays_m.id), "deceased", "")
    eventually(lambda: stays not in invited(later), "the deceased member stayed invited")
    assert stays in invited(held)
    assert invitee_count(later) == len(invited(later)) == 1

    # Done again (a redelivered event, a late one): nothing changes.
    assert life.follow_members(region, [stays, leaves, joins, hosted]) == 0
    assert invited(later) == {joins} and invitee_count(later) == 1


def test_an_imported_roster_is_invited_in_one_event(region, api, identity_events):
    """The bulk event the roster import publishes (memberships_imported) invites everyone it names."""
    tag = secrets.token_hex(3)
    branch = tree.create("demo-committee", f"导入名册支部 {tag}", "branch")
    group = tree.create(branch.id, f"导入名册党小组 {tag}", "group")
    later = meeting(branch.id, now_cst() + dt.timedelta(days=1))
    accounts = people(api, identity_events, 3, region)
    # Memberships stored without per-row events, as the import writes them, then announced in one event.
    rows = [
        Membership(
            tenant=region,
            account_id=account_id,
            display_name=f"导入{n}",
            org_id=group.id,
            org_path=list(group.path),
            status="full",
            status_since="2020-07-01",
            roles=["member"],
        )
        for n, account_id in enumerate(accounts)
    ]

    def write(uow: store.UnitOfWork) -> None:
        uow.insert_many(rows)
        tree.bump(uow, list(group.path), {"full": len(rows)})

    store.atomically(region, write)
    time.sleep(1)
    assert invited(later) == set()  # nothing announced yet
    data = {
        "org_id": branch.id,
        "members": [
            {
                "membership_id": str(m.id),
                "account_id": m.account_id,
                "org_id": m.org_id,
                "status": "full",
                "roles": m.roles,
            }
            for m in rows
        ],
    }
    store.atomically(region, lambda uow: uow.emit(events.SOURCE, events.MEMBERSHIPS_IMPORTED, data))
    eventually(lambda: invited(later) == set(accounts), "the imported members were never invited")
    assert invitee_count(later) == 3
    names = {r.display_name for r in life.Attendance.in_tenant(region).filter(meeting_id=str(later.id))}
    assert names == {"导入0", "导入1", "导入2"}


def test_my_meetings_page_by_end_time_with_ties(region, api, identity_events):
    tag = secrets.token_hex(3)
    branch = tree.create("demo-committee", f"分页支部 {tag}", "branch")
    (me_id,) = people(api, identity_events, 1, region)
    members.add(branch.id, me_id, "full", "2020-07-01")
    soon = now_cst() + dt.timedelta(days=1)
    past = meeting(branch.id, now_cst() - dt.timedelta(hours=5))
    # Five meetings ending at the same moment (ties broken by id), one later, one earlier.
    same = [meeting(branch.id, soon) for _ in range(5)]
    last = meeting(branch.id, soon + dt.timedelta(days=1))
    first = meeting(branch.id, soon - dt.timedelta(hours=2))
    expected_upcoming = [str(first.id), *sorted(str(m.id) for m in same), str(last.id)]

    def walk(upcoming: bool, size: int) -> list[str]:
        seen, cursor = [], ""
        with acting_as(me_id):
            while True:
                pairs, cursor = life.my_meetings(upcoming, size, cursor)
                assert len(pairs) == size or not cursor
                seen += [str(m.id) for m, _ in pairs]
                if not cursor:
                    return seen

    for size in (1, 2, 3, 7, 50):
        assert walk(True, size) == expected_upcoming
        assert walk(False, size) == [str(past.id), *expected_upcoming]
    with acting_as(me_id), pytest.raises(DomainError) as caught:
        life.my_meetings(True, 2, "not-a-cursor")
    assert caught.value.field == "cursor"


def test_a_role_taken_away_withdraws_the_committee_meeting(region, api, identity_events):
    branch = tree.create("demo-committee", f"名册委员支部 {secrets.token_hex(3)}", "branch")
    (member,) = people(api, identity_events, 1, region)
    membership = members.add(branch.id, member, "full", "2020-07-01")
    committee = meeting(branch.id, now_cst() + dt.timedelta(days=3), rules.COMMITTEE_MEETING)
    members.assign_role(str(membership.id), "committee_member")
    eventually(lambda: invited(committee) == {member}, "the committee member was never invited")
    members.remove_role(str(membership.id), "committee_member")
    eventually(lambda: invited(committee) == set(), "the former committee member stayed invited")
    assert invitee_count(committee) == 0
