"""geo's core on the real database, without orgs (meetings come from orgs: tests/e2e/test_geo.py): consent
and what it guards, devices and their signed reports, the current city and its aggregates with k, retention,
org places and the nearest-orgs search."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import random
import uuid
from collections.abc import Iterator

import pytest
from bson import ObjectId
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from jiceng.geo.v1 import geo_pb2 as pb
from kernel import context, home_orgs
from kernel.errors import DomainError
from services.geo import (
    checkins,
    consents,
    devices,
    distribution,
    export,
    live,
    places,
    reports,
    retention,
    whereabouts,
)
from services.geo.domain import cells, geometry
from services.geo.domain import reports as signing

pytestmark = pytest.mark.usefixtures("geo_db")

ROOT, BRANCH, OTHER = "root", "branch", "other"
# 滨海 (Tianjin): a dense enough neighbourhood for the searches
HERE = (117.2000, 39.1000)


@pytest.fixture
def tenant() -> str:
    t = f"t{uuid.uuid4().hex[:10]}"
    home_orgs.org_created(t, ROOT, "市委", [ROOT])
    home_orgs.org_created(t, BRANCH, "第一支部", [ROOT, BRANCH])
    home_orgs.org_created(t, OTHER, "第二支部", [ROOT, OTHER])
    return t


@contextlib.contextmanager
def acting(tenant: str, account_id: str, grants: tuple = ()) -> Iterator[None]:
    token = context.bind(context.CallContext(tenant=tenant, actor=context.Actor(account_id=account_id, grants=grants)))
    try:
        yield
    finally:
        context.unbind(token)


class Phone:
    """A member's device: its key pair, registered, signing reports with rising sequence numbers."""

    def __init__(self, tenant: str, account_id: str):
        self.tenant, self.account_id = tenant, account_id
        self.key = Ed25519PrivateKey.generate()
        public = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        with acting(tenant, account_id):
            self.id = devices.register("我的手机", "android", base64.b64encode(public).decode()).id
        self.seq = 0

    def report(self, purpose: str, ref: str, point, accuracy=15.0, division="", at=None, seq=None) -> pb.SignedReport:
        self.seq = seq if seq is not None else self.seq + 1
        at_ms = int((at or dt.datetime.now(dt.UTC)).timestamp() * 1000)
        message = signing.canonical(self.id, self.seq, at_ms, purpose, ref, point[0], point[1], accuracy, "", division)
        return pb.SignedReport(
            device_id=self.id,
            seq=self.seq,
            at_ms=at_ms,
            lng=point[0],
            lat=point[1],
            accuracy_m=accuracy,
            division=division,
            signature=signing.sign(self.key, message),
        )


def refused(fn, key: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn()
    assert caught.value.key == key, caught.value
    return caught.value


def _member(tenant: str, account_id: str, org: str = BRANCH, consent: bool = True) -> Phone:
    home_orgs.home_org(tenant, account_id, org, True)
    phone = Phone(tenant, account_id)
    if consent:
        with acting(tenant, account_id):
            consents.grant("mobile_city", 1)
    return phone


# -- consent --------------------------------------------------------------------------------------------------


def test_consent_is_granted_on_the_current_text_and_revoked_with_history(tenant):
    with acting(tenant, "m1"):
        views, history = consents.listing()
        assert {v.purpose: v.granted for v in views} == {"check_in": False, "mobile_city": False, "live_sharing": False}
        refused(lambda: consents.grant("check_in", 0), "geo_consent_version_stale")
        refused(lambda: consents.grant("tracking", 1), "geo_purpose_invalid")
        assert consents.grant("check_in", 1).granted
        assert consents.grant("check_in", 1).granted  # again: no second record
        assert not consents.revoke("check_in").granted
        views, history = consents.listing()
    assert [(r.purpose, r.action) for r in history] == [("check_in", "revoked"), ("check_in", "granted")]
    assert {v.purpose: v.granted for v in views}["check_in"] is False


def test_no_city_is_kept_without_consent_and_revoking_drops_it(tenant):
    phone = _member(tenant, "m1", consent=False)
    with acting(tenant, "m1"):
        refused(
            lambda: reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="120116")),
            "geo_consent_required",
        )
        assert whereabouts.mine(tenant, "m1") is None
        consents.grant("mobile_city", 1)
        result = reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="120116"))
        assert (result.kept, result.city) == ("city", "120000")  # a municipality: the city is Tianjin itself
        row = whereabouts.Whereabouts._get_collection().find_one({"tenant": tenant, "account_id": "m1"})
        assert "lng" not in row and "lat" not in row and row["cells"]["5000"] == cells.cell_of(*HERE, 5000)
        device = devices.Device.objects(id=phone.id).first()
        assert device.last_fix is None  # not even the device keeps the point of a city report
        consents.revoke("mobile_city")
        assert whereabouts.mine(tenant, "m1") is None
        data = export.my_data()
    assert '"city": null' in data and '"action": "revoked"' in data


# -- devices and signed reports ----------------------------------------------------------------------------------


def test_reports_from_unregistered_tampered_replayed_or_stale_devices_are_refused(tenant):
    phone = _member(tenant, "m1")
    other = _member(tenant, "m2")
    with acting(tenant, "m1"):
        good = phone.report("mobile_city", "", HERE, division="120116")
        tampered = pb.SignedReport()
        tampered.CopyFrom(good)
        tampered.lng += 0.001  # moved after signing
        refused(lambda: reports.report("mobile_city", "", tampered), "geo_signature_invalid")
        forged = pb.SignedReport()
        forged.CopyFrom(good)
        forged.device_id = uuid.uuid4().hex
        refused(lambda: reports.report("mobile_city", "", forged), "geo_device_unknown")
        stolen = other.report("mobile_city", "", HERE, division="120116")  # another person's device
        refused(lambda: reports.report("mobile_city", "", stolen), "geo_device_unknown")
        # signed for another purpose: the signature covers the purpose
        refused(lambda: reports.report("live_sharing", "", good), "geo_signature_invalid")
        reports.report("mobile_city", "", good)
        refused(lambda: reports.report("mobile_city", "", good), "geo_report_replayed")
        old = phone.report(
            "mobile_city", "", HERE, division="120116", at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)
        )
        refused(lambda: reports.report("mobile_city", "", old), "geo_report_stale")
        devices.unregister(phone.id)
        late = phone.report("mobile_city", "", HERE, division="120116")
        refused(lambda: reports.report("mobile_city", "", late), "geo_device_unknown")
    with acting(tenant, "m2"):
        refused(lambda: devices.unregister(phone.id), "geo_device_unknown")


def test_a_device_may_report_twelve_times_a_minute(tenant):
    phone = _member(tenant, "m1")
    with acting(tenant, "m1"):
        for _ in range(12):
            reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="120116"))
        err = refused(
            lambda: reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="120116")),
            "geo_rate_limited",
        )
    assert 1 <= err.params["retry_after"] <= 61


def test_two_reports_racing_with_one_sequence_number_land_once(tenant):
    phone = _member(tenant, "m1")
    with acting(tenant, "m1"):
        first = phone.report("mobile_city", "", HERE, division="120116")
        second = phone.report("mobile_city", "", HERE, division="120101", seq=first.seq)
        v1 = devices.verify(first, "mobile_city", "")
        v2 = devices.verify(second, "mobile_city", "")  # both read the device before either wrote
        whereabouts.report(v1)
        refused(lambda: whereabouts.report(v2), "geo_report_replayed")
        assert whereabouts.mine(tenant, "m1").division == "120116"


# -- aggregates ------------------------------------------------------------------------------------------------------


def test_distribution_withholds_groups_smaller_than_k(tenant):
    crowd = [(f"c{i}", HERE) for i in range(12)]
    few = [(f"f{i}", (117.60, 39.30)) for i in range(3)]  # another 5 km cell, 3 people
    elsewhere = [(f"o{i}", HERE) for i in range(20)]  # in the other branch
    for account, point in crowd + few:
        phone = _member(tenant, account)
        with acting(tenant, account):
            reports.report("mobile_city", "", phone.report("mobile_city", "", point, division="120116"))
    for account, point in elsewhere:
        phone = _member(tenant, account, OTHER)
        with acting(tenant, account):
            reports.report("mobile_city", "", phone.report("mobile_city", "", point, division="130102"))
    with acting(tenant, "sec", (("secretary", BRANCH),)):
        d = distribution.distribution(BRANCH, "cell", 5000, False, "")
        assert [(g.key, g.count) for g in d.groups] == [(cells.cell_of(*HERE, 5000), 12)]
        assert (d.others, d.k, d.total) == (0, 10, 15)  # the 3 are neither shown nor summed (3 < k)
        by_city = distribution.distribution(BRANCH, "city", 0, False, "")
        assert [(g.key, g.name, g.count) for g in by_city.groups] == [("120000", "天津", 15)]
        refused(lambda: distribution.distribution(OTHER, "city", 0, False, ""), "permission_denied")
    with acting(tenant, "sec-root", (("secretary", ROOT),)):
        d = distribution.distribution(ROOT, "city", 0, False, "")
        assert sorted((g.key, g.count) for g in d.groups) == [("120000", 15), ("130100", 20)]
    with acting(tenant, "c0"):  # a member: no aggregates of their org
        refused(lambda: distribution.distribution(BRANCH, "city", 0, False, ""), "permission_denied")


def test_mobile_members_are_counted_by_city(tenant):
    for i in range(11):
        phone = _member(tenant, f"mm{i}")
        whereabouts.set_mobile(tenant, f"mm{i}", True)
        with acting(tenant, f"mm{i}"):
            reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="440305"))
    phone = _member(tenant, "settled")
    with acting(tenant, "settled"):
        reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="440305"))
    whereabouts.set_mobile(tenant, "mm0", False)  # came home
    with acting(tenant, "sec", (("secretary", BRANCH),)):
        d = distribution.distribution(BRANCH, "city", 0, True, "")
    assert [(g.key, g.name, g.count) for g in d.groups] == [("440300", "广东 440300", 10)]


def test_a_city_follows_its_member_to_another_org(tenant):
    phone = _member(tenant, "m1")
    with acting(tenant, "m1"):
        reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="120116"))
    home_orgs.home_org(tenant, "m1", OTHER, True)
    whereabouts.follow_home(tenant, "m1")
    assert whereabouts.mine(tenant, "m1").org_path == [ROOT, OTHER]


# -- retention -------------------------------------------------------------------------------------------------------


def test_the_retention_job_keeps_each_purpose_only_as_long_as_it_needs(tenant):
    now = dt.datetime.now(dt.UTC)

    def check_in(account: str, days_ago: int) -> checkins.CheckIn:
        row = checkins.CheckIn(
            id=ObjectId(),
            tenant=tenant,
            meeting_id=uuid.uuid4().hex,
            org_id=BRANCH,
            account_id=account,
            status="accepted",
            at=now - dt.timedelta(days=days_ago),
            lng=HERE[0],
            lat=HERE[1],
            accuracy_m=10.0,
            created_at=now,
        )
        row.save(force_insert=True)
        return row

    old, recent = check_in("m1", 91), check_in("m1", 89)
    live.LivePoint(
        tenant=tenant,
        meeting_id="over",
        account_id="m1",
        lng=1.0,
        lat=1.0,
        at=now,
        expires_at=now - dt.timedelta(minutes=1),
    ).save()
    live.LivePoint(
        tenant=tenant,
        meeting_id="on",
        account_id="m1",
        lng=1.0,
        lat=1.0,
        at=now,
        expires_at=now + dt.timedelta(days=2),  # a meeting running for days
    ).save()
    phone = _member(tenant, "m2")
    with acting(tenant, "m2"):
        reports.report("mobile_city", "", phone.report("mobile_city", "", HERE, division="120116"))
    swept = retention.run(tenant, now + dt.timedelta(days=1))
    assert swept.check_ins_reduced == 1
    reduced = checkins.CheckIn.objects(id=old.id).first()
    assert (reduced.status, reduced.has_point, reduced.lng, reduced.accuracy_m) == ("accepted", False, None, None)
    assert checkins.CheckIn.objects(id=recent.id).first().has_point
    assert [p.meeting_id for p in live.mine(tenant, "m1")] == ["on"]
    assert whereabouts.mine(tenant, "m2") is not None  # 180 days
    later = retention.run(tenant, now + dt.timedelta(days=181))
    assert later.cities_dropped == 1 and whereabouts.mine(tenant, "m2") is None
    assert retention.run(tenant, now + dt.timedelta(days=181)) == retention.Swept(0, 0, 0, 0)


# -- org places ------------------------------------------------------------------------------------------------------


def _seed_places(tenant: str, n: int, seed: int = 7) -> list[tuple[str, tuple[float, float]]]:
    rnd = random.Random(seed)
    located = []
    for i in range(n):
        point = (HERE[0] + rnd.uniform(-0.15, 0.15), HERE[1] + rnd.uniform(-0.12, 0.12))
        org_id = f"p{i}"
        places.org_created(
            tenant,
            {
                "org_id": org_id,
                "name": f"支部{i}",
                "type": "branch" if i % 3 else "general_branch",
                "path": [ROOT, org_id],
                "location": list(point),
                "address": "",
            },
        )
        located.append((org_id, point))
    return located


def test_nearest_orgs_are_the_truly_nearest_within_the_radius(tenant):
    located = _seed_places(tenant, 600)
    rnd = random.Random(11)
    with acting(tenant, "m1"):
        for _ in range(25):
            probe = (HERE[0] + rnd.uniform(-0.2, 0.2), HERE[1] + rnd.uniform(-0.15, 0.15))
            radius = rnd.choice([300.0, 1500.0, 8000.0, 50000.0])
            limit = rnd.choice([1, 5, 10, 50])
            want = sorted(
                ((geometry.distance_m(probe, p), oid) for oid, p in located if geometry.distance_m(probe, p) <= radius)
            )[:limit]
            got = places.nearest(probe, limit, radius, [])
            assert [o.org_id for o in got] == [oid for _, oid in want], (probe, radius, limit)
        only = places.nearest(HERE, 10, 50000, ["general_branch"])
        assert only and all(o.type == "general_branch" for o in only)
        refused(lambda: places.nearest(HERE, 51, 1000, []), "geo_limit_invalid")
        refused(lambda: places.nearest(HERE, 10, 60000, []), "geo_search_radius_invalid")


def test_org_places_follow_orgs_events_and_the_map_is_geojson(tenant):
    _seed_places(tenant, 30)
    places.org_created(tenant, {"org_id": "nowhere", "name": "无址", "type": "branch", "path": [ROOT, "nowhere"]})
    places.org_updated(tenant, "p0", {"location": [HERE[0], HERE[1]], "name": "改名支部"})
    places.org_moved(tenant, "p0", [ROOT, "p0"], [ROOT, BRANCH, "p0"])
    places.org_gone(tenant, "p1")
    with acting(tenant, "m1"):
        whole = places.org_map("", None, "", 0)
        assert whole.count == 29 and not whole.truncated  # 30 - 1 gone; the one without a location is not drawn
        sub = places.org_map(BRANCH, None, "", 0)
        assert [f["properties"]["name"] for f in sub.geojson["features"]] == ["改名支部"]
        assert sub.geojson["features"][0]["geometry"]["coordinates"] == [HERE[0], HERE[1]]
        boxed = places.org_map("", (HERE[0] - 0.01, HERE[1] - 0.01, HERE[0] + 0.01, HERE[1] + 0.01), "", 0)
        assert "p0" in {f["properties"]["org_id"] for f in boxed.geojson["features"]}
        assert places.org_map("", None, "", 5).truncated
        gcj = places.org_map(BRANCH, None, "gcj02", 0).geojson["features"][0]["geometry"]["coordinates"]
        assert 0.004 < gcj[0] - HERE[0] < 0.008  # the Chinese map's datum is shifted east here
        assert places.nearest(HERE, 1, 100, [])[0].name == "改名支部"
