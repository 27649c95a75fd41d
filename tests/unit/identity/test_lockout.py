"""services/identity/domain/lockout.py: N failed logins within a window lock the account for a while."""

from __future__ import annotations

import datetime as dt

import pytest

from services.identity.domain.lockout import FailureState, LockoutPolicy, after_failure, retry_after

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
POLICY = LockoutPolicy(threshold=3, window=dt.timedelta(minutes=10), lock_for=dt.timedelta(minutes=15))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def fail_times(*seconds: float, state: FailureState | None = None) -> FailureState:
    state = state or FailureState()
    for s in seconds:
        state = after_failure(state, at(s), POLICY)
    return state


def test_defaults():
    policy = LockoutPolicy()
    assert policy.threshold == 5
    assert policy.window == dt.timedelta(minutes=15)
    assert policy.lock_for == dt.timedelta(minutes=15)
    assert FailureState() == FailureState(0, None, None)


def test_failures_below_threshold_are_counted_not_locked():
    state = fail_times(0, 30)
    assert state == FailureState(2, T0, None)
    assert retry_after(state, at(31)) == 0


def test_reaching_the_threshold_locks_for_lock_for():
    state = fail_times(0, 30, 60)
    assert state.locked_until == at(60) + POLICY.lock_for
    assert state.failures == 0  # the lock replaces the count
    assert retry_after(state, at(60)) == 15 * 60
    assert retry_after(state, at(60 + 14 * 60)) == 60


def test_lock_ends_and_counting_starts_afresh():
    state = fail_times(0, 30, 60)
    unlocked_at = at(60) + POLICY.lock_for
    assert retry_after(state, unlocked_at) == 0
    assert retry_after(state, unlocked_at + dt.timedelta(seconds=1)) == 0

    after = after_failure(state, unlocked_at + dt.timedelta(seconds=5), POLICY)
    assert after.failures == 1
    assert after.locked_until is None  # one failure after the lock is not a new lock
    assert retry_after(after, unlocked_at + dt.timedelta(seconds=6)) == 0


def test_failures_outside_the_window_do_not_add_up():
    # three failures, but never three within ten minutes
    state = fail_times(0, 5 * 60, 11 * 60)
    assert state.locked_until is None
    assert state.failures == 1
    assert state.window_started == at(11 * 60)


def test_threshold_within_the_window_measured_from_its_first_failure():
    state = fail_times(0, 9 * 60, 9 * 60 + 59)
    assert retry_after(state, at(10 * 60)) > 0


def test_retry_after_rounds_up_and_is_at_least_one():
    state = FailureState(0, None, at(10.2))
    assert retry_after(state, at(0)) == 11
    assert retry_after(state, at(10.0)) == 1
    assert retry_after(state, at(10.2)) == 0


def test_retry_after_without_a_lock_is_zero():
    assert retry_after(FailureState(), T0) == 0
    assert retry_after(FailureState(2, T0, None), T0) == 0


def test_threshold_of_one_locks_at_once():
    policy = LockoutPolicy(threshold=1, window=dt.timedelta(minutes=1), lock_for=dt.timedelta(seconds=30))
    state = after_failure(FailureState(), T0, policy)
    assert retry_after(state, T0) == 30


def test_after_failure_does_not_mutate_its_input():
    state = FailureState(1, T0, None)
    after_failure(state, at(1), POLICY)
    assert state == FailureState(1, T0, None)


def test_a_failure_during_a_lock_keeps_the_lock():
    locked = fail_times(0, 30, 60)
    during = after_failure(locked, at(120), POLICY)
    assert retry_after(during, at(121)) > 0
    assert during.locked_until is not None and during.locked_until >= locked.locked_until
