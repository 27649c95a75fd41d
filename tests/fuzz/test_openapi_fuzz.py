"""The gateway fuzzed from its own OpenAPI document (the engine and its rules: tests/fuzz/openapi_fuzz.py).

Callers: nobody (no token), a fresh member of a fresh branch, and that branch's secretary — never the demo
admin, so the shared region stays as other tests expect it (if a fresh member's fuzzing could damage what
others see, that is a security bug). Each caller speaks from a client address of its own, so the per-address
limits (login, codes) are its own; the fresh branch's SMS quota is one part a month, so sends cost nothing.

Briefly here (`make test`, a fixed number of examples per operation and a fixed seed: the same requests each
run); `make fuzz` runs the same with FUZZ_EXAMPLES=… for longer.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable

import pytest

from tests.conftest import Person, login, register
from tests.e2e.corner import API, client_for, create_org, make_secretary, wait_until
from tests.fuzz import openapi_fuzz

pytestmark = pytest.mark.fuzz

# Requests generated per operation, each sent as every caller (a third fit the schema, the rest do not).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))


def make_callers(gateway_url: str, identity_events, admin) -> list[openapi_fuzz.Caller]:
    """Nobody, a fresh member and a fresh secretary of a fresh branch (set up by the admin, who fuzzes nothing)."""
    tag = secrets.token_hex(3)
    with client_for(gateway_url) as http:
        branch = create_org(http, admin, "demo-community", f"模糊测试支部 {tag}", "branch")

        def set_quota():  # sms learns of the branch from orgs' event: 404 until then
            reply = http.put(f"{API}/orgs/{branch['id']}/sms/quota", json={"monthly_quota": 1}, headers=admin.auth)
            return reply if reply.status_code != 404 else None

        quota = wait_until(set_quota, what="sms to learn of the new branch")
        assert quota.status_code == 200, quota.text
        secretary = make_secretary(http, identity_events, admin, branch["id"])
        member = register(http, identity_events, "模糊" + tag)
        added = http.post(
            f"{API}/orgs/{branch['id']}/members",
            json={"account_id": member.account_id, "status": "full"},
            headers=secretary.auth,
        )
        assert added.status_code == 201, added.text

    def address() -> str:
        return f"2001:db8:f::{secrets.randbelow(2**16):x}, 10.0.0.1"  # documentation prefix: never a real host

    def renew(person: Person) -> Callable[[], dict[str, str]]:
        def log_in_again() -> dict[str, str]:
            with client_for(gateway_url) as http:
                return {"Authorization": "Bearer " + login(http, person.phone, person.password)["access_token"]}

        return log_in_again

    fixed = {"org_id": branch["id"]}
    return [
        openapi_fuzz.Caller("anonymous", {"X-Forwarded-For": address()}),
        openapi_fuzz.Caller("member", {"X-Forwarded-For": address(), **member.auth}, fixed, renew(member)),
        openapi_fuzz.Caller("secretary", {"X-Forwarded-For": address(), **secretary.auth}, fixed, renew(secretary)),
    ]


DEMO_ORGS = ("demo-committee", "demo-community", "demo-branch-1", "demo-branch-2", "demo-group-2a")


def region_as_others_see_it(gateway_url: str, admin, own_branch: str) -> dict:
    """What the demo admin reads of the shared region outside the fuzzers' own branch: its orgs, their members,
    notices and posts, the region's SMS settings and templates (reads only, with a fresh login)."""
    seen = {}
    with client_for(gateway_url) as http:
        auth = {"Authorization": "Bearer " + login(http, admin.phone, admin.password)["access_token"]}
        orgs = http.get(f"{API}/orgs/demo-committee/subtree", headers=auth).json()["orgs"]
        seen["orgs"] = sorted((o for o in orgs if own_branch not in o["path"]), key=lambda o: o["id"])
        for org in DEMO_ORGS:
            for what in ("members", "notices", "posts"):
                seen[f"{org} {what}"] = http.get(f"{API}/orgs/{org}/{what}", headers=auth).json()
        for what in ("settings", "templates"):
            seen[f"sms {what}"] = http.get(f"{API}/sms/{what}", headers=auth).json()
    return seen


# Hypothesis warns when the global `random` state changes while it draws a case; here other threads of the test
# process (the broker tap, pymongo's monitors) use `random` at any moment, so the warning came at random (one
# fresh-clone run) though no strategy of ours or schemathesis' uses it.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
def test_every_operation_answers_within_its_documented_contract(gateway_url, identity_events, admin):
    started = time.monotonic()
    schema = openapi_fuzz.load_schema(gateway_url)
    callers = make_callers(gateway_url, identity_events, admin)
    own_branch = callers[-1].path_values["org_id"]
    before = region_as_others_see_it(gateway_url, admin, own_branch)
    failures, counts = openapi_fuzz.fuzz(gateway_url, schema, callers, EXAMPLES, log=print)
    print(f"fuzz: {counts} in {time.monotonic() - started:.0f} s")
    assert counts["operations"] > 300, counts  # the document lists every route
    assert not failures, openapi_fuzz.report(failures)
    # a fresh member and a branch secretary changed nothing that others see outside their branch
    assert region_as_others_see_it(gateway_url, admin, own_branch) == before
