"""kernel/turns.py: work on the same key waits for its turn; work on several keys never deadlocks."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from kernel.turns import Turns

pytestmark = pytest.mark.unit


def test_work_on_one_key_takes_turns():
    turns, inside, most = Turns(), [0], [0]
    lock = threading.Lock()

    def work(_):
        with turns.of("group-1"):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.002)
            with lock:
                inside[0] -= 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(40)))
    assert most[0] == 1


def test_work_on_other_keys_runs_at_once():
    turns, started = Turns(stripes=4096), threading.Barrier(2, timeout=5)

    def work(key):
        with turns.of(key):
            started.wait()  # both inside at once, or the barrier breaks

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(work, ["post-1", "post-2"]))


def test_keys_taken_in_any_order_never_deadlock():
    turns = Turns(stripes=8)
    keys = [f"k{n}" for n in range(8)]

    def work(n):
        mine = keys[n % 8 :] + keys[: n % 8]  # each worker names the keys in another order
        with turns.of(*mine):
            pass

    with ThreadPoolExecutor(8) as pool:
        assert len(list(pool.map(work, range(200), timeout=10))) == 200


def test_no_keys_holds_nothing():
    with Turns().of():
        pass
