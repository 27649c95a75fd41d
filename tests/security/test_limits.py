"""Rate limits: sign-in attempts per address, one-time codes per phone and per address, searches per account,
an org's SMS quota.
Each answers 429 with Retry-After and a JSON error, and other clients are not slowed down."""

from __future__ import annotations

import pytest

from tests.conftest import STACK_ENV, new_phone
from tests.e2e.corner import client_for
from tests.security.surface import json_error
from tests.security.world import build

pytestmark = pytest.mark.security


def limited(reply) -> dict:
    assert reply.status_code == 429, reply.text
    assert int(reply.headers["retry-after"]) >= 1, reply.headers
    body = json_error(reply)
    assert body["code"] in {"rate_limited", "account_locked"}, body
    return body


def test_sign_in_attempts_per_address(gateway_url):
    limit = int(STACK_ENV["AUTH_RATE_PER_MINUTE"])
    with client_for(gateway_url) as noisy, client_for(gateway_url) as quiet:
        for _ in range(limit):
            reply = noisy.post("/api/v1/auth/login", json={"phone": new_phone(), "password": "Wrong-pass-1"})
            assert reply.status_code == 401, reply.text
        limited(noisy.post("/api/v1/auth/login", json={"phone": new_phone(), "password": "Wrong-pass-1"}))
        limited(noisy.post("/api/v1/auth/refresh", json={"refresh_token": "x.y"}))
        reply = quiet.post("/api/v1/auth/login", json={"phone": new_phone(), "password": "Wrong-pass-1"})
        assert reply.status_code == 401, reply.text


def test_an_account_locks_after_five_wrong_passwords_from_anywhere(gateway_url, identity_events):
    from tests.conftest import register

    with client_for(gateway_url) as http:
        person = register(http, identity_events, "锁定测试")
    for _ in range(5):
        with client_for(gateway_url) as http:
            http.post("/api/v1/auth/login", json={"phone": person.phone, "password": "Wrong-pass-1"})
    with client_for(gateway_url) as fresh:  # another address, the right password: still locked
        body = limited(fresh.post("/api/v1/auth/login", json={"phone": person.phone, "password": person.password}))
        assert body["code"] == "account_locked"


def test_code_requests_per_phone_and_per_address(gateway_url):
    with client_for(gateway_url) as http:
        phone = new_phone()
        assert http.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "register"}).status_code == 200
        body = limited(http.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "register"}))
        assert body["field"] == "phone"
    limit = int(STACK_ENV["CODE_RATE_PER_MINUTE"])
    with client_for(gateway_url) as noisy, client_for(gateway_url) as quiet:
        for _ in range(limit):
            reply = noisy.post("/api/v1/auth/codes", json={"phone": new_phone(), "purpose": "register"})
            assert reply.status_code == 200, reply.text
        limited(noisy.post("/api/v1/auth/codes", json={"phone": new_phone(), "purpose": "register"}))
        assert quiet.post("/api/v1/auth/codes", json={"phone": new_phone(), "purpose": "register"}).status_code == 200


def test_an_orgs_sms_quota(stack, gateway_url, identity_events, tmp_path):
    """Over its monthly quota an org's sends are refused with 429, Retry-After (the next month) and no charge;
    another org's sends go on."""
    w = build(stack, gateway_url, identity_events, tmp_path, False, ("secV", "secU"))
    try:
        w.ok("admin", "PUT", "/sms/templates/quota", {"name": "配额测试", "text": "${note}"})
        w.ok("admin", "PUT", f"/orgs/{w.orgs['V']}/sms/quota", {"monthly_quota": 1})
        send = {"template_code": "quota", "variables": {"note": "通知"}, "phones": [new_phone()]}
        w.ok("secV", "POST", f"/orgs/{w.orgs['V']}/sms/sends", send, 201)
        body = limited(w.call("secV", "POST", f"/orgs/{w.orgs['V']}/sms/sends", send | {"phones": [new_phone()]}))
        assert body["field"] == "org_id"
        w.ok("secU", "POST", f"/orgs/{w.orgs['U']}/sms/sends", send, 201)
    finally:
        w.http.close()


def test_searches_per_account(gateway_url, identity_events):
    """Search is the costliest read: over its per-account rate a caller gets 429 from any address, others don't."""
    from tests.conftest import register

    limit = int(STACK_ENV["SEARCH_RATE_PER_MINUTE"])
    with client_for(gateway_url) as http, client_for(gateway_url) as elsewhere:
        busy, calm = register(http, identity_events, "搜索甲"), register(http, identity_events, "搜索乙")
        for _ in range(limit):
            reply = http.get("/api/v1/search", params={"q": "学习"}, headers=busy.auth)
            assert reply.status_code == 200, reply.text
        limited(elsewhere.get("/api/v1/search", params={"q": "学习"}, headers=busy.auth))
        assert http.get("/api/v1/search", params={"q": "学习"}, headers=calm.auth).status_code == 200
