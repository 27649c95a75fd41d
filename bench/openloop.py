"""An open-loop load driver: requests leave at a fixed arrival rate whatever the server does, and each
latency is measured from the request's intended send time, so a server that falls behind shows it in the
figures instead of silently slowing the client down (no coordinated omission).

    stats = asyncio.run(drive(rate=300, seconds=30, choose=mix.pick, max_in_flight=2000))

`choose(i, intended)` returns (label, coroutine factory) for the i-th arrival, due at `intended` (the event
loop's clock); the factory makes the request and returns True if the answer was the expected one. Stats are
kept per label and overall.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Request = Callable[[], Awaitable[bool]]


@dataclass
class Series:
    latencies: list[float] = field(default_factory=list)  # seconds, from the intended send time
    errors: int = 0
    dropped: int = 0  # not sent: max_in_flight requests were already waiting

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


@dataclass
class Stats:
    rate: float
    seconds: float
    by_label: dict[str, Series] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def overall(self) -> Series:
        total = Series()
        for s in self.by_label.values():
            total.latencies += s.latencies
            total.errors += s.errors
            total.dropped += s.dropped
        return total

    def completed_per_second(self) -> float:
        ok = sum(len(s.latencies) for s in self.by_label.values())
        return ok / self.elapsed if self.elapsed else 0.0

    def lines(self) -> list[str]:
        rows = []
        for label, s in sorted(self.by_label.items()) + [("all", self.overall)]:
            rows.append(
                f"  {label:<18} {len(s.latencies):>7} ok {s.errors:>5} errors {s.dropped:>5} dropped"
                f"   p50 {s.percentile(50) * 1000:8.1f} ms   p99 {s.percentile(99) * 1000:8.1f} ms"
            )
        return rows


async def drive(
    rate: float, seconds: float, choose: Callable[[int, float], tuple[str, Request]], max_in_flight: int = 1000
) -> Stats:
    """Send `rate` requests per second for `seconds`, each at its own intended time."""
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    stats = Stats(rate, seconds)
    in_flight: set[asyncio.Task] = set()
    loop = asyncio.get_running_loop()
    start = loop.time()
    total = int(rate * seconds)

    async def one(label: str, request: Request, intended: float) -> None:
        series = stats.by_label.setdefault(label, Series())
        try:
            ok = await request()
        except Exception:  # noqa: BLE001 - any failure of the request is an error in the figures
            ok = False
        if ok:
            series.latencies.append(loop.time() - intended)
        else:
            series.errors += 1

    for i in range(total):
        intended = start + i / rate
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        label, request = choose(i, intended)
        if len(in_flight) >= max_in_flight:
            stats.by_label.setdefault(label, Series()).dropped += 1
            continue
        task = asyncio.create_task(one(label, request, intended))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(in_flight)
    stats.elapsed = loop.time() - start
    return stats
