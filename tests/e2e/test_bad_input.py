"""Bad input gets a clear 4xx with a JSON body naming the field: never a 5xx, never a crash."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.conftest import register

pytestmark = pytest.mark.e2e


def assert_error(reply, status: int, code: str, field: str | None = None) -> dict:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"], body
    if field is not None:
        assert body["error"]["field"] == field, body
    assert reply.headers.get("x-request-id")
    return body["error"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "1380000", "password": "Whatever-1"}, "phone"),
        ({"phone": "12800000000", "password": "Whatever-1"}, "phone"),
        ({"phone": "+1 415 555 0100", "password": "Whatever-1"}, "phone"),
        ({"phone": "一三八", "password": "Whatever-1"}, "phone"),
        ({"password": "Whatever-1"}, "phone"),
        ({"phone": "13800000000"}, "password"),
        ({"phone": 13800000000, "password": "Whatever-1"}, "phone"),
        ({"phone": "13800000000", "password": ""}, "password"),
        ({"phone": "13800000000", "password": "x" * 129}, "password"),
        ({"phone": "13800000000", "password": "Whatever-1", "tenant": "beijing"}, "tenant"),
    ],
)
def test_malformed_login_names_the_field(api, payload, field):
    assert_error(api.post("/api/v1/auth/login", json=payload), 400, "invalid_argument", field)


def test_wrong_password_is_a_plain_401(api):
    reply = api.post("/api/v1/auth/login", json={"phone": "13800000000", "password": "Not-the-password-1"})
    assert_error(reply, 401, "invalid_credentials")
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_unknown_phone_looks_like_a_wrong_password(api):
    reply = api.post("/api/v1/auth/login", json={"phone": "13711112222", "password": "Whatever-123"})
    assert_error(reply, 401, "invalid_credentials")


def test_body_that_is_not_json(api):
    reply = api.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(reply, 400, "invalid_argument")
    reply = api.post("/api/v1/auth/login", content=b"[1, 2]", headers={"content-type": "application/json"})
    assert_error(reply, 400, "invalid_argument")


def test_wrong_content_type(api):
    reply = api.post(
        "/api/v1/auth/login",
        content=b"phone=1&password=2",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_error(reply, 415, "unsupported_media_type")


def test_oversized_body(api):
    big = json.dumps({"phone": "13800000000", "password": "x" * 100_000})
    reply = api.post("/api/v1/auth/login", content=big, headers={"content-type": "application/json"})
    error = assert_error(reply, 413, "payload_too_large")
    assert "65536" in error["message"]


def test_oversized_body_without_a_length(api):
    def chunks():
        for _ in range(40):
            yield b"x" * 4096

    reply = api.post("/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"})
    assert_error(reply, 413, "payload_too_large")


def test_missing_token(api):
    assert_error(api.get("/api/v1/me"), 401, "unauthenticated")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer " + "a" * 3000, "Bearer e30.e30.e30"],
)
def test_malformed_token(api, header):
    reply = api.get("/api/v1/me", headers={"Authorization": header})
    assert reply.status_code == 401 and reply.json()["error"]["code"] in ("token_invalid", "unauthenticated")


def test_tampered_token(api, identity_events):
    person = register(api, identity_events)
    header, payload, signature = person.access_token.split(".")
    claims = jwt.decode(person.access_token, options={"verify_signature": False})
    claims["pr"] = ["region_admin"]
    forged_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    reply = api.get("/api/v1/audit", headers={"Authorization": f"Bearer {header}.{forged_payload}.{signature}"})
    assert_error(reply, 401, "token_invalid")
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert_error(api.get("/api/v1/me", headers={"Authorization": f"Bearer {unsigned}"}), 401, "token_invalid")
    hmac_signed = jwt.encode(claims, key="x" * 32, algorithm="HS256", headers={"kid": header})
    assert_error(api.get("/api/v1/me", headers={"Authorization": f"Bearer {hmac_signed}"}), 401, "token_invalid")


def _token(stack, region: str, ttl: int, account_id: str = "000000000000000000000000") -> str:
    issuer = TokenIssuer(stack.layout.keys_dir, region, ttl)
    return issuer.issue(Actor(account_id=account_id, session_id="s")).token


def test_expired_token(api, stack):
    reply = api.get("/api/v1/me", headers={"Authorization": f"Bearer {_token(stack, stack.layout.region, -60)}"})
    assert_error(reply, 401, "token_expired")


def test_token_of_another_region_is_refused(api, stack):
    """Signed with this region's own key, yet naming another region: tenants never mix."""
    reply = api.get("/api/v1/me", headers={"Authorization": f"Bearer {_token(stack, 'beijing', 600)}"})
    assert_error(reply, 403, "wrong_region")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "13800000000", "purpose": "spam"}, "purpose"),
        ({"phone": "abc", "purpose": "login"}, "phone"),
        ({"purpose": "login"}, "phone"),
    ],
)
def test_malformed_code_request(api, payload, field):
    assert_error(api.post("/api/v1/auth/codes", json=payload), 400, "invalid_argument", field)


def test_register_with_a_weak_password_or_a_wrong_code(api):
    weak = api.post("/api/v1/auth/register", json={"phone": "13912345678", "code": "123456", "password": "abcdefgh"})
    assert_error(weak, 400, "invalid_argument", "password")
    wrong = api.post("/api/v1/auth/register", json={"phone": "13912345678", "code": "123456", "password": "Abcdefg-1"})
    assert_error(wrong, 401, "invalid_code", "code")


def test_garbage_refresh_tokens(api):
    for token in ["x", "abc.def", "." * 10, "0" * 32 + "." + "y" * 43]:
        assert_error(
            api.post("/api/v1/auth/refresh", json={"refresh_token": token}),
            401,
            "unauthenticated",
            "refresh_token",
        )


def test_bad_ids_in_paths_and_queries(api, admin):
    assert_error(api.delete("/api/v1/roles/not-an-id", headers=admin.auth), 404, "not_found", "grant_id")
    assert_error(api.get("/api/v1/accounts/zzz/personal-data", headers=admin.auth), 404, "not_found", "account_id")
    assert_error(
        api.get("/api/v1/authz/check", params={"action": "fly", "org_id": "demo-committee"}, headers=admin.auth),
        400,
        "invalid_argument",
        "action",
    )
    assert_error(
        api.get("/api/v1/authz/check", params={"action": "org.read"}, headers=admin.auth),
        400,
        "invalid_argument",
        "org_id",
    )
    assert_error(
        api.get("/api/v1/audit", params={"page_size": 0}, headers=admin.auth),
        400,
        "invalid_argument",
        "page_size",
    )
    grant = api.post("/api/v1/roles", headers=admin.auth, json={"account_id": admin.account_id, "role": "emperor"})
    assert_error(grant, 400, "invalid_argument", "role")
    grant = api.post(
        "/api/v1/roles",
        headers=admin.auth,
        json={"account_id": "nobody", "role": "member", "org_id": "demo-committee"},
    )
    assert_error(grant, 404, "not_found", "account_id")


def test_unknown_route_and_method(api):
    assert_error(api.get("/api/v1/nothing-here"), 404, "not_found")
    assert api.put("/api/v1/auth/login", json={}).status_code == 405


def test_messages_follow_the_readers_language(api):
    zh = api.post("/api/v1/auth/login", json={"phone": "1", "password": "x"})
    en = api.post("/api/v1/auth/login", json={"phone": "1", "password": "x"}, headers={"Accept-Language": "en-US"})
    assert zh.json()["error"]["message"] == "请输入有效的中国大陆手机号码"
    assert en.json()["error"]["message"] == "Enter a valid mainland China mobile number"


def test_request_ids_are_echoed_and_reach_the_service_log(api, stack):
    rid = f"test-{time.time_ns()}"
    reply = api.post(
        "/api/v1/auth/login",
        json={"phone": "13800000000", "password": "Not-it-123"},
        headers={"X-Request-ID": rid},
    )
    assert reply.headers["x-request-id"] == rid
    log = stack.layout.log_dir / "identity.log"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in log.read_text().splitlines() if rid in line]
        if lines:
            break
        time.sleep(0.1)
    assert any(line.get("method", "").endswith("/Login") and line["code"] == "UNAUTHENTICATED" for line in lines)
    assert (
        api.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
        != "bad id with spaces"
    )


def test_openapi_document_and_docs(api):
    spec = api.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/auth/refresh",
        "/api/v1/me",
        "/api/v1/roles",
        "/api/v1/authz/check",
        "/api/v1/audit",
        "/api/v1/accounts/{account_id}/personal-data",
    ):
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    login_responses = paths["/api/v1/auth/login"]["post"]["responses"]
    assert login_responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert api.get("/docs").status_code == 200
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {
        "ready": True,
        "services": {"identity": True, "orgs": True, "content": True, "media": True, "sms": True, "geo": True},
        "live": True,
    }
    assert "jiceng_http_requests_total" in api.get("/metrics").text


def test_federation_refuses_unsigned_requests_and_unknown_regions(api, admin):
    """The test region has a federation key and no peers: peers' routes need a signature, the centre's
    views a central auditor, and a transfer or a mobile period to another region a registered peer."""
    unsigned = api.post("/federation/v1/messages", json={"message_id": "m", "kind": "transfer", "body": {}})
    assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "unauthenticated"
    assert api.get("/federation/v1/stats").status_code == 401
    assert api.get("/api/v1/federation/stats", headers=admin.auth).status_code == 403  # admin, not an auditor
    transfer = api.post("/api/v1/transfers", json={"to_org_id": "x", "to_region": "nowhere"}, headers=admin.auth)
    assert transfer.status_code == 400 and transfer.json()["error"]["field"] == "to_region", transfer.text
    outflow = api.post(
        "/api/v1/mobile-registrations",
        json={"destination": "北京", "left_on": "2026-11-01", "host_region": "nowhere"},
        headers=admin.auth,
    )
    assert outflow.status_code == 400 and outflow.json()["error"]["field"] == "host_org_id", outflow.text
    too_long = api.post("/api/v1/transfers", json={"to_org_id": "x", "to_region": "n" * 33}, headers=admin.auth)
    assert too_long.status_code == 400 and too_long.json()["error"]["field"] == "to_region"


def test_refused_federation_requests_are_rate_limited_per_address(api):
    """Someone probing /federation/v1 gets 401s, then 429 before identity is even asked (a real peer's
    signed requests never fail)."""
    statuses = [api.get("/federation/v1/stats").status_code for _ in range(31)]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429
