"""Plausibility flags of a device's report next to its previous one."""

from __future__ import annotations

import datetime as dt

import pytest

from services.geo.domain.plausibility import IMPOSSIBLE_SPEED, MAX_SPEED_KMH, REPEATED_COORDINATES, Fix, flags

pytestmark = pytest.mark.unit

T0 = dt.datetime(2025, 5, 1, 9, 0, tzinfo=dt.UTC)
BEIJING = (116.4074, 39.9042)
SHANGHAI = (121.4737, 31.2304)


def fix(point, minutes=0.0, accuracy=10.0) -> Fix:
    return Fix(lng=point[0], lat=point[1], at=T0 + dt.timedelta(minutes=minutes), accuracy_m=accuracy)


def test_the_first_fix_has_no_flags():
    assert flags(None, fix(BEIJING)) == []


def test_beijing_to_shanghai_in_ten_minutes_is_impossible():
    assert flags(fix(BEIJING), fix(SHANGHAI, minutes=10)) == [IMPOSSIBLE_SPEED]
    # by plane, three hours later, it is not
    assert flags(fix(BEIJING), fix(SHANGHAI, minutes=180)) == []


def test_a_walk_and_a_fast_train_are_plausible():
    walk = (BEIJING[0] + 0.001, BEIJING[1] + 0.0005)  # about 100 m
    assert flags(fix(BEIJING), fix(walk, minutes=1)) == []
    # 50 km in 10 minutes: 300 km/h
    train = (BEIJING[0], BEIJING[1] - 0.4497)
    assert flags(fix(BEIJING), fix(train, minutes=10)) == []
    assert MAX_SPEED_KMH == 400


def test_accuracy_explains_a_jump():
    nearby = (BEIJING[0], BEIJING[1] + 0.0027)  # about 300 m
    # 300 m in a second is not travel, unless both fixes are that uncertain
    assert flags(fix(BEIJING, accuracy=10), fix(nearby, minutes=1 / 60, accuracy=10)) == [IMPOSSIBLE_SPEED]
    assert flags(fix(BEIJING, accuracy=200), fix(nearby, minutes=1 / 60, accuracy=150)) == []


def test_a_fix_at_the_same_time_or_earlier_elsewhere_is_impossible():
    elsewhere = (BEIJING[0] + 0.01, BEIJING[1])
    assert flags(fix(BEIJING), fix(elsewhere, minutes=0)) == [IMPOSSIBLE_SPEED]
    assert flags(fix(BEIJING), fix(elsewhere, minutes=-1)) == [IMPOSSIBLE_SPEED]
    # within the accuracies, it is not
    assert flags(fix(BEIJING, accuracy=500), fix(elsewhere, minutes=0, accuracy=500)) == []


def test_identical_coordinates_at_another_time_are_flagged():
    assert flags(fix(BEIJING), fix(BEIJING, minutes=5)) == [REPEATED_COORDINATES]
    assert flags(fix(BEIJING), fix(BEIJING, minutes=0)) == []  # the same fix, sent twice
    jitter = (BEIJING[0] + 2e-7, BEIJING[1])
    assert flags(fix(BEIJING), fix(jitter, minutes=5)) == []


def test_flags_are_sorted_and_unique():
    result = flags(fix(BEIJING), fix(SHANGHAI, minutes=1))
    assert result == sorted(set(result))
