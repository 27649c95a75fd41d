"""The open-loop driver measures from the intended send time: a stalled server shows in the latencies."""

from __future__ import annotations

import asyncio

import pytest

from bench.openloop import Series, drive

pytestmark = pytest.mark.unit


def test_requests_leave_on_schedule_and_queueing_counts_in_the_latency():
    lock = asyncio.Lock()  # a server that answers one request at a time, 20 ms each

    async def serial() -> bool:
        async with lock:
            await asyncio.sleep(0.02)
        return True

    # 100 requests/s for 0.5 s against a server that manages 50/s: the queue grows, and so must latency
    stats = asyncio.run(drive(100, 0.5, lambda i, _t: ("serial", serial)))
    series = stats.by_label["serial"]
    assert len(series.latencies) == 50 and series.errors == 0
    assert series.percentile(99) > 0.4  # the last request waited for ~49 before it (a closed loop hides this)
    assert series.percentile(1) < 0.05


def test_failures_and_overload_are_counted_not_hidden():
    async def fails() -> bool:
        raise RuntimeError("boom")

    async def slow() -> bool:
        await asyncio.sleep(0.2)
        return True

    stats = asyncio.run(drive(200, 0.1, lambda i, _t: ("fail", fails) if i % 2 else ("slow", slow), max_in_flight=5))
    assert stats.by_label["fail"].errors + stats.by_label["fail"].dropped == 10
    assert len(stats.by_label["slow"].latencies) + stats.by_label["slow"].dropped == 10
    assert stats.overall.dropped > 0
    with pytest.raises(ValueError):
        asyncio.run(drive(0, 1, lambda i, _t: ("x", slow)))


def test_percentiles():
    s = Series(latencies=[i / 1000 for i in range(1, 101)])
    assert s.percentile(50) == 0.05 and s.percentile(99) == 0.099 and s.percentile(100) == 0.1
