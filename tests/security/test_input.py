"""Oversized and malformed input at the main endpoints: a 4xx JSON error naming the field, never a 5xx or a
hang. The sampled bodies come from the gateway's own OpenAPI document."""

from __future__ import annotations

import json

import pytest

from tests.conftest import new_phone
from tests.e2e.corner import client_for
from tests.security import probes
from tests.security.surface import Surface, fill, json_error
from tests.security.world import build

pytestmark = pytest.mark.security

# The main endpoints that take text: every string of their body is made huge in turn.
MAIN = (
    "POST /api/v1/posts",
    "POST /api/v1/posts/{post_id}/comments",
    "POST /api/v1/chat/conversations/{conversation_id}/messages",
    "POST /api/v1/orgs/{org_id}/notices",
    "POST /api/v1/orgs/{org_id}/meetings",
    "POST /api/v1/service-requests",
    "POST /api/v1/orgs/{org_id}/knowledge/questions",
    "POST /api/v1/boards/{board_id}/threads",
    "POST /api/v1/network/contacts",
    "PATCH /api/v1/orgs/{org_id}",
    "POST /api/v1/orgs/{org_id}/courses",
)
LIMIT = 64 * 1024  # gateway/settings.py max_body_bytes
LONG_TEXTS = {"text", "body", "agenda", "summary", "note"}  # limits of their own, over 20,000 characters


@pytest.fixture(scope="module")
def world(stack, gateway_url, identity_events, tmp_path_factory):
    w = build(stack, gateway_url, identity_events, tmp_path_factory.mktemp("security-input"))
    yield w
    w.http.close()


@pytest.fixture(scope="module")
def surface(world) -> Surface:
    return Surface.fetch(world.http)


def _strings(value, path=()):
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def _set(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    target = value
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = new
    return value


def test_huge_strings_in_every_text_field_name_the_field(world, surface):
    """Each top-level text field of a valid body, in turn, 20,000 CJK characters and 60,000 ASCII ones (under
    the body limit): refused with 400 naming that field, or (the long texts with limits of their own) taken."""
    failures = []
    ops = surface.by_key()
    for key in MAIN:
        op = ops[key]
        base = probes.body(surface, world, op) or {}
        fields = surface.sample(op.body_schema, world.ids, full=True)
        url = fill(op.path, world.ids)
        who = "secV" if any(k in key for k in ("notices", "meetings", "courses", "PATCH")) else "vic"
        for name, value in fields.items():
            if not isinstance(value, str) or name.endswith("_id") or name in ("scope", "type", "category"):
                continue
            for huge in ("字" * 20_000, "x" * 60_000):
                reply = world.call(who, op.method, url, base | {name: huge})
                if reply.status_code < 400 and name in LONG_TEXTS:
                    continue
                if not 400 <= reply.status_code < 500:
                    failures.append(f"{key} {name}: {reply.status_code} {reply.text[:200]}")
                    continue
                error = json_error(reply)
                if reply.status_code == 400 and error.get("field") != name:
                    failures.append(f"{key} {name}: names {error.get('field')}: {error['message']}")
    assert not failures, "\n".join(failures)


def test_bodies_over_the_limit_nested_or_not_json(world):
    url = f"/orgs/{world.orgs['V']}/notices"
    reply = world.call("secV", "POST", url, {"title": "t", "body": "x" * (LIMIT + 1)})
    assert reply.status_code == 413 and json_error(reply)["code"] == "payload_too_large"
    nested = "[" * 50_000 + "]" * 50_000
    for raw, ctype in (
        (nested.encode(), "application/json"),
        (b'{"title": "\xff\xfe", "body": "x"}', "application/json"),
        (b"title=t&body=b", "application/x-www-form-urlencoded"),
        (b"<notice><title>t</title></notice>", "application/xml"),
        (b'{"title": "t", "body": "b"', "application/json"),
        (b"", "application/json"),
        (b"null", "application/json"),
        (b'"just a string"', "application/json"),
    ):
        reply = world.http.post(
            "/api/v1" + url, content=raw, headers={**world.headers("secV"), "content-type": ctype}, timeout=30
        )
        assert 400 <= reply.status_code < 500, (raw[:40], reply.status_code, reply.text[:200])
        json_error(reply)


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": -1},
        {"page_size": 10**12},
        {"page_size": "abc"},
        {"cursor": "!!!not-a-cursor"},
        {"cursor": "A" * 5000},
        {"cursor": "eyJ4IjogMX0="},
        {"cursor": "\x00"},
    ],
)
def test_page_sizes_and_cursors(world, params):
    for url in (f"/orgs/{world.orgs['V']}/notices", "/notifications", "/chat/conversations", "/timelines/home"):
        reply = world.call("secV", "GET", url, params=params)
        assert reply.status_code in (200, 400), (url, params, reply.status_code, reply.text[:200])
        if reply.status_code == 400:
            assert json_error(reply)["field"] in params, reply.text


@pytest.mark.parametrize(
    ("name", "refused"),
    [("支部\u0000名", True), ("支部\u202e名", True), ("支部\x1b[31m名", True), ("支部\u0085名", True),
     ("\u200b支部", False), ("支部👨\u200d👩\u200d👧", False)],
    ids=["nul", "rtl-override", "escape", "c1-next-line", "zero-width-space", "emoji-zwj"],
)  # fmt: skip
def test_control_characters_in_names(world, gateway_url, identity_events, name, refused):
    """An org's name and a person's display name are shown to others: control characters and bidirectional
    overrides are refused naming the field (zero-width joiners, which emoji need, are not)."""
    raw = json.dumps({"name": name}, ensure_ascii=True).encode()
    reply = world.http.patch(
        f"/api/v1/orgs/{world.orgs['V']}",
        content=raw,
        headers={**world.headers("secV"), "content-type": "application/json"},
    )
    if refused:
        assert reply.status_code == 400 and json_error(reply)["field"] == "name", reply.text
    else:
        assert reply.status_code == 200 and reply.json()["name"] == name, reply.text
    with client_for(gateway_url) as http:
        phone = new_phone()
        assert http.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "register"}).status_code == 200
        code = identity_events.code_for(phone, "register")
        body = {"phone": phone, "code": code, "password": "Pass-1234-abcd", "display_name": name}
        reply = http.post("/api/v1/auth/register", json=body)
    if refused:
        assert reply.status_code == 400 and json_error(reply)["field"] == "display_name", reply.text
    else:
        assert reply.status_code == 201, reply.text
