"""The Redis cache on the region's real Redis: a forgotten key is not refilled with what was read before
the change, values only rise where asked to, and an unreachable Redis costs a miss, not an error."""

from __future__ import annotations

import time
import uuid

import pytest

from devstack.layout import free_port_base
from kernel import cache as kcache
from kernel.cache import Cache

pytestmark = pytest.mark.service


@pytest.fixture
def cache(stack):
    cache = Cache.connect(stack.env["REDIS_URL"], f"kerneltest{uuid.uuid4().hex[:6]}")
    yield cache
    cache.close()


def test_a_value_read_before_a_forget_is_not_filled_after_it(cache):
    key = cache.key("t", "post:1")
    cache.fill({key: b"v1"}, ttl=60)
    assert cache.get_many("post", [key]) == [b"v1"]
    cache.forget([key])

    _, seen = cache._read("post", [key])  # a reader misses and reads the database (v1 still) …
    cache.forget([key])  # … a writer commits v2 and forgets the key …
    cache.fill({key: b"v1"}, ttl=60, seen=seen)  # … and the reader's fill comes too late
    assert cache.get_many("post", [key]) == [None]

    loads = []
    values = cache.read_through("post", [key], lambda missing: loads.append(missing) or {0: b"v2"}, ttl=60)
    assert values == [b"v2"] and loads == [[0]]
    assert cache.get_many("post", [key]) == [b"v2"]  # read after the forget: filled at once


def test_a_fill_never_overwrites_a_value(cache):
    key = cache.key("t", "post:2")
    cache.fill({key: b"first"}, ttl=60)
    _, seen = cache._read("post", [key])
    cache.fill({key: b"second"}, ttl=60, seen=seen)
    assert cache.get_many("post", [key]) == [b"first"]


def test_read_through_loads_only_the_misses_and_leaves_unknown_ones_unfilled(cache):
    keys = [cache.key("t", f"post:{i}") for i in range(3)]
    cache.fill({keys[1]: b"one"}, ttl=60)
    asked = []

    def load(missing):
        asked.append(missing)
        return {0: b"zero"}  # the third is not in the database

    assert cache.read_through("post", keys, load, ttl=60) == [b"zero", b"one", None]
    assert asked == [[0, 2]]
    assert cache.get_many("post", keys) == [b"zero", b"one", None]


def test_raise_to_only_rises(cache):
    key = cache.key("t", "head:person:ann")
    cache.raise_to(key, "0002", ttl=60)
    cache.raise_to(key, "0001", ttl=60)
    assert cache.get_many("head", [key]) == [b"0002"]
    cache.raise_to(key, "0003", ttl=60)
    assert cache.get_many("head", [key]) == [b"0003"]
    cache.forget([key])
    cache.raise_to(key, "0001", ttl=60)  # a tombstone counts as nothing
    assert cache.get_many("head", [key]) == [b"0001"]


def test_keys_of_tenants_never_meet(cache):
    cache.fill({cache.key("a", "post:1"): b"a's"}, ttl=60)
    assert cache.get_many("post", [cache.key("b", "post:1")]) == [None]
    with pytest.raises(ValueError):
        cache.key("", "post:1")


def test_an_unreachable_cache_is_a_miss_and_is_not_retried_at_once(monkeypatch):
    dead = Cache.connect(f"redis://127.0.0.1:{free_port_base()}/0", "kerneltest")  # nothing listens there
    loads = []
    started = time.monotonic()
    values = dead.read_through("post", [dead.key("t", "post:1")], lambda m: loads.append(m) or {0: b"db"}, 60)
    dead.forget([dead.key("t", "post:1")])
    dead.raise_to(dead.key("t", "head:x"), "1", 60)
    assert values == [b"db"] and loads == [[0]]
    assert time.monotonic() - started < 2 * kcache.SOCKET_TIMEOUT + 0.5  # one timeout, then skipped

    calls = []
    monkeypatch.setattr(dead, "_client", _Counting(calls))
    dead.get_many("post", [dead.key("t", "post:1")])
    assert calls == []  # still inside RETRY_AFTER_SECONDS: Redis is not asked
    dead._down_until = 0.0
    dead.get_many("post", [dead.key("t", "post:1")])
    assert calls == ["mget"]


def test_without_a_url_there_is_no_cache():
    off = Cache.connect("", "kerneltest")
    assert not off.enabled
    assert off.read_through("post", [off.key("t", "p")], lambda m: {0: b"db"}, 60) == [b"db"]


class _Counting:
    def __init__(self, calls):
        self.calls = calls

    def mget(self, keys):
        self.calls.append("mget")
        return [None] * len(keys)
