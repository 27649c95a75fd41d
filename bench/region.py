"""A region of its own for one benchmark run, and the way a benchmark's main ends.

with bench_region("chat", keep_data=args.keep_data) as stack:
    stack.up()
    ...

if __name__ == "__main__":
    run_main(main)
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

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


def run_main(main: Callable[[], int]) -> None:
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the bench region was stopped", file=sys.stderr)
        sys.exit(130)
