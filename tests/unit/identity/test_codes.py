"""services/identity/domain/codes.py: one-time SMS codes (验证码): sending limits and keyed hashes."""

from __future__ import annotations

import datetime as dt

import pytest

from services.identity.domain import codes
from services.identity.domain.codes import CodePolicy, send_wait

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
POLICY = CodePolicy()  # resend after 60 s, 5 per hour
PEPPER = b"p" * 32
PHONE = "13800138000"


def ago(**kw) -> dt.datetime:
    return NOW - dt.timedelta(**kw)


def test_policy_defaults():
    assert POLICY.length == 6
    assert POLICY.resend_after == dt.timedelta(seconds=60)
    assert POLICY.max_per_hour == 5
    assert POLICY.ttl == dt.timedelta(minutes=5)
    assert POLICY.max_attempts == 5


# -- send_wait ------------------------------------------------------------------------------------------


def test_first_code_may_be_sent_at_once():
    assert send_wait([], NOW, POLICY) == 0


def test_resend_interval():
    assert send_wait([ago(seconds=20)], NOW, POLICY) == 40
    assert send_wait([ago(seconds=0)], NOW, POLICY) == 60
    assert send_wait([ago(seconds=60)], NOW, POLICY) == 0
    assert send_wait([ago(seconds=300)], NOW, POLICY) == 0


def test_resend_wait_rounds_up():
    assert send_wait([ago(seconds=59, milliseconds=500)], NOW, POLICY) == 1
    assert send_wait([ago(seconds=10, milliseconds=1)], NOW, POLICY) == 50


def test_resend_interval_counts_from_the_latest_send_whatever_the_order():
    sent = [ago(seconds=10), ago(minutes=30), ago(minutes=5)]
    assert send_wait(sent, NOW, POLICY) == 50
    assert send_wait(list(reversed(sent)), NOW, POLICY) == 50


def test_hourly_cap():
    sent = [ago(minutes=m) for m in (50, 40, 30, 20, 10)]
    # resend interval long past, but five in the last hour: wait until the oldest is an hour old
    assert send_wait(sent, NOW, POLICY) == 10 * 60
    assert send_wait(sent[::-1], NOW, POLICY) == 10 * 60


def test_hourly_cap_lifts_as_sends_age_out():
    sent = [ago(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert send_wait(sent, NOW + dt.timedelta(minutes=10), POLICY) == 0
    assert send_wait(sent, NOW + dt.timedelta(minutes=9, seconds=59), POLICY) == 1


def test_four_in_the_hour_is_under_the_cap():
    sent = [ago(minutes=m) for m in (40, 30, 20, 10)]
    assert send_wait(sent, NOW, POLICY) == 0


def test_sends_older_than_an_hour_do_not_count():
    sent = [ago(minutes=m) for m in (65, 70, 80, 90, 100, 110)]
    assert send_wait(sent, NOW, POLICY) == 0
    sent.append(ago(minutes=1))
    assert send_wait(sent, NOW, POLICY) == 0
    sent.append(ago(seconds=30))
    assert send_wait(sent, NOW, POLICY) == 30  # only the resend interval


def test_over_the_cap_waits_for_the_right_send_to_age_out():
    # six recent sends (more than the cap, e.g. after a policy change): the cap is on the last five
    sent = [ago(minutes=m) for m in (55, 50, 40, 30, 20, 10)]
    assert send_wait(sent, NOW, POLICY) == 10 * 60


def test_the_longer_of_both_limits_wins():
    policy = CodePolicy(resend_after=dt.timedelta(minutes=20), max_per_hour=2)
    sent = [ago(minutes=50), ago(minutes=5)]
    assert send_wait(sent, NOW, policy) == 15 * 60  # resend interval (15 min) beats the cap (10 min)
    sent = [ago(minutes=55), ago(minutes=25)]
    assert send_wait(sent, NOW, policy) == 5 * 60  # cap (5 min); interval already over


# -- generate / digest / matches ------------------------------------------------------------------------


def test_generate():
    generated = [codes.generate(6) for _ in range(200)]
    assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in generated)
    assert len(set(generated)) > 150  # random, not a counter or a constant
    assert codes.generate(4).isdigit() and len(codes.generate(4)) == 4


def test_digest_is_a_keyed_hash():
    d = codes.digest(PEPPER, PHONE, "login", "123456")
    assert len(d) == 64 and int(d, 16) >= 0
    assert "123456" not in d
    assert d == codes.digest(PEPPER, PHONE, "login", "123456")
    others = {
        codes.digest(b"q" * 32, PHONE, "login", "123456"),
        codes.digest(PEPPER, "13800138001", "login", "123456"),
        codes.digest(PEPPER, PHONE, "register", "123456"),
        codes.digest(PEPPER, PHONE, "login", "123457"),
    }
    assert d not in others
    assert len(others) == 4


def test_matches():
    stored = codes.digest(PEPPER, PHONE, "login", "123456")
    assert codes.matches(PEPPER, PHONE, "login", "123456", stored)
    assert not codes.matches(PEPPER, PHONE, "login", "654321", stored)
    assert not codes.matches(PEPPER, PHONE, "register", "123456", stored)  # a code is for one purpose
    assert not codes.matches(PEPPER, "13800138001", "login", "123456", stored)
    assert not codes.matches(b"q" * 32, PHONE, "login", "123456", stored)
    assert not codes.matches(PEPPER, PHONE, "login", "", stored)
    assert not codes.matches(PEPPER, PHONE, "login", "123456", "")


def test_purposes():
    assert set(codes.PURPOSES) == {"login", "register", "reset_password"}
