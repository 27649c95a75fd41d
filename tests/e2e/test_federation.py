"""Federation on real regions: two regions and a central office, each its own database, broker, keys and
gateway on this machine, peers of each other (devstack/federation.py), talking signed HTTP.

Story 4 (a transfer between regions, with the incoming region down for a while and the outgoing one
down and back mid-protocol, its relay killed holding a message: the member has exactly one home at every
observed moment), refused requests
(tampered, replayed, unknown region, a region asking what only the centre may), the central office's
statistics equal to the sum of the regions' own, and its audited person search.

The regions are small (identity, orgs, their workers, the relay and the gateway): what federation touches.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pymongo
import pytest
from cryptography.hazmat.primitives import serialization

from devstack import demo
from devstack import federation as devfed
from devstack.layout import Layout, free_port_base
from devstack.stack import Stack
from kernel import federation as fed
from tests.conftest import ROOT, STACK_ENV, new_phone, tap_events

pytestmark = pytest.mark.e2e

PROCESSES = [
    "mongodb",
    "rabbitmq",
    "federation-relay",
    "identity",
    "identity-worker",
    "orgs",
    "orgs-worker",
    "gateway",
]
SERVING = ["identity", "identity-worker", "orgs", "orgs-worker", "gateway"]  # in the order they start
ACTIVE = ("applicant", "activist", "development_target", "probationary", "full")


@dataclass
class Region:
    stack: Stack
    _client: pymongo.MongoClient | None = None

    @property
    def name(self) -> str:
        return self.stack.layout.region

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.stack.layout.gateway_port}"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=20)

    def db(self, service: str):
        """The service's database of this region, for looking at what happened (one client, closed at the end)."""
        if self._client is None:
            self._client = pymongo.MongoClient(self.stack.env["MONGO_URI"], serverSelectionTimeoutMS=3000)
        return self._client[f"{self.name}_{service}"]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def restart(self, name: str) -> None:
        self.stack.start(self.stack.process(name))

    def go_down(self) -> None:
        """The region stops serving: its gateway and its services go (its database and broker keep the data)."""
        for name in reversed(SERVING):
            self.stop(name)

    def come_back(self) -> None:
        for name in SERVING:
            self.restart(name)

    def stop(self, name: str) -> None:
        self.stack.stop(self.stack.process(name))

    def kill(self, name: str) -> None:
        """kill -9, no goodbye: whatever the process held unacknowledged goes back to the broker."""
        os.killpg(self.stack.pid(name), signal.SIGKILL)
        self.stack.stop(self.stack.process(name))  # reaps it and forgets its pid file


@pytest.fixture(scope="module")
def regions(tmp_path_factory) -> Iterator[dict[str, Region]]:
    bases: set[int] = set()
    while len(bases) < 3:
        bases.add(free_port_base())
    names = ("fedtianjin", "fedbeijing", "fedcentral")
    layouts = [Layout(n, tmp_path_factory.mktemp(n), b) for n, b in zip(names, sorted(bases), strict=True)]
    stacks = [Stack(lay, ROOT, STACK_ENV, only=PROCESSES) for lay in layouts]  # makes each region's key
    devfed.connect(layouts, central="fedcentral")
    try:
        for stack in stacks:
            stack.up()
        demo.seed(stacks[0])
        demo.seed(stacks[1])
        stacks[2].run_tool(
            "-m", "services.identity.manage", "create-admin", "--role", "central_auditor",
            "--phone", devfed.AUDITOR_PHONE, "--password", devfed.AUDITOR_PASSWORD,
        )  # fmt: skip
        regions = {"tianjin": Region(stacks[0]), "beijing": Region(stacks[1]), "central": Region(stacks[2])}
        yield regions
        for region in regions.values():
            region.close()
    finally:
        for stack in stacks:
            stack.down()


def ok(reply: httpx.Response, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def login(region: Region, phone: str, password: str) -> dict[str, str]:
    with region.client() as api:
        body = ok(api.post("/api/v1/auth/login", json={"phone": phone, "password": password}))
    return {"Authorization": f"Bearer {body['access_token']}"}


def admin_of(region: Region) -> dict[str, str]:
    return login(region, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)


def poll(check, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def new_member(region: Region, name: str, org_id: str) -> tuple[str, dict[str, str], str]:
    """Register a person in region and make them a full member of org_id: (phone, auth, account id)."""
    phone, password = new_phone(), "Pass-" + secrets.token_hex(6)
    with tap_events(region.stack.env["AMQP_URI"], "identity") as tap, region.client() as api:
        ok(api.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "register"}))
        code = tap.code_for(phone, "register")
        body = ok(
            api.post(
                "/api/v1/auth/register",
                json={"phone": phone, "code": code, "password": password, "display_name": name},
            ),
            201,
        )
        account_id = body["account"]["id"]
        payload = {"account_id": account_id, "status": "full", "effective_on": "2016-07-01"}
        admin = admin_of(region)
        poll(
            lambda: api.post(f"/api/v1/orgs/{org_id}/members", json=payload, headers=admin).status_code == 201,
            what="orgs to learn of the account",
        )
    return phone, login(region, phone, password), account_id


class HomeWatcher:
    """Looks at both regions' databases every few milliseconds, as an observer of "where is his home":
    the outgoing region's membership while active; else, once its transfer completed, the incoming org it
    names (the dossier on its way or arrived); the incoming region's membership once it exists."""

    def __init__(self, tianjin: Region, beijing: Region, account_id: str, name: str):
        self.t_members = tianjin.db("orgs")["memberships"]
        self.t_transfers = tianjin.db("orgs")["transfers"]
        self.b_members = beijing.db("orgs")["memberships"]
        self.account_id, self.name = account_id, name
        self.observations: list[tuple[str, ...]] = []
        self.problems: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def homes(self) -> list[str]:
        here = self.t_members.find_one({"account_id": self.account_id})
        transfer = self.t_transfers.find_one({"account_id": self.account_id, "to_region": {"$ne": ""}})
        there = self.b_members.find_one({"display_name": self.name})
        homes = []
        if here and here["status"] in ACTIVE:
            homes.append(f"tianjin:{here['org_id']}")
        elif transfer and transfer["state"] == "completed":
            homes.append(f"beijing:{transfer['to_org_id']}")
        if there and there["status"] in ACTIVE:
            homes.append(f"beijing:{there['org_id']}")
        return sorted(set(homes))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                homes = self.homes()
            except pymongo.errors.PyMongoError:
                continue  # a region's database restarting is not an observation
            if len(homes) != 1:
                self.problems.append(f"homes {homes}")
            if not self.observations or self.observations[-1] != tuple(homes):
                self.observations.append(tuple(homes))
            time.sleep(0.02)

    def __enter__(self) -> HomeWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def audit(region: Region, action: str, reader: dict[str, str] | None = None) -> list[dict]:
    """The region's audit entries of one action, read by its admin (or reader: the centre's auditor)."""
    with region.client() as api:
        params = {"action": action, "page_size": 200}
        return ok(api.get("/api/v1/audit", params=params, headers=reader or admin_of(region)))["entries"]


def test_a_transfer_to_another_region_survives_both_regions_going_down_and_keeps_one_home(regions):
    tianjin, beijing = regions["tianjin"], regions["beijing"]
    name = f"刘洋{secrets.token_hex(2)}"
    phone, member, account_id = new_member(tianjin, name, "demo-branch-1")
    t_admin, b_admin = admin_of(tianjin), admin_of(beijing)
    with tianjin.client() as t_api, beijing.client() as b_api, HomeWatcher(tianjin, beijing, account_id, name) as w:
        # The member asks to move to Beijing's demo-branch-2: Tianjin asks Beijing about the org first.
        transfer = ok(
            t_api.post(
                "/api/v1/transfers",
                json={"to_org_id": "demo-branch-2", "to_region": beijing.name, "reason": "工作调动"},
                headers=member,
            ),
            201,
        )
        assert transfer["to_region"] == beijing.name and transfer["to_org_name"] == "示范社区第二党支部"
        # Beijing has it in its incoming list (the relay delivered the request).
        mirror = poll(
            lambda: next(
                (
                    t
                    for t in ok(
                        b_api.get(
                            "/api/v1/orgs/demo-branch-2/transfers", params={"direction": "incoming"}, headers=b_admin
                        )
                    )["transfers"]
                    if t["display_name"] == name
                ),
                None,
            ),
            what="the mirror in Beijing",
        )
        assert mirror["from_region"] == tianjin.name and mirror["state"] == "requested"

        # Beijing goes down; Tianjin keeps serving its own users and approves out.
        beijing.go_down()
        t_transfer = ok(t_api.post(f"/api/v1/transfers/{transfer['id']}/approve_out", json={}, headers=t_admin))
        assert t_transfer["state"] == "approved_out" and t_transfer["letter_no"]
        assert ok(t_api.get(f"/api/v1/transfers/{transfer['id']}", headers=member))["state"] == "approved_out"
        # A call that needs Beijing now fails fast and cleanly, and changes nothing here.
        started = time.monotonic()
        down = t_api.post(
            "/api/v1/transfers", json={"to_org_id": "demo-tower", "to_region": beijing.name}, headers=t_admin
        )
        assert down.status_code == 503 and down.json()["error"]["code"] == "unavailable", down.text
        assert beijing.name in down.json()["error"]["message"] and time.monotonic() - started < 6
        time.sleep(3)  # the relay retries against the closed port meanwhile
        tianjin.kill("federation-relay")  # and dies holding the message: the broker hands it out again
        tianjin.restart("federation-relay")
        beijing.come_back()
        mirror = poll(
            lambda: (
                (m := ok(b_api.get(f"/api/v1/transfers/{mirror['id']}", headers=b_admin)))["state"] == "approved_out"
                and m
            ),
            what="the approval to reach Beijing after its restart",
        )
        assert mirror["letter_no"] == f"{tianjin.name}/{t_transfer['letter_no']}"
        assert mirror["attendance"] is not None
        assert "accept_in" in mirror["allowed_steps"]

        # Beijing's secretary accepts; Tianjin is down when the step is sent, and comes back.
        tianjin.go_down()
        accepted = ok(b_api.post(f"/api/v1/transfers/{mirror['id']}/accept_in", json={}, headers=b_admin))
        assert accepted["awaiting_peer"] == "accept_in" and accepted["state"] == "approved_out"
        again = ok(b_api.post(f"/api/v1/transfers/{mirror['id']}/accept_in", json={}, headers=b_admin))
        assert again["awaiting_peer"] == "accept_in"  # a second click sends nothing new
        time.sleep(3)
        assert tianjin.db("orgs")["memberships"].find_one({"account_id": account_id})["status"] == "full"
        tianjin.come_back()
        poll(
            lambda: ok(b_api.get(f"/api/v1/transfers/{mirror['id']}", headers=b_admin))["state"] == "completed",
            what="the completion to reach Beijing",
        )
    assert not w.problems, w.problems[:5]
    assert w.observations[0] == ("tianjin:demo-branch-1",)
    assert w.observations[-1] == ("beijing:demo-branch-2",)

    # The dossier arrived: history from Tianjin, the arrival step with the attendance, dues, status.
    here = tianjin.db("orgs")["memberships"].find_one({"account_id": account_id})
    there = beijing.db("orgs")["memberships"].find_one({"display_name": name})
    assert here["status"] == "transferred_out"
    assert there["status"] == "full" and there["org_id"] == "demo-branch-2"
    assert there["dues_paid_up_to"] == here["dues_paid_up_to"]
    assert [s["status"] for s in there["history"]][:1] == ["full"]
    assert there["history"][0]["org_id"] == f"{tianjin.name}/demo-branch-1"
    assert there["history"][-1]["attendance"] is not None
    assert t_transfer["letter_no"] in there["history"][-1]["note"]
    # He logs in to Beijing by SMS code (his account was made from the dossier's phone) and sees his transfer.
    b_account = beijing.db("identity")["accounts"].find_one({"phone": phone})
    assert b_account is not None and str(b_account["_id"]) == there["account_id"]
    # Exactly once: one membership in Beijing, one completed transfer on each side.
    assert beijing.db("orgs")["memberships"].count_documents({"display_name": name}) == 1
    assert tianjin.db("orgs")["transfers"].count_documents({"account_id": account_id, "state": "completed"}) == 1
    # Audited on both sides: Tianjin's deliveries and Beijing's admissions, and the other way round.
    assert any(e["target_id"] == f"region:{beijing.name}" for e in audit(tianjin, "federation.out"))
    assert any(e["actor_id"] == f"region:{tianjin.name}" for e in audit(beijing, "federation.in"))
    assert any(e["actor_id"] == f"region:{beijing.name}" for e in audit(tianjin, "federation.in"))
    assert any(e["target_id"] == account_id for e in audit(tianjin, "federation.contact_read"))


def _probe(key_path, keyid: str, to: Region, path: str, nonce: str | None = None, tamper_path: str | None = None):
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    headers = fed.sign(key, keyid, to.name, "GET", path, b"", int(time.time()), nonce)
    with to.client() as api:
        return api.get(tamper_path or path, headers=headers)


def test_tampered_replayed_and_unknown_requests_are_refused_and_audited(regions, tmp_path):
    tianjin, beijing = regions["tianjin"], regions["beijing"]
    key = tianjin.stack.layout.federation_key_path
    path = "/federation/v1/orgs/demo-branch-2"
    nonce = secrets.token_urlsafe(24)
    first = _probe(key, tianjin.name, beijing, path, nonce)
    assert ok(first)["name"] == "示范社区第二党支部"
    replay = _probe(key, tianjin.name, beijing, path, nonce)
    assert replay.status_code == 401 and "replayed" in replay.json()["error"]["message"]
    tampered = _probe(key, tianjin.name, beijing, path, tamper_path="/federation/v1/orgs/demo-branch-1")
    assert tampered.status_code == 401
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(fed.generate_key())
    unknown = _probe(stranger, "shanghai", beijing, path)
    assert unknown.status_code == 401
    impostor = _probe(stranger, tianjin.name, beijing, path)  # claims to be Tianjin with another key
    assert impostor.status_code == 401
    with beijing.client() as api:
        assert api.get(path).status_code == 401  # unsigned
    # Only the central office may ask for statistics.
    central_only = _probe(key, tianjin.name, beijing, "/federation/v1/stats")
    assert central_only.status_code == 403 and central_only.json()["error"]["code"] == "permission_denied"
    denied = [e for e in audit(beijing, "federation.in") if e["outcome"] == "denied"]
    reasons = {e["details"].get("reason") for e in denied}
    assert {"replayed", "signature_invalid", "peer_unknown"} <= reasons


def test_the_central_office_sees_the_sum_of_the_regions_and_keeps_working_when_one_is_down(regions):
    tianjin, beijing, central = regions["tianjin"], regions["beijing"], regions["central"]
    auditor = login(central, devfed.AUDITOR_PHONE, devfed.AUDITOR_PASSWORD)
    own = {}
    for region in (tianjin, beijing):
        with region.client() as api:
            own[region.name] = ok(api.get("/api/v1/orgs/demo-committee/stats", headers=admin_of(region)))
    with central.client() as api:
        merged = ok(api.get("/api/v1/federation/stats", headers=auditor))
        assert merged["unavailable"] == []
        for region in (tianjin, beijing):
            mine = merged["regions"][region.name]
            assert mine["members_by_status"] == {k: v for k, v in own[region.name]["members_by_status"].items() if v}
        for status in ("full", "probationary", "transferred_out"):
            assert merged["total"]["members_by_status"].get(status, 0) == sum(
                own[r.name]["members_by_status"].get(status, 0) for r in (tianjin, beijing)
            )
        assert merged["total"]["orgs_by_type"] == {
            k: sum(own[r.name]["orgs_by_type"].get(k, 0) for r in (tianjin, beijing))
            for k in merged["total"]["orgs_by_type"]
        }
        # Org life of the quarter: each region computes its own, the centre adds them up.
        period = f"{dt.date.today().year}-Q{(dt.date.today().month - 1) // 3 + 1}"
        with_life = ok(api.get("/api/v1/federation/stats", params={"period": period}, headers=auditor))
        reports = {}
        for region in (tianjin, beijing):
            with region.client() as r_api:
                reports[region.name] = ok(
                    r_api.get(
                        "/api/v1/orgs/demo-committee/meeting-compliance",
                        params={"period": period},
                        headers=admin_of(region),
                    )
                )
            life = with_life["regions"][region.name]["life"]
            report = reports[region.name]
            assert life["orgs_required"] == sum(1 for o in report["orgs"] if o["required"]) > 0
            assert life["orgs_missed"] == sum(1 for o in report["orgs"] if o["missed"])
            assert life["invited"] == report["total"]["invited"]
        assert with_life["total"]["life"]["orgs_required"] == sum(
            with_life["regions"][r]["life"]["orgs_required"] for r in reports
        )
        text = json.dumps(with_life, ensure_ascii=False)
        assert "account_id" not in text and "display_name" not in text  # numbers, never the report's members
        bad = api.get("/api/v1/federation/stats", params={"period": "last year"}, headers=auditor)
        assert bad.status_code == 400 and bad.json()["error"]["field"] == "period"
        # A region's admin is no central auditor.
        assert api.get("/api/v1/federation/stats", headers=admin_of(tianjin)).status_code in (401, 403)
        beijing.stop("gateway")
        try:
            started = time.monotonic()
            partial = ok(api.get("/api/v1/federation/stats", headers=auditor))
            assert partial["unavailable"] == [beijing.name]
            assert partial["total"]["members_by_status"] == merged["regions"][tianjin.name]["members_by_status"]
            assert time.monotonic() - started < 10
        finally:
            beijing.restart("gateway")


def test_the_central_auditor_finds_a_person_across_regions_with_a_reason_audited_everywhere(regions):
    tianjin, beijing, central = regions["tianjin"], regions["beijing"], regions["central"]
    auditor = login(central, devfed.AUDITOR_PHONE, devfed.AUDITOR_PASSWORD)
    with central.client() as api:
        no_reason = api.post("/api/v1/federation/people/search", json={"name": "王芳"}, headers=auditor)
        assert no_reason.status_code == 400 and no_reason.json()["error"]["field"] == "reason"
        found = ok(
            api.post(
                "/api/v1/federation/people/search",
                json={"name": "王芳", "reason": "核查组织关系"},
                headers=auditor,
            )
        )
    assert sorted(p["region"] for p in found["people"]) == sorted([tianjin.name, beijing.name])
    assert all(p["org_id"] == "demo-branch-2" and p["home"] for p in found["people"])
    assert all("*" in p["phone_masked"] for p in found["people"])
    for region in (tianjin, beijing):
        entries = [e for e in audit(region, "federation.in") if "people.search" in e["details"].get("subject", "")]
        assert entries and "核查组织关系" in entries[0]["details"]["subject"]
    out = audit(central, "federation.out", auditor)
    assert any(e["details"].get("d_reason") == "核查组织关系" for e in out)


def test_region_statistics_reveal_nothing_personal(regions):
    central = regions["central"]
    auditor = login(central, devfed.AUDITOR_PHONE, devfed.AUDITOR_PASSWORD)
    with central.client() as api:
        merged = ok(api.get("/api/v1/federation/stats", headers=auditor))
    text = json.dumps(merged, ensure_ascii=False)
    assert "王芳" not in text and "138" not in text


def test_a_mobile_member_of_one_region_is_hosted_by_a_branch_of_another_and_invited_to_its_meetings(regions):
    tianjin, beijing = regions["tianjin"], regions["beijing"]
    name = f"流动{secrets.token_hex(2)}"
    phone, member, account_id = new_member(tianjin, name, "demo-branch-1")
    b_admin, t_admin = admin_of(beijing), admin_of(tianjin)
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    meeting_body = {
        "type": "party_lecture",
        "title": "党课",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
        "place": "光华大厦 18 层",
    }
    with tianjin.client() as t_api, beijing.client() as b_api:
        meeting = ok(b_api.post("/api/v1/orgs/demo-tower/meetings", json=meeting_body, headers=b_admin), 201)
        meeting_id = meeting["meetings"][0]["id"]
        unknown = t_api.post(
            "/api/v1/mobile-registrations",
            json={
                "destination": "北京市",
                "left_on": "2026-11-01",
                "host_region": beijing.name,
                "host_org_id": "no-such",
            },
            headers=member,
        )
        assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "host_org_id"
        registration = ok(
            t_api.post(
                "/api/v1/mobile-registrations",
                json={
                    "destination": "北京市朝阳区",
                    "left_on": "2026-11-01",
                    "host_region": beijing.name,
                    "host_org_id": "demo-tower",
                },
                headers=member,
            ),
            201,
        )
        assert registration["host_region"] == beijing.name and registration["host_org_name"] == "光华大厦联合党支部"

        def hosted_here(state: str):
            listed = ok(b_api.get("/api/v1/orgs/demo-tower/mobile-members", params={"side": "host"}, headers=b_admin))
            return next((r for r in listed["registrations"] if r["display_name"] == name and r["state"] == state), None)

        mirror = poll(lambda: hosted_here("outflow_registered"), what="the registration to reach Beijing")
        assert mirror["from_region"] == tianjin.name and mirror["home_org_name"] == "示范社区第一党支部"
        accepted = ok(b_api.post(f"/api/v1/mobile-registrations/{mirror['id']}/accept", json={}, headers=b_admin))
        assert accepted["awaiting_peer"] == "accept_inflow"
        poll(
            lambda: (
                ok(t_api.get(f"/api/v1/mobile-registrations/{registration['id']}", headers=member))["state"] == "hosted"
            ),
            what="Tianjin to take the acceptance",
        )
        hosted = poll(lambda: hosted_here("hosted"), what="Beijing's mirror to be hosted")
        b_account = str(beijing.db("identity")["accounts"].find_one({"phone": phone})["_id"])
        assert hosted["account_id"] == b_account

        def invited() -> bool:
            roster = ok(b_api.get(f"/api/v1/meetings/{meeting_id}/roster", headers=b_admin))
            return any(a["account_id"] == b_account for a in roster["attendance"])

        poll(invited, what="the hosted member on the host branch's coming meeting")
        # Home keeps the member: still one membership, in Tianjin; Beijing has none for them.
        assert tianjin.db("orgs")["memberships"].find_one({"account_id": account_id})["status"] == "full"
        assert beijing.db("orgs")["memberships"].find_one({"account_id": b_account}) is None
        # The period ends at home; Beijing stops inviting them.
        ok(t_api.post(f"/api/v1/mobile-registrations/{registration['id']}/end", json={}, headers=t_admin))
        poll(lambda: hosted_here("ended"), what="the end to reach Beijing")
        poll(lambda: not invited(), what="the member to leave the host's coming meeting")
