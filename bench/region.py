"""A region of its own for one benchmark run, and the way a benchmark's main ends.

with bench_region("chat", keep_data=args.keep_data) as stack:
    stack.up()
    ...

if __name__ == "__main__":
    run_main(main)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pymongo

from bench import content_seed
from devstack.layout import Layout, free_port_base
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent


def _on_sigterm(signum, _frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def bench_region(region: str, keep_data: bool = False, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """The project's own region on a fresh temp data directory and a free block of ports (a developer's
    stack is left alone). SIGTERM stops the run like Ctrl-C; on the way out the region is stopped and its
    data removed (kept with keep_data)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    data = Path(tempfile.mkdtemp(prefix=f"jiceng-{region}-"))
    stack = Stack(Layout(region, data, free_port_base()), ROOT, extra_env=extra_env)
    try:
        yield stack
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the region's stop short
        stack.down()
        if keep_data:
            print(f"  data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)


def up(stack: Stack) -> None:
    """Say what the machine is doing, start the region and say how long that took."""
    print(f"  machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.perf_counter()
    stack.up()
    print(f"  stack up in {time.perf_counter() - started:.0f}s", flush=True)


def seed_people(stack: Stack, region: str, people: int, seed: int) -> content_seed.World:
    """A small region of `people` (bench/content_seed.py: branches, friendships, a month of posts) written
    straight into the region's content database; returns it."""
    world = content_seed.generate(people, seed, dt.datetime.now(dt.UTC), tenant=region, probes=0, driven=0)
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        content_seed.seed_content(client[f"{region}_content"], world, progress=lambda _line: None)
    return world


def run_main(main: Callable[[], int]) -> None:
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the bench region was stopped", file=sys.stderr)
        sys.exit(130)
