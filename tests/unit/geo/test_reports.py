"""Signed device reports: the canonical bytes, Ed25519 keys and signatures, seq, accuracy, clock skew and the
per-device rate window."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kernel.errors import DomainError, ErrorCode
from services.geo.domain import reports
from services.geo.domain.reports import Window

pytestmark = pytest.mark.unit

NOW = dt.datetime(2025, 5, 1, 9, 0, tzinfo=dt.UTC)
NOW_MS = int(NOW.timestamp() * 1000)


@dataclasses.dataclass(frozen=True)
class Fields:
    device_id: str = "dev-1"
    seq: int = 7
    at_ms: int = NOW_MS
    purpose: str = "check_in"
    ref: str = "meeting-1"
    lng: float = 116.397128
    lat: float = 39.916527
    accuracy_m: float = 12.5
    datum: str = "wgs84"
    division: str = "110101"

    def canonical(self) -> bytes:
        return reports.canonical(**dataclasses.asdict(self))


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_b64(private: Ed25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def test_the_canonical_form_is_one_field_a_line():
    assert Fields().canonical() == (
        b"jiceng-geo-1\ndev-1\n7\n" + str(NOW_MS).encode() + b"\ncheck_in\nmeeting-1\n"
        b"116.3971280\n39.9165270\n12.5\nwgs84\n110101"
    )
    assert Fields(ref="", division="").canonical().endswith(b"\n\n116.3971280\n39.9165270\n12.5\nwgs84\n")
    assert "会议" in Fields(ref="会议").canonical().decode("utf-8")


def test_a_signature_verifies(key):
    public = reports.check_public_key(public_b64(key))
    message = Fields().canonical()
    assert reports.verify(public, message, reports.sign(key, message))


@pytest.mark.parametrize(
    "change",
    [
        {"device_id": "dev-2"},
        {"seq": 8},
        {"at_ms": NOW_MS + 1},
        {"purpose": "live_sharing"},
        {"ref": "meeting-2"},
        {"lng": 116.3971281},
        {"lat": 39.9165271},
        {"accuracy_m": 12.6},
        {"datum": "gcj02"},
        {"division": "110102"},
    ],
)
def test_a_change_to_any_field_fails(key, change):
    public = reports.check_public_key(public_b64(key))
    signature = reports.sign(key, Fields().canonical())
    assert not reports.verify(public, dataclasses.replace(Fields(), **change).canonical(), signature)


def test_a_changed_byte_or_another_key_fails(key):
    public = reports.check_public_key(public_b64(key))
    message = Fields().canonical()
    signature = reports.sign(key, message)
    for i in range(len(message)):
        changed = bytearray(message)
        changed[i] ^= 0x01
        assert not reports.verify(public, bytes(changed), signature), i
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 0x80
    assert not reports.verify(public, message, base64.b64encode(bytes(raw)).decode())
    other = reports.check_public_key(public_b64(Ed25519PrivateKey.generate()))
    assert not reports.verify(other, message, signature)


def test_a_malformed_signature_is_false_not_an_error(key):
    public = reports.check_public_key(public_b64(key))
    message = Fields().canonical()
    signature = reports.sign(key, message)
    for bad in ("", "not base64!", signature[:-4], base64.b64encode(b"x" * 63).decode(), signature + "AAAA", "签名"):
        assert not reports.verify(public, message, bad), bad
    assert not reports.verify(b"short", message, signature)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not base64!",
        base64.b64encode(b"x" * 31).decode(),
        base64.b64encode(b"x" * 33).decode(),
        base64.b64encode(b"x" * 64).decode(),
        "公钥",
        None,
    ],
)
def test_a_malformed_public_key_is_refused(bad):
    with pytest.raises(DomainError) as caught:
        reports.check_public_key(bad)
    assert (caught.value.code, caught.value.key, caught.value.field) == (
        ErrorCode.INVALID_ARGUMENT,
        "geo_public_key_invalid",
        "public_key",
    )


def test_seq():
    assert reports.check_seq(1) == 1
    assert reports.check_seq(2**62) == 2**62
    for bad in (0, -1, 2**62 + 1, True, 1.0):
        with pytest.raises(DomainError) as caught:
            reports.check_seq(bad)
        assert (caught.value.key, caught.value.field) == ("geo_seq_invalid", "report.seq")


def test_accuracy():
    assert reports.check_accuracy(0.1) == 0.1
    assert reports.check_accuracy(5000) == 5000.0
    for bad in (0, -3, 5000.1, float("nan"), float("inf")):
        with pytest.raises(DomainError) as caught:
            reports.check_accuracy(bad)
        assert (caught.value.key, caught.value.field) == ("geo_accuracy_invalid", "report.accuracy_m")
    assert reports.CHECK_IN_MAX_ACCURACY_M == 200.0


def test_time_within_five_minutes_either_way():
    assert reports.check_time(NOW_MS, NOW) == NOW
    taken = reports.check_time(NOW_MS - 123_456, NOW)
    assert taken == NOW - dt.timedelta(milliseconds=123_456)
    assert taken.tzinfo is not None and taken.utcoffset() == dt.timedelta(0)
    five = 5 * 60 * 1000
    assert reports.check_time(NOW_MS - five, NOW) == NOW - reports.MAX_SKEW
    assert reports.check_time(NOW_MS + five, NOW) == NOW + reports.MAX_SKEW
    for bad in (NOW_MS - five - 1, NOW_MS + five + 1, 0, 2**63 - 1, -(2**63)):
        with pytest.raises(DomainError) as caught:
            reports.check_time(bad, NOW)
        assert (caught.value.code, caught.value.key, caught.value.field) == (
            ErrorCode.FAILED_PRECONDITION,
            "geo_report_stale",
            "report.at_ms",
        )


def test_twelve_reports_a_minute_are_admitted():
    window = Window(start=None, count=0)
    for i in range(reports.REPORTS_PER_MINUTE):
        admitted = reports.admit(window, NOW + dt.timedelta(seconds=i * 4))
        assert admitted is not None, i
        window = admitted
    assert window == Window(start=NOW, count=12)
    assert reports.admit(window, NOW + dt.timedelta(seconds=50)) is None
    assert reports.admit(window, NOW + dt.timedelta(seconds=59.999)) is None
    later = NOW + dt.timedelta(seconds=60)
    assert reports.admit(window, later) == Window(start=later, count=1)


def test_a_refused_report_does_not_move_the_window():
    full = Window(start=NOW, count=12)
    assert reports.admit(full, NOW + dt.timedelta(seconds=30)) is None
    assert reports.admit(full, NOW + dt.timedelta(seconds=61)) == Window(start=NOW + dt.timedelta(seconds=61), count=1)
