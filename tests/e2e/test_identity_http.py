"""A person signs up, logs in and is authorized: through the gateway, into identity, on real servers."""

from __future__ import annotations

import pytest

from tests.conftest import Person, login, new_phone, register

pytestmark = pytest.mark.e2e


def error_of(reply) -> dict:
    assert reply.headers["content-type"].startswith("application/json"), reply.text
    body = reply.json()
    assert set(body) == {"error"} and {"code", "message", "field"} <= set(body["error"]), body
    return body["error"]


def test_sign_up_log_in_and_see_yourself(api, identity_events):
    person = register(api, identity_events, display_name="李娜")

    me = api.get("/api/v1/me", headers=person.auth)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["id"] == person.account_id
    assert body["display_name"] == "李娜"
    assert body["phone_masked"] == f"{person.phone[:3]}****{person.phone[-4:]}"
    assert body["has_password"] is True

    again = login(api, person.phone, person.password)
    assert again["account"]["id"] == person.account_id
    registered = identity_events.wait_for(
        lambda m: m["type"] == "account_registered" and m["data"]["account_id"] == person.account_id
    )
    assert person.phone not in str(registered["data"])  # the event carries the masked phone only
    # The full number goes to the sms service alone, in an event of its own.
    phone = identity_events.wait_for(
        lambda m: m["type"] == "phone_registered" and m["data"]["account_id"] == person.account_id
    )
    assert phone["data"] == {"account_id": person.account_id, "phone": person.phone}
    assert phone["source"] == "identity" and phone["tenant"] == registered["tenant"]


def test_announce_publishes_the_phone_again(api, identity_events, stack):
    person = register(api, identity_events)
    first = identity_events.wait_for(
        lambda m: m["type"] == "phone_registered" and m["data"]["account_id"] == person.account_id
    )
    out = stack.run_tool("-m", "services.identity.manage", "announce", "--account", person.account_id)
    assert "announced 1 accounts" in out
    for event_type in ("account_registered", "phone_registered"):
        again = identity_events.wait_for(
            lambda m, t=event_type: (
                m["type"] == t
                and m["data"]["account_id"] == person.account_id
                and m["id"] != first["id"]
                and m["actor_id"] == "manage"
            )
        )
        if event_type == "phone_registered":
            assert again["data"] == {"account_id": person.account_id, "phone": person.phone}


def test_a_phone_registers_once(api, identity_events):
    person = register(api, identity_events)
    reply = api.post("/api/v1/auth/codes", json={"phone": person.phone, "purpose": "register"})
    assert reply.status_code == 409
    assert error_of(reply) | {"message": ""} == {"code": "already_exists", "message": "", "field": "phone"}


def test_refresh_rotates_and_reuse_revokes_the_whole_family(api, identity_events):
    person = register(api, identity_events)
    other_device = login(api, person.phone, person.password)

    first = api.post("/api/v1/auth/refresh", json={"refresh_token": person.refresh_token})
    assert first.status_code == 200, first.text
    rotated = first.json()["refresh_token"]
    assert rotated != person.refresh_token
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {first.json()['access_token']}"}).status_code == 200

    # The spent token comes back (stolen, or replayed): the family ends, the other device's doesn't.
    reused = api.post("/api/v1/auth/refresh", json={"refresh_token": person.refresh_token})
    assert reused.status_code == 401
    assert error_of(reused)["code"] == "refresh_token_reused"
    after = api.post("/api/v1/auth/refresh", json={"refresh_token": rotated})
    assert after.status_code == 401
    assert error_of(after)["code"] == "unauthenticated"
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": other_device["refresh_token"]}).status_code == 200


def test_repeated_failed_logins_lock_the_account(api, identity_events, admin):
    person = register(api, identity_events)
    codes = []
    for _ in range(5):
        reply = api.post("/api/v1/auth/login", json={"phone": person.phone, "password": "Wrong-password-1"})
        codes.append(reply.status_code)
    assert codes[:4] == [401] * 4
    assert codes[4] == 429
    locked = api.post("/api/v1/auth/login", json={"phone": person.phone, "password": person.password})
    assert locked.status_code == 429, "the right password doesn't open a locked account"
    error = error_of(locked)
    assert error["code"] == "account_locked"
    assert 800 <= error["retry_after"] <= 900
    assert int(locked.headers["Retry-After"]) == error["retry_after"]

    audit = api.get("/api/v1/audit", params={"target_id": person.account_id}, headers=admin.auth).json()
    actions = [e["action"] for e in audit["entries"]]
    assert "account.locked" in actions and actions.count("login.failed") == 5


def test_sms_code_login_creates_the_account_on_first_use(api, identity_events):
    phone = new_phone()
    assert api.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "login"}).status_code == 200
    code = identity_events.code_for(phone, "login")
    reply = api.post("/api/v1/auth/login/code", json={"phone": phone, "code": code})
    assert reply.status_code == 200, reply.text
    account = reply.json()["account"]
    assert account["has_password"] is False
    announced = identity_events.wait_for(
        lambda m: m["type"] == "phone_registered" and m["data"]["account_id"] == account["id"]
    )
    assert announced["data"]["phone"] == phone

    # The code is used up, and this account has no password to log in with.
    replay = api.post("/api/v1/auth/login/code", json={"phone": phone, "code": code})
    assert replay.status_code == 401 and error_of(replay)["code"] == "invalid_code"
    no_password = api.post("/api/v1/auth/login", json={"phone": phone, "password": "Anything-123"})
    assert no_password.status_code == 409 and error_of(no_password)["field"] == "password"


def test_wrong_codes_are_counted_and_capped(api, identity_events):
    phone = new_phone()
    api.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "login"})
    code = identity_events.code_for(phone, "login")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        reply = api.post("/api/v1/auth/login/code", json={"phone": phone, "code": wrong})
        assert reply.status_code == 401 and error_of(reply)["field"] == "code"
    capped = api.post("/api/v1/auth/login/code", json={"phone": phone, "code": code})
    assert capped.status_code == 401
    assert capped.json()["error"]["message"] == "验证码错误次数过多，请重新获取"


def test_codes_for_one_phone_are_spaced(api):
    phone = new_phone()
    assert api.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "login"}).status_code == 200
    again = api.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "login"})
    assert again.status_code == 429
    assert 55 <= error_of(again)["retry_after"] <= 60


def test_code_requests_from_one_address_are_rate_limited(api):
    replies = [api.post("/api/v1/auth/codes", json={"phone": new_phone(), "purpose": "login"}) for _ in range(6)]
    assert [r.status_code for r in replies[:5]] == [200] * 5
    assert replies[5].status_code == 429
    assert error_of(replies[5])["code"] == "rate_limited"
    assert int(replies[5].headers["Retry-After"]) >= 1


def test_logout_and_logout_everywhere(api, identity_events):
    person = register(api, identity_events)
    second = login(api, person.phone, person.password)
    third = login(api, person.phone, person.password)

    out = api.post("/api/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
    assert out.json() == {"sessions_revoked": 1}
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}).status_code == 200

    everywhere = api.post("/api/v1/auth/logout-everywhere", headers=person.auth)
    assert everywhere.status_code == 200 and everywhere.json()["sessions_revoked"] == 2
    for token in (person.refresh_token, third["refresh_token"]):
        assert api.post("/api/v1/auth/refresh", json={"refresh_token": token}).status_code == 401


def test_change_and_reset_password(api, identity_events):
    person = register(api, identity_events)
    other = login(api, person.phone, person.password)
    wrong = api.post(
        "/api/v1/auth/password/change",
        headers=person.auth,
        json={"current_password": "Not-my-password-1", "new_password": "New-pass-2026"},
    )
    assert wrong.status_code == 401 and error_of(wrong)["field"] == "current_password"
    weak = api.post(
        "/api/v1/auth/password/change",
        headers=person.auth,
        json={"current_password": person.password, "new_password": "12345678"},
    )
    assert weak.status_code == 400 and error_of(weak)["field"] == "new_password"
    changed = api.post(
        "/api/v1/auth/password/change",
        headers=person.auth,
        json={"current_password": person.password, "new_password": "New-pass-2026"},
    )
    assert changed.status_code == 200
    # Other sessions end; this one goes on.
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 401
    assert api.post("/api/v1/auth/refresh", json={"refresh_token": person.refresh_token}).status_code == 200
    login(api, person.phone, "New-pass-2026")

    api.post("/api/v1/auth/codes", json={"phone": person.phone, "purpose": "reset_password"})
    code = identity_events.code_for(person.phone, "reset_password")
    reset = api.post(
        "/api/v1/auth/password/reset",
        json={"phone": person.phone, "code": code, "new_password": "Reset-pass-2026"},
    )
    assert reset.status_code == 200, reset.text
    assert api.post("/api/v1/auth/login", json={"phone": person.phone, "password": "New-pass-2026"}).status_code == 401
    login(api, person.phone, "Reset-pass-2026")


def grant(api, admin: Person, account_id: str, role: str, org_id: str = ""):
    return api.post(
        "/api/v1/roles", headers=admin.auth, json={"account_id": account_id, "role": role, "org_id": org_id}
    )


def check(api, who: Person, action: str, org_id: str, account_id: str = ""):
    params = {"action": action, "org_id": org_id}
    if account_id:
        params["account_id"] = account_id
    return api.get("/api/v1/authz/check", headers=who.auth, params=params)


def test_a_role_covers_its_org_subtree_and_nothing_else(api, identity_events, admin):
    secretary = register(api, identity_events, display_name="王芳")
    granted = grant(api, admin, secretary.account_id, "secretary", "demo-branch-2")
    assert granted.status_code == 201, granted.text
    assert granted.json()["granted_by"] == admin.account_id

    below = check(api, secretary, "member.manage", "demo-group-2a").json()
    assert below == {"allowed": True, "role": "secretary", "org_id": "demo-branch-2"}
    assert check(api, secretary, "member.manage", "demo-branch-2").json()["allowed"] is True
    assert check(api, secretary, "member.manage", "demo-branch-1").json()["allowed"] is False
    assert check(api, secretary, "member.manage", "demo-community").json()["allowed"] is False
    unknown = check(api, secretary, "member.manage", "no-such-org")
    assert unknown.status_code == 404 and error_of(unknown)["field"] == "org_id"

    # She grants roles inside her subtree, not outside it.
    member = register(api, identity_events)
    assert grant(api, secretary, member.account_id, "member", "demo-group-2a").status_code == 201
    outside = grant(api, secretary, member.account_id, "member", "demo-branch-1")
    assert outside.status_code == 403 and error_of(outside)["code"] == "permission_denied"
    platform = grant(api, secretary, member.account_id, "region_admin")
    assert platform.status_code == 403

    # Revoking takes effect at once in decisions.
    grant_id = granted.json()["id"]
    assert api.delete(f"/api/v1/roles/{grant_id}", headers=admin.auth).status_code == 200
    assert check(api, secretary, "member.manage", "demo-group-2a").json()["allowed"] is False
    audit = api.get("/api/v1/audit", params={"target_id": secretary.account_id}, headers=admin.auth).json()
    assert {"role.granted", "role.revoked"} <= {e["action"] for e in audit["entries"]}


def test_role_changes_are_announced(api, identity_events, admin):
    person = register(api, identity_events)
    granted = grant(api, admin, person.account_id, "committee_member", "demo-tower").json()
    event = identity_events.wait_for(lambda m: m["type"] == "role_granted" and m["data"]["grant_id"] == granted["id"])
    assert event["data"] == {
        "grant_id": granted["id"],
        "account_id": person.account_id,
        "role": "committee_member",
        "org_id": "demo-tower",
    }
    assert event["actor_id"] == admin.account_id


def test_a_new_login_carries_granted_roles_in_the_token(api, identity_events, admin):
    person = register(api, identity_events)
    grant(api, admin, person.account_id, "organization_officer", "demo-community")
    fresh = login(api, person.phone, person.password)
    roles = fresh["account"]["roles"]
    assert [(r["role"], r["org_id"]) for r in roles] == [("organization_officer", "demo-community")]


VALID_ID = "11010519491231002X"


def test_id_card_number_is_masked_and_unmasked_reads_are_audited(api, identity_events, admin):
    person = register(api, identity_events)
    bad = api.put(
        "/api/v1/me/personal-data",
        headers=person.auth,
        json={"real_name": "赵敏", "id_card_number": "110105194912310021"},
    )
    assert bad.status_code == 400 and error_of(bad)["field"] == "id_card_number"
    saved = api.put(
        "/api/v1/me/personal-data",
        headers=person.auth,
        json={"real_name": "赵敏", "id_card_number": VALID_ID.lower()},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["id_card_number"] == "110***********002X"

    mine = api.get("/api/v1/accounts/me/personal-data", headers=person.auth).json()
    assert mine == {
        "account_id": person.account_id,
        "real_name": "赵敏",
        "id_card_number": "110***********002X",
        "unmasked": False,
    }

    no_reason = api.get("/api/v1/accounts/me/personal-data", params={"unmask": "true"}, headers=person.auth)
    assert no_reason.status_code == 400 and error_of(no_reason)["field"] == "reason"

    # Another member may not read it at all; the region admin may, and the read is audited.
    stranger = register(api, identity_events)
    denied = api.get(f"/api/v1/accounts/{person.account_id}/personal-data", headers=stranger.auth)
    assert denied.status_code == 403
    full = api.get(
        f"/api/v1/accounts/{person.account_id}/personal-data",
        params={"unmask": "true", "reason": "组织关系转接核对身份"},
        headers=admin.auth,
    )
    assert full.status_code == 200 and full.json()["id_card_number"] == VALID_ID

    audit = api.get(
        "/api/v1/audit",
        params={"action": "personal_data.read", "target_id": person.account_id},
        headers=admin.auth,
    ).json()["entries"]
    outcomes = {(e["actor_id"], e["details"].get("unmask"), e["outcome"]) for e in audit}
    assert (admin.account_id, "True", "ok") in outcomes
    assert (stranger.account_id, "False", "denied") in outcomes
    assert any(e["details"].get("reason") == "组织关系转接核对身份" for e in audit)


def test_the_audit_log_is_for_admins_and_pages_by_cursor(api, identity_events, admin):
    person = register(api, identity_events)
    assert api.get("/api/v1/audit", headers=person.auth).status_code == 403
    first = api.get("/api/v1/audit", params={"page_size": 2}, headers=admin.auth).json()
    assert len(first["entries"]) == 2 and first["next_cursor"]
    second = api.get(
        "/api/v1/audit", params={"page_size": 2, "cursor": first["next_cursor"]}, headers=admin.auth
    ).json()
    assert {e["id"] for e in first["entries"]}.isdisjoint({e["id"] for e in second["entries"]})
    assert api.get("/api/v1/audit", params={"cursor": "junk"}, headers=admin.auth).status_code == 400


def test_audit_entries_record_the_callers_address(api, identity_events, admin):
    person = register(api, identity_events)
    address = api.headers["X-Forwarded-For"].split(",")[0].strip()
    entries = api.get("/api/v1/audit", params={"target_id": person.account_id}, headers=admin.auth).json()["entries"]
    registered = next(e for e in entries if e["action"] == "account.registered")
    assert registered["details"]["ip"] == address
