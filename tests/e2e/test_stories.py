"""The stories of ../shared/STORIES.md that the services built so far can tell, end to end."""

from __future__ import annotations

import pytest

from tests.conftest import Person, new_phone
from tests.e2e.test_org_import import MEMBER_HEADERS, import_file, xlsx
from tests.e2e.test_orgs import eventually, new_org, ok

pytestmark = pytest.mark.e2e


def code_login(api, tap, phone: str) -> dict:
    assert api.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "login"}).status_code == 200
    reply = api.post("/api/v1/auth/login/code", json={"phone": phone, "code": tap.code_for(phone, "login")})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_story_1_a_secretary_takes_over_a_branch(api, identity_events, admin):
    """Wang Fang becomes secretary of a community's second branch: SMS-code login, her branch only,
    her spreadsheet imported after fixing the rows the report flags, member counts by status."""
    community = new_org(api, admin, "demo-committee", "committee", "和平社区党委")
    branch = new_org(api, admin, community["id"], "branch", "和平社区第二党支部")
    group = new_org(api, admin, branch["id"], "group", "第二党支部第一党小组")
    sibling = new_org(api, admin, community["id"], "branch", "和平社区第一党支部")

    # She has never used the platform: her first SMS-code login creates her account.
    phone = new_phone()
    first = code_login(api, identity_events, phone)
    wang = first["account"]["id"]
    eventually(
        lambda: (
            api.post(
                f"/api/v1/orgs/{branch['id']}/members",
                json={"account_id": wang, "status": "full", "effective_on": "2011-07-01"},
                headers=admin.auth,
            ).status_code
            == 201
        )
    )
    membership = ok(api.get(f"/api/v1/accounts/{wang}/dossier", headers=admin.auth))["membership"]
    # The committee grants her the secretary role.
    ok(api.post(f"/api/v1/memberships/{membership['id']}/roles", json={"role": "secretary"}, headers=admin.auth))

    # Her app's next token refresh carries the role, scoped to her branch and below.
    first_token = {"Authorization": f"Bearer {first['access_token']}"}
    granted = eventually(
        lambda: api.get(
            "/api/v1/authz/check", params={"action": "member.manage", "org_id": branch["id"]}, headers=first_token
        ).json()["allowed"],
        timeout=20,
    )
    assert granted, "identity never granted the secretary role announced by orgs"
    session = ok(api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}))
    assert ("secretary", branch["id"]) in {(r["role"], r["org_id"]) for r in session["account"]["roles"]}
    fang = Person(phone, "", wang, session["access_token"], session["refresh_token"])
    assert api.get(f"/api/v1/orgs/{branch['id']}/stats", headers=fang.auth).status_code == 200
    assert api.get(f"/api/v1/orgs/{group['id']}/members", headers=fang.auth).status_code == 200
    for elsewhere in (sibling["id"], community["id"], "demo-branch-2"):
        assert api.get(f"/api/v1/orgs/{elsewhere}/members", headers=fang.auth).status_code == 403

    # She imports the roster she keeps; the report flags a row; she fixes it and imports again.
    phones = [new_phone() for _ in range(3)]
    rows = [
        MEMBER_HEADERS,
        ["钱二", phones[0], "", branch["id"], "正式党员", "2016-07-01", ""],
        ["孙三", phones[1], "", group["id"], "预备党员", "2025-12-01", ""],
        ["李四", phones[2][:7], "", branch["id"], "积极分子", "2025-03-15", ""],
    ]
    flagged = import_file(api, fang, branch["id"], xlsx({"党员": rows}))
    assert flagged.status_code == 422, flagged.text
    assert [(p["row"], p["column"]) for p in flagged.json()["problems"]] == [(4, "手机号")]
    rows[3][1] = phones[2]
    imported = import_file(api, fang, branch["id"], xlsx({"党员": rows}))
    assert imported.status_code == 200, imported.text

    counts = ok(api.get(f"/api/v1/orgs/{branch['id']}/stats", headers=fang.auth))
    assert counts["members_by_status"] == {"full": 2, "probationary": 1, "activist": 1}
    assert counts["orgs_by_type"] == {"branch": 1, "group": 1}
