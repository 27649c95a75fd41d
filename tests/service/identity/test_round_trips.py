"""Pin the database round trips of identity's hot paths (the local database is the binding limit)."""

from __future__ import annotations

from pathlib import Path

import mongoengine as me
import pytest

from devstack import demo
from kernel import context, store
from services.identity.sessions import Sessions
from services.identity.settings import IdentityConfig
from tests.conftest import CommandLog

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def sessions(stack):
    log = CommandLog()
    config = IdentityConfig(
        region=stack.layout.region,
        mongo_uri=stack.env["MONGO_URI"],
        keys_dir=Path(stack.env["KEYS_DIR"]),
        pii_key=stack.env["PII_KEY"],
        otp_pepper=stack.env["OTP_PEPPER"],
    )
    me.disconnect(alias="default")
    store.connect(config, "identity", event_listeners=[log])
    token = context.bind(context.CallContext(tenant=stack.layout.region))
    yield Sessions(config), log
    context.unbind(token)
    me.disconnect(alias="default")


def test_password_login_costs_four_round_trips(sessions):
    service, log = sessions
    service.login(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)  # warm: a rehash or a lockout reset happen once
    log.commands.clear()
    opened = service.login(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    assert opened.access.token
    assert sorted(log.commands) == sorted(
        ["find accounts", "insert audit_log", "find role_grants", "insert refresh_tokens"]
    ), log.commands


def test_get_me_costs_two_round_trips(sessions, stack):
    service, log = sessions
    opened = service.login(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    actor = context.Actor(account_id=str(opened.account.id))
    token = context.bind(context.CallContext(tenant=stack.layout.region, actor=actor))
    try:
        log.commands.clear()
        account, grants = service.me()
    finally:
        context.unbind(token)
    assert str(account.id) == actor.account_id and grants
    assert sorted(log.commands) == ["find accounts", "find role_grants"], log.commands
