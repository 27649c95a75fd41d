"""Calls' rules: TURN credentials of coturn's REST-API scheme, the mesh's capacity, invitees, signals and a
meeting room's window."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.media.domain import calls as rules

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)


def _refused(call) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    return err.value


# -- TURN credentials ------------------------------------------------------------------------------------


def test_turn_credentials_follow_coturns_rest_api_scheme():
    creds = rules.turn_credentials("s3cret", "acc-1", 1_700_000_000.7, 3600)
    assert creds.username == "1700003600:acc-1" and creds.expires_at == 1_700_003_600
    # `printf %s 1700003600:acc-1 | openssl dgst -sha1 -hmac s3cret -binary | base64`
    assert creds.credential == "SpSx5je1IH0mibYdV4kWJYvGlsI="
    assert len(base64.b64decode(creds.credential)) == 20  # an SHA-1 digest


def test_turn_credentials_differ_by_account_secret_and_time():
    base = rules.turn_credentials("s3cret", "acc-1", 1_700_000_000, 600)
    assert rules.turn_credentials("s3cret", "acc-2", 1_700_000_000, 600).credential != base.credential
    assert rules.turn_credentials("other", "acc-1", 1_700_000_000, 600).credential != base.credential
    assert rules.turn_credentials("s3cret", "acc-1", 1_700_000_001, 600).username != base.username


@pytest.mark.parametrize("ttl", [0, 59, 24 * 3600 + 1])
def test_turn_credentials_live_a_bounded_time(ttl):
    with pytest.raises(ValueError):
        rules.turn_credentials("s3cret", "acc-1", 0, ttl)
    with pytest.raises(ValueError):
        rules.turn_credentials("", "acc-1", 0, 600)


def test_ice_servers_split_stun_from_turn_and_drop_turn_without_credentials():
    urls = rules.parse_urls(" stun:127.0.0.1:3478, turn:127.0.0.1:3478?transport=udp,turn:127.0.0.1:3478?transport=tcp")
    creds = rules.turn_credentials("s3cret", "acc-1", 0, 600)
    stun, turn = rules.ice_servers(urls, creds)
    assert stun == rules.IceServer(("stun:127.0.0.1:3478",))
    assert turn.urls == ("turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp")
    assert (turn.username, turn.credential) == (creds.username, creds.credential)
    assert rules.ice_servers(urls, None) == [stun]
    assert rules.ice_servers([], creds) == []
    with pytest.raises(ValueError):
        rules.parse_urls("http://127.0.0.1:3478")


# -- capacity and invitees -------------------------------------------------------------------------------


def test_a_mesh_takes_six_and_refuses_a_seventh():
    for present in range(rules.MAX_PARTICIPANTS):
        rules.check_capacity(present, rejoining=False)
    err = _refused(lambda: rules.check_capacity(6, rejoining=False))
    assert (err.code, err.key, err.field, err.params) == (
        ErrorCode.FAILED_PRECONDITION,
        "call_room_full",
        "room_id",
        {"max": 6},
    )
    rules.check_capacity(6, rejoining=True)  # someone already in is never refused


def test_invitees_are_distinct_others_and_at_most_five():
    assert rules.check_invited(["b", "c", "b"], "a") == ["b", "c"]
    assert _refused(lambda: rules.check_invited([], "a")).key == "call_invitees_count"
    assert _refused(lambda: rules.check_invited(list("bcdefg"), "a")).key == "call_invitees_count"
    assert rules.check_invited(list("bcdef"), "a") == list("bcdef")
    assert _refused(lambda: rules.check_invited(["a"], "a")).key == "call_invitee_self"
    err = _refused(lambda: rules.check_invited(["", "b"], "a"))
    assert (err.key, err.field) == ("call_invitee_invalid", "invited_ids")
    assert _refused(lambda: rules.check_invited(["x" * 65], "a")).key == "call_invitee_invalid"


def test_media_is_audio_or_video():
    assert rules.check_media("") == "video" and rules.check_media("audio") == "audio"
    assert _refused(lambda: rules.check_media("screen")).field == "media"


# -- signals ---------------------------------------------------------------------------------------------


def test_signals_of_each_kind_within_their_limits():
    sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"
    assert rules.check_signal("a", "b", "offer", sdp) == rules.Signal("b", "offer", sdp)
    rules.check_signal("a", "b", "answer", sdp)
    rules.check_signal("a", "b", "candidate", '{"candidate": "candidate:1 1 udp 1 10.0.0.1 5000 typ host"}')
    rules.check_signal("a", "b", "bye", "")
    rules.check_signal("a", "b", "offer", "x" * rules.PAYLOAD_MAX["offer"])


@pytest.mark.parametrize(
    ("to", "kind", "payload", "key", "field"),
    [
        ("b", "hello", "x", "call_signal_kind_unknown", "kind"),
        ("", "offer", "x", "call_signal_recipient_invalid", "to_account_id"),
        ("a", "offer", "x", "call_signal_to_self", "to_account_id"),
        ("b", "offer", "", "call_signal_payload_missing", "payload"),
        ("b", "offer", "x" * (12 * 1024 + 1), "call_signal_too_large", "payload"),
        ("b", "candidate", "x" * 1025, "call_signal_too_large", "payload"),
        ("b", "bye", "汉" * 86, "call_signal_too_large", "payload"),  # bytes count, not characters
    ],
)
def test_bad_signals_are_refused_naming_the_field(to, kind, payload, key, field):
    err = _refused(lambda: rules.check_signal("a", to, kind, payload))
    assert (err.code, err.key, err.field) == (ErrorCode.INVALID_ARGUMENT, key, field)


# -- meeting rooms ---------------------------------------------------------------------------------------


def test_a_meeting_room_opens_with_the_check_in_window():
    starts, ends = NOW, NOW + dt.timedelta(hours=1)
    for now in (starts - dt.timedelta(minutes=30), starts, ends, ends + dt.timedelta(minutes=30)):
        rules.check_meeting_open(False, True, starts, ends, now)
    for now in (starts - dt.timedelta(minutes=31), ends + dt.timedelta(minutes=31)):
        assert _refused(lambda n=now: rules.check_meeting_open(False, True, starts, ends, n)).key == (
            "call_meeting_closed"
        )
    assert _refused(lambda: rules.check_meeting_open(True, True, starts, ends, NOW)).key == "call_meeting_cancelled"
    assert _refused(lambda: rules.check_meeting_open(False, False, starts, ends, NOW)).key == (
        "call_meeting_not_online"
    )


def test_a_seat_goes_stale_when_not_renewed_for_two_minutes():
    assert not rules.is_stale(NOW - rules.SEAT_STALE, NOW)
    assert rules.is_stale(NOW - rules.SEAT_STALE - dt.timedelta(seconds=1), NOW)
    assert rules.is_stale((NOW - dt.timedelta(minutes=5)).replace(tzinfo=None), NOW)  # as the database returns it
    assert rules.SEAT_REFRESH * 3 < rules.SEAT_STALE  # a renewal or two may be late without losing the seat
