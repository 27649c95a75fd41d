"""The centre's period → the days a region's study summary covers (gateway/federation/routes.py)."""

from __future__ import annotations

import pytest

from gateway.federation.routes import period_days

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("period", "days"),
    [
        ("2026", ("2026-01-01", "2027-01-01")),
        ("2026-Q1", ("2026-01-01", "2026-04-01")),
        ("2026-Q4", ("2026-10-01", "2027-01-01")),
        ("2026-07", ("2026-07-01", "2026-08-01")),
        ("2026-12", ("2026-12-01", "2027-01-01")),
    ],
)
def test_periods_become_half_open_day_ranges(period, days):
    assert period_days(period) == days
