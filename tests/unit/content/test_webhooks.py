"""Webhook apps' rules: subscribable events, allowed endpoints, the signature a receiver checks, retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import webhooks as rules

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)


def _field(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == ErrorCode.INVALID_ARGUMENT
    return err.value.field


def test_only_known_events_are_subscribed():
    assert rules.events(["notice_published", "exam_submitted", "notice_published"]) == [
        "notice_published",
        "exam_submitted",
    ]
    assert _field(lambda: rules.events([])) == "events"
    assert _field(lambda: rules.events(["chat_message_sent"])) == "events"  # private conversations never leave


def test_endpoints_are_https_and_not_inside_private_networks():
    assert rules.endpoint(" https://hooks.example.cn/jiceng?key=1 ") == "https://hooks.example.cn/jiceng?key=1"
    for bad in ("http://hooks.example.cn/", "ftp://x.cn/", "https://", "https://user:pw@x.cn/", "javascript:x"):
        assert _field(lambda b=bad: rules.endpoint(b)) == "endpoint", bad
    for private in ("https://127.0.0.1/", "https://10.1.2.3/", "https://169.254.169.254/", "https://[::1]/"):
        assert _field(lambda p=private: rules.endpoint(p)) == "endpoint", private
    assert rules.endpoint("http://127.0.0.1:8080/hook", allow_private=True) == "http://127.0.0.1:8080/hook"
    assert rules.public(ipaddress.ip_address("203.0.113.1")) is False  # documentation range: reserved
    assert rules.public(ipaddress.ip_address("1.1.1.1")) is True


def test_a_receiver_recomputes_the_signature_over_the_raw_body():
    body = '{"type":"notice_published","data":{"title":"通知"}}'.encode()
    header = rules.signature("s3cret", 1_764_000_000, body)
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(b"s3cret", f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert t == "1764000000" and v1 == expected
    assert rules.signature("other", 1_764_000_000, body) != header
    assert rules.signature("s3cret", 1_764_000_001, body) != header  # the time is signed too: no replays


def test_failed_tries_back_off_then_give_up():
    waits = [(rules.next_try(n, NOW) - NOW).total_seconds() for n in range(1, len(rules.BACKOFF) + 1)]
    assert waits == list(rules.BACKOFF) and waits == sorted(waits)
    assert rules.next_try(len(rules.BACKOFF) + 1, NOW) is None
