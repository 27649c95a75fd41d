"""The org tree and memberships through the gateway: structure, pipeline, counts, roles, dues, permissions."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest

from tests.conftest import Person, login, register

pytestmark = pytest.mark.e2e

TODAY = dt.date.today()


def years_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=366 * n + 2)).isoformat()


def ok(reply, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def error(reply, status: int) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()["error"]


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def new_org(api, who: Person, parent: str, org_type: str, name: str | None = None, **extra) -> dict:
    body = {"parent_id": parent, "name": name or f"测试组织-{uuid.uuid4().hex[:6]}", "type": org_type, **extra}
    return ok(api.post("/api/v1/orgs", json=body, headers=who.auth), 201)


def add_member(api, who: Person, org_id: str, person: Person, status: str = "full", since: str = "") -> dict:
    """Add person to org_id (orgs hears of new accounts from identity's event a moment after sign-up)."""
    body = {"account_id": person.account_id, "status": status, "effective_on": since or years_ago(3)}
    reply = eventually(
        lambda: (r := api.post(f"/api/v1/orgs/{org_id}/members", json=body, headers=who.auth)).status_code != 404 and r
    )
    return ok(reply, 201)


def make_secretary(api, admin: Person, org_id: str, person: Person) -> Person:
    """Make person secretary of org_id and log them in again: a new token carries the new grant."""
    membership = add_member(api, admin, org_id, person)
    ok(api.post(f"/api/v1/memberships/{membership['id']}/roles", json={"role": "secretary"}, headers=admin.auth))
    allowed = eventually(
        lambda: (
            api.get("/api/v1/authz/check", params={"action": "member.manage", "org_id": org_id}, headers=person.auth)
            .json()
            .get("allowed")
        )
    )
    assert allowed, "identity never granted the role that orgs announced"
    fresh = login(api, person.phone, person.password)
    return Person(person.phone, person.password, person.account_id, fresh["access_token"], fresh["refresh_token"])


@pytest.fixture
def branch_tree(api, admin):
    """committee > (branch A > group A1), (branch B) — a fresh piece of the tree per test."""
    committee = new_org(api, admin, "demo-committee", "committee", "测试街道党委")
    branch_a = new_org(api, admin, committee["id"], "branch", "甲支部", category="enterprise")
    group_a1 = new_org(api, admin, branch_a["id"], "group", "甲支部第一小组")
    branch_b = new_org(api, admin, committee["id"], "branch", "乙支部")
    return {"committee": committee, "a": branch_a, "a1": group_a1, "b": branch_b}


def test_the_tree_keeps_its_shape(api, admin, branch_tree):
    committee, a, a1 = branch_tree["committee"], branch_tree["a"], branch_tree["a1"]
    assert a1["path"] == ["demo-committee", committee["id"], a["id"], a1["id"]]
    misplaced = api.post(
        "/api/v1/orgs", json={"parent_id": committee["id"], "name": "小组", "type": "group"}, headers=admin.auth
    )
    assert error(misplaced, 409)["field"] == "parent_id"
    assert (
        error(
            api.post("/api/v1/orgs", json={"parent_id": a["id"], "name": "x", "type": "cell"}, headers=admin.auth), 400
        )["field"]
        == "type"
    )
    ancestors = ok(api.get(f"/api/v1/orgs/{a1['id']}/ancestors", headers=admin.auth))["orgs"]
    assert [o["id"] for o in ancestors] == ["demo-committee", committee["id"], a["id"]]
    subtree = ok(api.get(f"/api/v1/orgs/{committee['id']}/subtree", headers=admin.auth))["orgs"]
    assert {o["id"] for o in subtree} == {committee["id"], a["id"], a1["id"], branch_tree["b"]["id"]}
    groups = ok(api.get(f"/api/v1/orgs/{committee['id']}/subtree", params={"type": "group"}, headers=admin.auth))
    assert [o["id"] for o in groups["orgs"]] == [a1["id"]]
    cycle = api.post(f"/api/v1/orgs/{committee['id']}/move", json={"new_parent_id": a["id"]}, headers=admin.auth)
    assert error(cycle, 409)["field"] == "new_parent_id"


def test_counts_follow_members_and_moves(api, admin, identity_events, branch_tree):
    committee, a, a1, b = (branch_tree[k] for k in ("committee", "a", "a1", "b"))
    people = [register(api, identity_events) for _ in range(3)]
    add_member(api, admin, a["id"], people[0], "full")
    add_member(api, admin, a1["id"], people[1], "probationary", years_ago(0))
    add_member(api, admin, b["id"], people[2], "activist")

    stats = ok(api.get(f"/api/v1/orgs/{committee['id']}/stats", headers=admin.auth))
    assert stats["members_by_status"] == {"full": 1, "probationary": 1, "activist": 1}
    assert stats["orgs_by_type"] == {"committee": 1, "branch": 2, "group": 1}
    demo_before = ok(api.get("/api/v1/orgs/demo-committee/stats", headers=admin.auth))

    # Move the group (and its member) from branch A to branch B.
    moved = ok(api.post(f"/api/v1/orgs/{a1['id']}/move", json={"new_parent_id": b["id"]}, headers=admin.auth))
    assert moved["path"] == ["demo-committee", committee["id"], b["id"], a1["id"]]
    a_stats = ok(api.get(f"/api/v1/orgs/{a['id']}/stats", headers=admin.auth))
    b_stats = ok(api.get(f"/api/v1/orgs/{b['id']}/stats", headers=admin.auth))
    assert a_stats["members_by_status"] == {"full": 1} and a_stats["orgs_by_type"] == {"branch": 1}
    assert b_stats["members_by_status"] == {"activist": 1, "probationary": 1}
    assert b_stats["orgs_by_type"] == {"branch": 1, "group": 1}
    members_b = ok(api.get(f"/api/v1/orgs/{b['id']}/members", params={"subtree": "true"}, headers=admin.auth))
    assert {m["account_id"] for m in members_b["members"]} == {people[1].account_id, people[2].account_id}
    assert ok(api.get("/api/v1/orgs/demo-committee/stats", headers=admin.auth)) == demo_before

    history = ok(api.get(f"/api/v1/orgs/{a1['id']}/history", headers=admin.auth))["changes"]
    assert [c["kind"] for c in history] == ["created", "moved"]
    assert json.loads(history[1]["before_json"])["parent_id"] == a["id"]
    assert history[1]["actor_id"] == admin.account_id


def test_dissolve_needs_an_empty_org_and_merge_moves_everything(api, admin, identity_events, branch_tree):
    committee, a, a1, b = (branch_tree[k] for k in ("committee", "a", "a1", "b"))
    person = register(api, identity_events)
    add_member(api, admin, a["id"], person)
    refused = api.post(f"/api/v1/orgs/{a['id']}/dissolve", json={"reason": "企业注销"}, headers=admin.auth)
    assert error(refused, 409)["code"] == "failed_precondition"

    merged = ok(api.post(f"/api/v1/orgs/{a['id']}/merge", json={"target_id": b["id"]}, headers=admin.auth))
    assert merged["id"] == b["id"]
    assert ok(api.get(f"/api/v1/orgs/{a['id']}", headers=admin.auth))["dissolved"] is True
    assert ok(api.get(f"/api/v1/orgs/{a1['id']}", headers=admin.auth))["parent_id"] == b["id"]
    stats = ok(api.get(f"/api/v1/orgs/{committee['id']}/stats", headers=admin.auth))
    assert stats["members_by_status"] == {"full": 1}
    assert stats["orgs_by_type"] == {"committee": 1, "branch": 1, "group": 1}
    dossier = ok(api.get(f"/api/v1/accounts/{person.account_id}/dossier", headers=admin.auth))
    assert dossier["membership"]["org_id"] == b["id"]

    empty = new_org(api, admin, committee["id"], "branch")
    assert ok(api.post(f"/api/v1/orgs/{empty['id']}/dissolve", json={}, headers=admin.auth))["dissolved"] is True
    assert ok(api.get(f"/api/v1/orgs/{committee['id']}/stats", headers=admin.auth))["orgs_by_type"]["branch"] == 1


def test_the_pipeline_with_dates_and_approvers(api, admin, identity_events, branch_tree):
    a = branch_tree["a"]
    person = register(api, identity_events)
    membership = add_member(api, admin, a["id"], person, "activist", years_ago(2))
    mid = membership["id"]

    def step(to: str, on: str = ""):
        return api.post(
            f"/api/v1/memberships/{mid}/status", json={"to_status": to, "effective_on": on}, headers=admin.auth
        )

    assert error(step("full"), 409)["field"] == "to_status"
    ok(step("development_target"))
    ok(step("probationary"))
    too_early = error(step("full"), 409)
    assert too_early["field"] == "effective_on" and str(TODAY.year + 1) in too_early["message"]
    assert error(step("full", "2999-01-01"), 400)["field"] == "effective_on"
    assert error(step("activist"), 409)["message"] == "不能从“预备党员”直接变为“积极分子”"
    dossier = ok(api.get("/api/v1/accounts/me/dossier", headers=person.auth))["membership"]
    assert [s["status"] for s in dossier["history"]] == ["activist", "development_target", "probationary"]
    assert all(s["approved_by"] == admin.account_id for s in dossier["history"])
    assert dossier["status"] == "probationary" and dossier["status_since"] == TODAY.isoformat()
    stats = ok(api.get(f"/api/v1/orgs/{a['id']}/stats", headers=admin.auth))
    assert stats["members_by_status"] == {"probationary": 1}


def test_one_home_org_per_person(api, admin, identity_events, branch_tree):
    person = register(api, identity_events)
    add_member(api, admin, branch_tree["a"]["id"], person)
    again = api.post(
        f"/api/v1/orgs/{branch_tree['b']['id']}/members",
        json={"account_id": person.account_id, "status": "full"},
        headers=admin.auth,
    )
    assert error(again, 409)["field"] == "account_id"
    unknown = api.post(
        f"/api/v1/orgs/{branch_tree['b']['id']}/members", json={"account_id": "nobody"}, headers=admin.auth
    )
    assert error(unknown, 404)["field"] == "account_id"


def test_roles_in_an_org_become_scoped_grants(api, admin, identity_events, branch_tree):
    a, a1, b = branch_tree["a"], branch_tree["a1"], branch_tree["b"]
    secretary = make_secretary(api, admin, a["id"], register(api, identity_events))
    assert (
        api.get(
            "/api/v1/authz/check", params={"action": "member.manage", "org_id": a1["id"]}, headers=secretary.auth
        ).json()["allowed"]
        is True
    )
    assert (
        api.get(
            "/api/v1/authz/check", params={"action": "member.manage", "org_id": b["id"]}, headers=secretary.auth
        ).json()["allowed"]
        is False
    )
    mine = ok(api.get("/api/v1/accounts/me/dossier", headers=secretary.auth))["membership"]
    assert set(mine["roles"]) == {"member", "secretary"}
    ok(api.delete(f"/api/v1/memberships/{mine['id']}/roles/secretary", headers=admin.auth))
    revoked = eventually(
        lambda: (
            not api.get(
                "/api/v1/authz/check", params={"action": "member.manage", "org_id": a["id"]}, headers=secretary.auth
            ).json()["allowed"]
        )
    )
    assert revoked
    assert (
        error(api.post(f"/api/v1/memberships/{mine['id']}/roles", json={"role": "king"}, headers=admin.auth), 400)[
            "field"
        ]
        == "role"
    )


ACTIONS = {
    "create child branch": lambda api, who, org: api.post(
        "/api/v1/orgs", json={"parent_id": org, "name": "新支部", "type": "group"}, headers=who.auth
    ),
    "list members": lambda api, who, org: api.get(f"/api/v1/orgs/{org}/members", headers=who.auth),
    "stats": lambda api, who, org: api.get(f"/api/v1/orgs/{org}/stats", headers=who.auth),
    "rename": lambda api, who, org: api.patch(f"/api/v1/orgs/{org}", json={"address": "新地址"}, headers=who.auth),
    "arrears": lambda api, who, org: api.get(
        f"/api/v1/orgs/{org}/arrears", params={"as_of_month": "2026-10"}, headers=who.auth
    ),
}


def test_permission_matrix_of_a_branch_secretary(api, admin, identity_events, branch_tree):
    """A secretary of branch A manages A and below; not the committee above, not sibling B."""
    a, a1, b, committee = (branch_tree[k] for k in ("a", "a1", "b", "committee"))
    secretary = make_secretary(api, admin, a["id"], register(api, identity_events))
    member = register(api, identity_events)
    add_member(api, admin, a["id"], member)
    member = Person(
        member.phone, member.password, member.account_id, login(api, member.phone, member.password)["access_token"], ""
    )
    targets = {"own": a["id"], "descendant": a1["id"], "ancestor": committee["id"], "sibling": b["id"]}
    outcomes = {}
    for action, do in ACTIONS.items():
        for relation, org in targets.items():
            if action == "create child branch" and relation in ("descendant", "ancestor", "sibling"):
                continue  # a group sits under a branch only: covered by "own"
            outcomes[(action, relation, "secretary")] = do(api, secretary, org).status_code
            outcomes[(action, relation, "member")] = do(api, member, org).status_code
    for (action, relation, who), status in outcomes.items():
        expected_ok = who == "secretary" and relation in ("own", "descendant")
        assert (status < 300) == expected_ok, (action, relation, who, status)
        if not expected_ok:
            assert status == 403, (action, relation, who, status)


def test_a_member_reads_their_own_dossier_not_others(api, admin, identity_events, branch_tree):
    first, second = register(api, identity_events), register(api, identity_events)
    add_member(api, admin, branch_tree["a"]["id"], first)
    add_member(api, admin, branch_tree["a"]["id"], second)
    assert (
        ok(api.get("/api/v1/accounts/me/dossier", headers=first.auth))["membership"]["account_id"] == first.account_id
    )
    assert api.get(f"/api/v1/accounts/{second.account_id}/dossier", headers=first.auth).status_code == 403


def test_dues_paid_up_to_and_arrears(api, admin, identity_events, branch_tree):
    a = branch_tree["a"]
    payer, debtor = register(api, identity_events), register(api, identity_events)
    m_payer = add_member(api, admin, a["id"], payer, "full", "2026-01-01")
    add_member(api, admin, a["id"], debtor, "full", "2026-06-15")
    for month in ("2026-01", "2026-02", "2026-04"):
        ok(
            api.post(
                f"/api/v1/memberships/{m_payer['id']}/dues",
                json={"month": month, "amount_fen": 2000},
                headers=admin.auth,
            ),
            201,
        )
    assert ok(api.get(f"/api/v1/memberships/{m_payer['id']}", headers=admin.auth))["dues_paid_up_to"] == "2026-02"
    ok(
        api.post(
            f"/api/v1/memberships/{m_payer['id']}/dues",
            json={"month": "2026-03", "amount_fen": 2000},
            headers=admin.auth,
        ),
        201,
    )
    assert ok(api.get(f"/api/v1/memberships/{m_payer['id']}", headers=admin.auth))["dues_paid_up_to"] == "2026-04"
    twice = api.post(
        f"/api/v1/memberships/{m_payer['id']}/dues", json={"month": "2026-03", "amount_fen": 2000}, headers=admin.auth
    )
    assert error(twice, 409)["field"] == "month"
    assert (
        error(
            api.post(
                f"/api/v1/memberships/{m_payer['id']}/dues",
                json={"month": "2026-3", "amount_fen": 1},
                headers=admin.auth,
            ),
            400,
        )["field"]
        == "month"
    )

    report = ok(api.get(f"/api/v1/orgs/{a['id']}/arrears", params={"as_of_month": "2026-08"}, headers=admin.auth))
    owed = {r["membership"]["account_id"]: r["months_owed"] for r in report["arrears"]}
    assert owed == {payer.account_id: 4, debtor.account_id: 3}
    assert report["total_in_arrears"] == 2
    assert len(ok(api.get(f"/api/v1/memberships/{m_payer['id']}/dues", headers=payer.auth))["records"]) == 4


def test_a_move_takes_pending_transfers_along(api, admin, identity_events, branch_tree):
    """Documents that copy an org's path (here a transfer) follow the org when its subtree moves."""
    a, b = branch_tree["a"], branch_tree["b"]
    person = register(api, identity_events)
    add_member(api, admin, a["id"], person)
    requested = ok(api.post("/api/v1/transfers", json={"to_org_id": b["id"]}, headers=person.auth), 201)
    elsewhere = new_org(api, admin, "demo-committee", "committee", "另一街道党委")
    ok(api.post(f"/api/v1/orgs/{a['id']}/move", json={"new_parent_id": elsewhere["id"]}, headers=admin.auth))
    outgoing = ok(
        api.get(f"/api/v1/orgs/{elsewhere['id']}/transfers", params={"direction": "outgoing"}, headers=admin.auth)
    )
    assert [t["id"] for t in outgoing["transfers"]] == [requested["id"]]
