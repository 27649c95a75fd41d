"""Lockout after repeated failed logins: N failures within a window lock the account for a while."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    lock_for: dt.timedelta = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class FailureState:
    failures: int = 0
    window_started: dt.datetime | None = None
    locked_until: dt.datetime | None = None


def retry_after(state: FailureState, now: dt.datetime) -> int:
    """Seconds until the account may try again (0: not locked)."""
    if state.locked_until is None or state.locked_until <= now:
        return 0
    return max(1, math.ceil((state.locked_until - now).total_seconds()))


def after_failure(state: FailureState, now: dt.datetime, policy: LockoutPolicy) -> FailureState:
    """Count one more failure; a fresh window starts when the last one has passed."""
    if state.locked_until is not None and state.locked_until > now:
        return state  # already locked: a failure counted during the lock neither lifts nor extends it
    if state.window_started is None or now - state.window_started > policy.window:
        state = FailureState(0, now, None)
    failures = state.failures + 1
    locked_until = now + policy.lock_for if failures >= policy.threshold else state.locked_until
    if locked_until is not None and failures >= policy.threshold:
        return FailureState(0, None, locked_until)  # the lock replaces the count
    return FailureState(failures, state.window_started, locked_until)
