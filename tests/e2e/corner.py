"""Helpers for e2e modules that build a corner of the region of their own through the gateway: a client
with an address of its own, an org, a member, and the check of a JSON error."""

from __future__ import annotations

import itertools
import secrets
import time

import httpx

from tests.conftest import Person

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
