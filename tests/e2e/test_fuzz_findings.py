"""What fuzzing the gateway from its OpenAPI document found (tests/fuzz), kept as plain regression tests:
each was a 500 before its fix, and must stay a 400 naming the field."""

from __future__ import annotations

import pytest

from tests.conftest import register
from tests.e2e.corner import client_for
from tests.e2e.test_bad_input import assert_error

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def person(gateway_url, identity_events):
    with client_for(gateway_url) as http:
        return register(http, identity_events, "模糊回归")


def report(**changes) -> dict:
    fix = {"device_id": "d-1", "seq": 1, "at_ms": 1, "lng": 117.2, "lat": 39.1, "accuracy_m": 5, "signature": "x"}
    return {"purpose": "live_sharing", "report": {**fix, **changes}}


def test_an_integer_too_big_for_the_services_messages_is_a_400_naming_it(api, person):
    # fuzz: POST /api/v1/geo/reports with "at_ms": 7298789813250245525504 → protobuf's ValueError → 500
    reply = api.post("/api/v1/geo/reports", json=report(at_ms=2**63), headers=person.auth)
    assert_error(reply, 400, "invalid_argument", "report.at_ms")
    reply = api.post("/api/v1/geo/reports", json=report(at_ms=-(2**63) - 1), headers=person.auth)
    assert_error(reply, 400, "invalid_argument", "report.at_ms")


def test_an_integer_query_parameter_too_big_for_its_message_field_is_a_400_naming_it(api, person):
    # the same through a query parameter bounded below only (protobuf's ValueError → 500 before)
    reply = api.get("/api/v1/chat/conversations/c-1/messages", params={"before_seq": 10**30}, headers=person.auth)
    assert_error(reply, 400, "invalid_argument", "before_seq")
