"""Helpers for e2e modules that build a corner of the region of their own through the gateway: a client
with an address of its own, an org, a member, and the check of a JSON error."""

from __future__ import annotations

import itertools
import secrets
import time

import httpx

from tests.conftest import Person, login, register

API = "/api/v1"
_addresses = itertools.count(1 + secrets.randbelow(2**16))


def client_for(gateway_url: str, timeout: float = 15) -> httpx.Client:
    """A client speaking from an address of its own (the code-sending limit is per address)."""
    address = f"2001:db8:3::{next(_addresses):x}, 10.0.0.1"
    return httpx.Client(base_url=gateway_url, headers={"X-Forwarded-For": address}, timeout=timeout)


def error(reply: httpx.Response, status: int, code: str, field: str | None = None) -> dict:
    """The reply is a JSON error with this status and code (and naming this field); returns its body."""
    assert reply.status_code == status, reply.text
    body = reply.json()["error"]
    assert body["code"] == code, body
    assert body["message"]
    if field is not None:
        assert body["field"] == field, body
    return body


def create_org(http: httpx.Client, admin: Person, parent: str, name: str, org_type: str) -> dict:
    reply = http.post(f"{API}/orgs", json={"parent_id": parent, "name": name, "type": org_type}, headers=admin.auth)
    assert reply.status_code == 201, reply.text
    return reply.json()


def add_member(http: httpx.Client, admin: Person, org_id: str, person: Person, name: str) -> dict:
    """Add as a full member, once orgs has heard of the account (from identity's event)."""
    deadline = time.monotonic() + 15
    while True:
        reply = http.post(
            f"{API}/orgs/{org_id}/members",
            json={"account_id": person.account_id, "status": "full", "display_name": name},
            headers=admin.auth,
        )
        if reply.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert reply.status_code == 201, reply.text
    return reply.json()


def wait_until(check, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def make_secretary(api, tap, admin: Person, org_id: str) -> Person:
    """A new person, member and secretary of org_id, logged in again so the token carries the grant."""
    person = register(api, tap, "书记" + secrets.token_hex(2))

    def add():  # orgs learns accounts from identity's event: 404 person_unknown until then
        reply = api.post(
            f"/api/v1/orgs/{org_id}/members",
            json={"account_id": person.account_id, "status": "full"},
            headers=admin.auth,
        )
        return reply if reply.status_code != 404 else None

    reply = wait_until(add, what="orgs to learn the new account")
    assert reply.status_code == 201, reply.text
    granted = api.post(
        f"/api/v1/memberships/{reply.json()['id']}/roles", json={"role": "secretary"}, headers=admin.auth
    )
    assert granted.status_code == 200, granted.text

    def token_with_grant():
        body = login(api, person.phone, person.password)
        roles = {(g["role"], g["org_id"]) for g in body["account"]["roles"]}
        return body if ("secretary", org_id) in roles else None

    body = wait_until(token_with_grant, what="identity to grant the secretary role")
    return Person(person.phone, person.password, person.account_id, body["access_token"], body["refresh_token"])
