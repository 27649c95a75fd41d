"""sms's core on the region's real database, in this process: accepting a send (quotas, rate), resolving it
(phones, opt-outs, no one twice), the queue's leases, retries and expiry, receipts (also those that overtake
their submit's record), replies routed as events, cancelling. Each test has a tenant of its own; the stack's
sender serves only the stack's region, so it never touches these messages."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from kernel import context, home_orgs
from kernel.errors import DomainError
from kernel.outbox import OutboxEvent
from services.sms import messages, mirror, optouts, platform, replies, sends, templates, usage
from services.sms.domain import rules
from services.sms.settings import SmsSettings

DEFAULTS = SmsSettings(sms_org_monthly_quota=100, sms_region_monthly_quota=1000, sms_org_sends_per_hour=3)


pytestmark = pytest.mark.usefixtures("sms_db")


def corner() -> str:
    """r › b1 (ann, bob), r › b2 (cat); ann and cat have phones, bob none. Returns the tenant."""
    t = f"sms-{uuid.uuid4().hex[:8]}"
    home_orgs.org_created(t, "r", "党委", ["r"])
    home_orgs.org_created(t, "b1", "一支部", ["r", "b1"])
    home_orgs.org_created(t, "b2", "二支部", ["r", "b2"])
    for person, org in (("ann", "b1"), ("bob", "b1"), ("cat", "b2")):
        home_orgs.home_org(t, person, org, present=True)
    mirror.phone_registered(t, "ann", "13800000001")
    mirror.phone_registered(t, "cat", "13800000003")
    return t


@contextlib.contextmanager
def officer_of(tenant: str, org_id: str) -> Iterator[None]:
    actor = context.Actor(account_id="sec", grants=(("secretary", org_id),))
    token = context.bind(context.CallContext(tenant=tenant, actor=actor))
    try:
        yield
    finally:
        context.unbind(token)


def template(tenant: str) -> None:
    templates.Template(tenant=tenant, code="rally", name="集会", text="${org}请于${time}集合").save()


def request(org: str = "r", **kw) -> sends.Request:
    return sends.Request(
        org_id=org, kind=rules.MANUAL, template_code="rally", variables={"org": "党委", "time": "明早八点"}, **kw
    )


def test_a_subtree_send_reserves_resolves_and_gives_back_what_nobody_gets():
    t = corner()
    template(t)
    optouts.set_opt_out(t, "13800000003", True, optouts.VIA_SMS)
    with officer_of(t, "r"):
        row = sends.officer_send(request(to_subtree=True, phones=["13900000009"]), DEFAULTS)
    parts = row.parts
    assert row.status == rules.RESOLVING and row.reserved == 4 * parts  # 3 people + 1 number at most
    queued = sends.resolve(t, str(row.id))
    assert queued == 2  # ann, and the listed number; bob has no phone, cat opted out
    dues = [m.due_at for m in messages.Message.in_tenant(t).filter(send_id=str(row.id)).order_by("due_at")]
    assert dues[1] - dues[0] == dt.timedelta(milliseconds=1)  # a millisecond apart: narrow windows
    assert sends.resolve(t, str(row.id)) == 0  # again: nothing more, nothing refunded twice
    fresh = sends.Send.in_tenant(t).get(id=row.id)
    assert (fresh.status, fresh.recipients, fresh.skipped) == (rules.QUEUED, 2, 2)
    month = rules.month_of(dt.datetime.now(dt.UTC))
    assert usage.Usage.in_tenant(t).get(id=usage.usage_id(t, "r", month)).charged == 2 * parts
    assert usage.Usage.in_tenant(t).get(id=usage.usage_id(t, "", month)).charged == 2 * parts


def test_quota_and_rate_refuse_before_anything_is_reserved():
    t = corner()
    template(t)
    phones = [f"1390000{i:04d}" for i in range(101)]
    with officer_of(t, "b1"), pytest.raises(DomainError) as too_many:
        sends.officer_send(request("b1", phones=phones), DEFAULTS)
    assert too_many.value.key == "sms_quota_exceeded"
    assert usage.Usage.in_tenant(t).filter(org_id="").first().charged == 0  # the region's reservation undone
    with officer_of(t, "b1"):
        for _ in range(3):
            sends.officer_send(request("b1", phones=["13900000001"]), DEFAULTS)
        with pytest.raises(DomainError) as rate:
            sends.officer_send(request("b1", phones=["13900000001"]), DEFAULTS)
    assert rate.value.key == "sms_rate_limited"
    with officer_of(t, "b1"), pytest.raises(DomainError) as outside:
        sends.officer_send(request("b1", account_ids=["cat"]), DEFAULTS)  # cat is b2's
    assert outside.value.field == "account_ids[0]"


def test_an_idempotency_key_sends_once():
    t = corner()
    template(t)
    with officer_of(t, "r"):
        first = sends.officer_send(request(phones=["13900000001"], key="k1"), DEFAULTS)
        again = sends.officer_send(request(phones=["13900000001"], key="k1"), DEFAULTS)
    assert first.id == again.id


def _queued(t: str, **kw) -> str:
    template(t)
    with officer_of(t, "r"):
        row = sends.officer_send(request(**kw), DEFAULTS)
    sends.resolve(t, str(row.id))
    return str(row.id)


def test_leases_retries_expiry_and_receipts():
    t = corner()
    send_id = _queued(t, phones=["13900000001", "13900000002"])
    leased = messages.lease(t, 10, 60)
    assert len(leased) == 2 and messages.lease(t, 10, 60) == []  # leased ones are nobody else's
    a, b = leased
    assert messages.retry(t, a, counted=True) == rules.M_QUEUED
    assert messages.lease(t, 10, 60) == []  # backing off
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    again = messages.lease(t, 10, 60, now=later)
    assert [m.id for m in again] == [a.id] and again[0].attempts == 1
    assert messages.retry(t, again[0], counted=True, now=later + dt.timedelta(days=2)) == rules.M_EXPIRED
    # b is submitted in 2 parts (as a long text is); the second part's receipt overtakes the submit's record
    messages.Message.in_tenant(t).filter(id=b.id).update_one(set__parts=2)
    assert messages.receipt(t, "p2", "delivered", "") is None  # kept for the sweep
    assert messages.submitted(t, b.id, ["p1", "p2"])
    assert messages.receipt(t, "p1", "delivered", "") == (send_id, "")  # one part of two
    assert messages.receipt(t, "p1", "delivered", "") == (send_id, "")  # a receipt sent twice counts once
    assert messages.Message.in_tenant(t).get(id=b.id).status == rules.M_SUBMITTED
    assert messages.sweep_receipts(t) == [(send_id, rules.M_DELIVERED)]
    assert messages.Message.in_tenant(t).get(id=b.id).status == rules.M_DELIVERED
    statuses = sorted(m.status for m in messages.Message.in_tenant(t).filter(send_id=send_id))
    assert statuses == [rules.M_DELIVERED, rules.M_EXPIRED]


def test_a_dead_senders_leases_come_back():
    t = corner()
    _queued(t, phones=["13900000001"])
    (m,) = messages.lease(t, 10, 5)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10)
    assert messages.release_stale(t, now=later) == 1
    assert [x.id for x in messages.lease(t, 10, 5, now=later)] == [m.id]


def test_cancelling_stops_what_has_not_gone_and_refunds_it():
    t = corner()
    send_id = _queued(t, phones=["13900000001", "13900000002", "13900000003"])
    (m,) = messages.lease(t, 1, 60)
    messages.submitted(t, m.id, ["x1"])
    with officer_of(t, "r"):
        row = sends.cancel(send_id)
    assert row.n_cancelled == 2  # the sender counts the submitted one (its own move)
    statuses = sorted(m.status for m in messages.Message.in_tenant(t).filter(send_id=send_id))
    assert statuses == [rules.M_CANCELLED, rules.M_CANCELLED, rules.M_SUBMITTED]
    month = rules.month_of(dt.datetime.now(dt.UTC))
    assert usage.Usage.in_tenant(t).get(id=usage.usage_id(t, "r", month)).charged == row.parts
    with officer_of(t, "r"), pytest.raises(DomainError):
        sends.cancel(send_id)


def test_replies_opt_out_and_route_answers_to_the_feature_that_asked():
    t = corner()
    template(t)
    req = request(account_ids=["ann"], reply_feature="meeting", reply_ref="m1")
    with officer_of(t, "r"):
        row = sends.officer_send(req, DEFAULTS)
    sends.resolve(t, str(row.id))
    (m,) = messages.lease(t, 1, 60)
    messages.submitted(t, m.id, ["y1"])
    assert replies.receive(t, "13800000001", "2 出差") == "routed"
    event = OutboxEvent.objects(tenant=t, type="reply_received").first()
    assert event.data == {
        "reply_id": event.data["reply_id"],
        "feature": "meeting",
        "ref": "m1",
        "account_id": "ann",
        "org_id": "r",
        "text": "2 出差",
        "choice": "2",
    }
    assert replies.receive(t, "13900000099", "1") == "unmatched"
    assert replies.receive(t, "13800000001", "退订") == "opt_out"
    assert optouts.opted_out(t, ["13800000001", "13800000003"]) == {"13800000001"}
    assert replies.receive(t, "13800000001", "订阅") == "opt_in"
    assert optouts.opted_out(t, ["13800000001"]) == set()


def test_notifications_forwarded_to_sms_are_paid_by_the_home_org_and_capped_a_day():
    t = corner()
    data = {"account_id": "ann", "kind": "reply", "title": "王芳 回复了你的帖子", "channels": ["push"]}
    assert not platform.notification(t, "e0", data, DEFAULTS)  # not forwarded to sms
    data["channels"] = ["sms", "push"]
    made = [platform.notification(t, f"e{i}", data, DEFAULTS) for i in range(1, rules.NOTIFICATIONS_PER_DAY + 2)]
    assert made == [True] * rules.NOTIFICATIONS_PER_DAY + [False]
    platform.notification(t, "e1", data, DEFAULTS)  # the same event again: the same send
    rows = list(sends.Send.in_tenant(t).filter(kind=rules.NOTIFICATION))
    assert len(rows) == rules.NOTIFICATIONS_PER_DAY
    assert {r.org_id for r in rows} == {"b1"}  # ann's home org pays
    assert rows[0].text == "【基层】王芳 回复了你的帖子。请登录基层查看。回复TD退订"


def test_a_scheduled_send_waits_resolves_when_due_and_cancels_with_a_full_refund():
    t = corner()
    template(t)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    month = rules.month_of(later)
    with officer_of(t, "r"):
        first = sends.officer_send(request(phones=["13900000001"], scheduled_at=later), DEFAULTS)
        second = sends.officer_send(request(phones=["13900000002"], scheduled_at=later), DEFAULTS)
    assert (first.status, second.status) == (rules.SCHEDULED, rules.SCHEDULED)
    charged = usage.Usage.in_tenant(t).get(id=usage.usage_id(t, "r", month)).charged
    assert charged == first.parts + second.parts
    with officer_of(t, "r"):
        assert sends.cancel(str(second.id)).status == rules.CANCELLED
    assert usage.Usage.in_tenant(t).get(id=usage.usage_id(t, "r", month)).charged == first.parts
    assert sends.due_scheduled(t) == []  # not yet
    due = sends.due_scheduled(t, now=later + dt.timedelta(seconds=1))
    assert due == [str(first.id)]
    assert sends.resolve(t, due[0]) == 1
    assert messages.Message.in_tenant(t).filter(send_id=due[0]).count() == 1
    assert messages.Message.in_tenant(t).filter(send_id=str(second.id)).count() == 0


def test_the_lease_walks_a_long_queue_window_by_window_and_finds_late_arrivals():
    t = corner()
    template(t)
    phones = [f"1390001{i:04d}" for i in range(600)]  # resolved a millisecond apart: 600 ms of due times
    plenty = SmsSettings(sms_org_monthly_quota=10_000)
    with officer_of(t, "r"):
        row = sends.officer_send(request(phones=phones[:500]), plenty)
    sends.resolve(t, str(row.id))
    lanes = messages.Lanes()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    got = []
    while batch := messages.lease(t, 128, 60, now=later, lanes=lanes):
        got += batch
    assert len(got) == 500 and len({m.id for m in got}) == 500
    assert [m.phone for m in got] == phones[:500]  # in the order they were queued
    with officer_of(t, "r"):  # queued after the cursor moved on: still found
        more = sends.officer_send(request(phones=phones[500:]), plenty)
    sends.resolve(t, str(more.id))
    even_later = later + dt.timedelta(seconds=2)
    got = []
    while batch := messages.lease(t, 128, 60, now=even_later, lanes=lanes):
        got += batch
    assert [m.phone for m in got] == phones[500:]


def test_a_send_cancelled_while_resolving_queues_nobody_and_gives_everything_back():
    t = corner()
    template(t)
    with officer_of(t, "r"):
        row = sends.officer_send(request(phones=["13900000001", "13900000002"]), DEFAULTS)
        assert sends.cancel(str(row.id)).status == rules.CANCELLED
    assert sends.resolve(t, str(row.id)) == 0
    assert sends.resolve(t, str(row.id)) == 0  # redelivered: nothing twice
    assert messages.Message.in_tenant(t).filter(send_id=str(row.id)).count() == 0
    month = rules.month_of(dt.datetime.now(dt.UTC))
    assert usage.Usage.in_tenant(t).get(id=usage.usage_id(t, "r", month)).charged == 0
    assert usage.Usage.in_tenant(t).get(id=usage.usage_id(t, "", month)).charged == 0
