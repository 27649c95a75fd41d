"""services/media/domain/schedule.py: slots and overlaps, guides of local days in Asia/Shanghai (across
midnight, from other zones), now playing with the on-demand offset, and relays of a superior's live."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.media.domain import schedule as rules
from services.media.domain.schedule import LIVE, MEDIA, RELAY, Slot

pytestmark = pytest.mark.unit

SH = rules.ZONE
UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0, zone=SH, month: int = 3, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def slot(sid: str, start: dt.datetime, end: dt.datetime, kind: str = MEDIA, **more) -> Slot:
    return Slot(sid, kind, start.astimezone(UTC), end.astimezone(UTC), **more)


def refused(code: ErrorCode, key: str, field: str):
    class Check:
        def __enter__(self):
            self.ctx = pytest.raises(DomainError)
            self.info = self.ctx.__enter__()
            return self

        def __exit__(self, *exc):
            self.ctx.__exit__(*exc)
            err = self.info.value
            assert (err.code, err.key, err.field) == (code, key, field)
            return True

    return Check()


# -- slot times ------------------------------------------------------------------------------------


def test_slot_times_are_utc_whatever_zone_they_were_given_in():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    start, end = rules.slot_times(at(1, 20), at(1, 22, zone=tokyo))
    assert start == dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert end == dt.datetime(2026, 3, 1, 13, 0, tzinfo=UTC)  # 22:00 in Tokyo is 21:00 in Shanghai
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_times_invalid", "ends_at"):
        rules.slot_times(at(1, 20), at(1, 21, zone=tokyo))  # the very same moment: an empty slot


def test_a_naive_time_is_refused_naming_its_field():
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_time_invalid", "starts_at"):
        rules.slot_times(dt.datetime(2026, 3, 1, 20), at(1, 21))
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_time_invalid", "ends_at"):
        rules.slot_times(at(1, 20), dt.datetime(2026, 3, 1, 21))


def test_an_end_before_the_start_or_a_slot_over_a_day_is_refused():
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_times_invalid", "ends_at"):
        rules.slot_times(at(1, 20), at(1, 19))
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_times_invalid", "ends_at"):
        rules.slot_times(at(1, 20), at(1, 20))
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_too_long", "ends_at"):
        rules.slot_times(at(1, 20), at(2, 20, 1))
    start, end = rules.slot_times(at(1, 20), at(2, 20))
    assert end - start == rules.SLOT_MAX


def test_a_media_slot_without_an_end_lasts_its_item_rounded_up():
    start, end = rules.slot_times(at(1, 23, 59), None, media_seconds=90.2)
    assert end - start == dt.timedelta(seconds=91)
    assert rules.local(end).date() == dt.date(2026, 3, 2)  # it crosses midnight
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_end_required", "ends_at"):
        rules.slot_times(at(1, 20), None)


# -- overlaps --------------------------------------------------------------------------------------


def test_neighbours_touch_without_overlapping():
    existing = [slot("a", at(1, 20), at(1, 21)), slot("b", at(1, 22), at(2, 1))]
    rules.check_free(existing, at(1, 21).astimezone(UTC), at(1, 22).astimezone(UTC))  # the gap exactly
    rules.check_free(existing, at(2, 1).astimezone(UTC), at(2, 2).astimezone(UTC))  # after the midnight slot


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(1, 20, 30), at(1, 20, 45)),  # inside
        (at(1, 19), at(1, 20, 1)),  # overlapping the start
        (at(1, 19), at(1, 23)),  # around
        (at(2, 0, 30), at(2, 0, 40)),  # after midnight, inside the slot that crosses it
    ],
)
def test_an_overlap_is_refused_naming_the_slot_in_the_way(start, end):
    existing = [slot("a", at(1, 20), at(1, 21)), slot("b", at(1, 23), at(2, 1))]
    with pytest.raises(DomainError) as info:
        rules.check_free(existing, start.astimezone(UTC), end.astimezone(UTC))
    assert (info.value.code, info.value.key, info.value.field) == (
        ErrorCode.FAILED_PRECONDITION,
        "schedule_overlap",
        "starts_at",
    )
    assert info.value.params["slot_id"] in ("a", "b")
    # the message shows local times
    assert info.value.params["starts"] in ("2026-03-01 20:00", "2026-03-01 23:00")


def test_moving_a_slot_over_its_own_old_place_is_no_overlap():
    existing = [slot("a", at(1, 20), at(1, 21))]
    rules.check_free(existing, at(1, 20, 30).astimezone(UTC), at(1, 21, 30).astimezone(UTC), ignore_id="a")


def test_the_overlap_window_reaches_back_one_longest_slot():
    lo, hi = rules.window_for_overlap(at(2, 10).astimezone(UTC), at(2, 11).astimezone(UTC))
    assert hi - lo == rules.SLOT_MAX + dt.timedelta(hours=1)


# -- the guide of a local day ----------------------------------------------------------------------


def test_a_shanghai_day_is_16_to_16_utc():
    start, end = rules.day_bounds(dt.date(2026, 3, 2))
    assert start == dt.datetime(2026, 3, 1, 16, tzinfo=UTC)
    assert end == dt.datetime(2026, 3, 2, 16, tzinfo=UTC)


def test_a_slot_across_midnight_is_in_both_days_guides_and_order_is_by_start():
    late = slot("late", at(1, 23, 30), at(2, 0, 30))
    morning = slot("morning", at(2, 8), at(2, 9))
    evening = slot("evening", at(1, 19), at(1, 20))
    slots = [morning, late, evening]
    assert [s.id for s in rules.guide(slots, dt.date(2026, 3, 1))] == ["evening", "late"]
    assert [s.id for s in rules.guide(slots, dt.date(2026, 3, 2))] == ["late", "morning"]
    assert rules.guide(slots, dt.date(2026, 3, 3)) == []


def test_the_local_day_is_not_the_utc_day():
    # 2026-03-01 17:00 UTC is 03-02 01:00 in Shanghai: in the guide of the 2nd, not the 1st
    early = Slot("early", MEDIA, dt.datetime(2026, 3, 1, 17, tzinfo=UTC), dt.datetime(2026, 3, 1, 18, tzinfo=UTC))
    assert rules.guide([early], dt.date(2026, 3, 1)) == []
    assert rules.guide([early], dt.date(2026, 3, 2)) == [early]
    # the same moment given as New York time lands the same way
    ny = dt.timezone(dt.timedelta(hours=-5))
    start, end = rules.slot_times(dt.datetime(2026, 3, 1, 12, tzinfo=ny), dt.datetime(2026, 3, 1, 13, tzinfo=ny))
    assert (start, end) == (early.starts_at, early.ends_at)


def test_a_slot_ending_at_midnight_is_not_in_the_next_day():
    slots = [slot("a", at(1, 23), at(2, 0))]
    assert [s.id for s in rules.guide(slots, dt.date(2026, 3, 1))] == ["a"]
    assert rules.guide(slots, dt.date(2026, 3, 2)) == []


def test_a_day_of_shanghais_historic_daylight_saving_has_23_hours():
    # China kept summer time 1986–1991; 1988-04-17 02:00 became 03:00
    start, end = rules.day_bounds(dt.date(1988, 4, 17))
    assert end - start == dt.timedelta(hours=23)
    start, end = rules.day_bounds(dt.date(1988, 9, 11))
    assert end - start == dt.timedelta(hours=25)


def test_dates_of_the_guide():
    today = dt.date(2026, 3, 1)
    assert rules.parse_date("", today) == today
    assert rules.parse_date("2026-03-02", today) == dt.date(2026, 3, 2)
    for bad in ("2026-3-2", "tomorrow", "2026-02-30", "2030-01-01"):
        with refused(ErrorCode.INVALID_ARGUMENT, "guide_date_invalid", "date"):
            rules.parse_date(bad, today)
    # today is the local date: 16:30 UTC is already tomorrow in Shanghai
    assert rules.today(dt.datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) == dt.date(2026, 3, 2)


# -- now playing -----------------------------------------------------------------------------------


def _world(schedules: dict[str, list[Slot]], live: set[str]):
    return (lambda channel: schedules.get(channel, [])), (lambda broadcast: broadcast in live)


def test_an_on_demand_item_plays_from_the_slot_start_and_repeats_to_fill_it():
    item = slot("s", at(1, 23, 50), at(2, 0, 20), MEDIA, media_id="m", media_seconds=600.0)
    slots_of, on_air = _world({"c": [item]}, set())
    now = at(2, 0, 5).astimezone(UTC)  # 15 minutes in: the second run of a 10-minute item, 5 minutes in
    playing = rules.now_playing("c", now, slots_of, on_air)
    assert playing.slot == item and playing.on_air
    assert playing.offset_seconds == pytest.approx(300.0)
    assert playing.remaining_seconds == pytest.approx(15 * 60)


def test_nothing_plays_between_slots_and_a_slot_ends_exclusively():
    item = slot("s", at(1, 20), at(1, 21), MEDIA, media_id="m", media_seconds=3600.0)
    slots_of, on_air = _world({"c": [item]}, set())
    assert rules.now_playing("c", at(1, 21).astimezone(UTC), slots_of, on_air).slot is None
    assert rules.now_playing("c", at(1, 20).astimezone(UTC), slots_of, on_air).offset_seconds == 0.0


def test_a_live_slot_is_on_air_only_while_its_broadcast_is():
    show = slot("s", at(1, 20), at(1, 21), LIVE, broadcast_id="b1")
    now = at(1, 20, 30).astimezone(UTC)
    waiting = rules.now_playing("c", now, *_world({"c": [show]}, set()))
    assert waiting.slot == show and not waiting.on_air and waiting.broadcast_id == ""
    live = rules.now_playing("c", now, *_world({"c": [show]}, {"b1"}))
    assert live.on_air and live.broadcast_id == "b1" and live.broadcast_channel_id == ""


def test_a_relay_plays_the_superior_channels_live_broadcast():
    relay = slot("r", at(1, 19), at(1, 23), RELAY, source_channel_id="committee")
    source = slot("s", at(1, 20), at(1, 21), LIVE, broadcast_id="b1")
    schedules = {"branch": [relay], "committee": [source]}
    at_2030 = at(1, 20, 30).astimezone(UTC)
    playing = rules.now_playing("branch", at_2030, *_world(schedules, {"b1"}))
    assert playing.slot == relay and playing.on_air
    assert (playing.broadcast_id, playing.broadcast_channel_id) == ("b1", "committee")
    # before the source's live slot, and while its broadcaster is not connected: waiting
    assert not rules.now_playing("branch", at(1, 19, 30).astimezone(UTC), *_world(schedules, {"b1"})).on_air
    assert not rules.now_playing("branch", at_2030, *_world(schedules, set())).on_air


def test_a_relay_never_relays_an_on_demand_item():
    relay = slot("r", at(1, 19), at(1, 23), RELAY, source_channel_id="committee")
    source = slot("s", at(1, 20), at(1, 21), MEDIA, media_id="m", media_seconds=60)
    playing = rules.now_playing(
        "branch", at(1, 20, 30).astimezone(UTC), *_world({"branch": [relay], "committee": [source]}, set())
    )
    assert playing.slot == relay and not playing.on_air and playing.offset_seconds == 0.0


def test_relays_of_relays_are_followed_and_loops_end():
    now = at(1, 20, 30).astimezone(UTC)
    window = (at(1, 20), at(1, 21))
    chain = {
        "group": [slot("g", *window, RELAY, source_channel_id="branch")],
        "branch": [slot("b", *window, RELAY, source_channel_id="region")],
        "region": [slot("r", *window, LIVE, broadcast_id="big")],
    }
    playing = rules.now_playing("group", now, *_world(chain, {"big"}))
    assert (playing.on_air, playing.broadcast_id, playing.broadcast_channel_id) == (True, "big", "region")
    loop = {
        "a": [slot("x", *window, RELAY, source_channel_id="b")],
        "b": [slot("y", *window, RELAY, source_channel_id="a")],
    }
    assert not rules.now_playing("a", now, *_world(loop, set())).on_air
    too_far = {f"c{i}": [slot(f"s{i}", *window, RELAY, source_channel_id=f"c{i + 1}")] for i in range(4)}
    too_far["c4"] = [slot("end", *window, LIVE, broadcast_id="far")]
    assert not rules.now_playing("c0", now, *_world(too_far, {"far"})).on_air
    assert rules.now_playing("c1", now, *_world(too_far, {"far"})).on_air  # three hops: reached


def test_only_a_superior_orgs_channel_may_be_relayed():
    path = ["root", "committee", "branch"]
    rules.check_relay_source(path, "committee", "src", "mine")
    rules.check_relay_source(path, "root", "src", "mine")
    for org in ("branch", "sibling", "child"):
        with refused(ErrorCode.FAILED_PRECONDITION, "schedule_relay_not_superior", "source_channel_id"):
            rules.check_relay_source(path, org, "src", "mine")
    with refused(ErrorCode.FAILED_PRECONDITION, "schedule_relay_not_superior", "source_channel_id"):
        rules.check_relay_source(path, "committee", "mine", "mine")


# -- inputs ----------------------------------------------------------------------------------------


def test_channel_inputs():
    assert rules.channel_name("  党建之声 ") == "党建之声"
    assert rules.channel_kind("tv") == "tv"
    assert rules.visibility("") == rules.MEMBERS
    assert rules.media_kind_for(rules.RADIO) == "audio" and rules.media_kind_for(rules.TV) == "video"
    with refused(ErrorCode.INVALID_ARGUMENT, "channel_name_invalid", "name"):
        rules.channel_name(" ")
    with refused(ErrorCode.INVALID_ARGUMENT, "channel_name_invalid", "name"):
        rules.channel_name("x" * 61)
    with refused(ErrorCode.INVALID_ARGUMENT, "channel_kind_unknown", "kind"):
        rules.channel_kind("podcast")
    with refused(ErrorCode.INVALID_ARGUMENT, "channel_visibility_unknown", "visibility"):
        rules.visibility("private")
    with refused(ErrorCode.INVALID_ARGUMENT, "schedule_kind_unknown", "kind"):
        rules.slot_kind("rerun")
