"""Signing keys rotate without logging anyone out: old tokens verify until they expire."""

from __future__ import annotations

import jwt
import pytest

from tests.conftest import login, register

pytestmark = pytest.mark.e2e


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(api, stack, identity_events):
    person = register(api, identity_events)
    old_kid = jwt.get_unverified_header(person.access_token)["kid"]

    stack.run_tool("-m", "services.identity.manage", "rotate-key")
    identity = stack.process("identity")
    stack.stop(identity)
    stack.start(identity)

    fresh = login(api, person.phone, person.password)
    new_kid = jwt.get_unverified_header(fresh["access_token"])["kid"]
    assert new_kid != old_kid and new_kid > old_kid
    # The gateway and identity learn the new key from jwks.json without a restart of their own.
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}).status_code == 200
    assert api.get("/api/v1/me", headers=person.auth).status_code == 200
    kids = {k["kid"] for k in api.get("/.well-known/jwks.json").json()["keys"]}
    assert {old_kid, new_kid} <= kids
