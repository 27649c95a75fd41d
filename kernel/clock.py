"""Times as the services keep them: aware UTC, to the millisecond the database stores. Pure: no I/O."""

from __future__ import annotations

import datetime as dt


def aware(moment: dt.datetime | None) -> dt.datetime | None:
    """The moment as aware UTC: the database hands back naive UTC datetimes (None stays None)."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def now_ms() -> dt.datetime:
    """Now, to the millisecond the database keeps: a time written and read back compares equal (time cursors,
    conditional updates on a stored time)."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
