"""A Redis cache in front of a service's database: never the record, always safe to lose.

MongoDB stays the system of record. A service reads through the cache (a miss reads the database and
fills the cache) and forgets what it changes after the change commits. Two rules keep a cached value
from outliving the data it copies:

- **Forget with a numbered tombstone.** `forget` does not delete a key: it takes the next number of the
  service's forget counter and writes a tombstone carrying it over the key. A read notes the counter
  (in the same round trip as its values); a fill after a miss writes a key that holds nothing, or a
  tombstone numbered at most what the read noted: that forget came before the read, so the database
  already held the change. A tombstone numbered above it means a change may have committed after the
  database was read: the value is left unwritten, and the next read fills it. A tombstone outlives any
  fill still on its way (TOMBSTONE_SECONDS, longer than a call's deadline).
- **Everything expires.** Every value has a time to live, so a change whose forget was lost (Redis
  unreachable at that moment) is served stale for at most that long.

The cache fails open: when Redis cannot be reached, reads are misses and writes are skipped, the service
answers from its database (slower, still correct), and the cache is not tried again for
RETRY_AFTER_SECONDS so that a dead Redis costs one timeout, not one per call. Without REDIS_URL there is
no cache at all (`Cache.disabled`): every read goes to the database.

Keys are `<service>:<tenant>:<name>`: tenants never share a key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

import redis
from prometheus_client import Counter

log = logging.getLogger(__name__)

TOMBSTONE = b"\x00gone:"  # a forgotten key holds this and the forget's number until it expires
TOMBSTONE_SECONDS = 30
RETRY_AFTER_SECONDS = 2.0
FORGET_CHUNK = 1000
SOCKET_TIMEOUT = 0.25  # seconds: a cache slower than this is no use to a request

LOOKUPS = Counter("jiceng_cache_lookups_total", "Cache lookups by kind and result (hit, miss).", ["kind", "result"])
ERRORS = Counter("jiceng_cache_errors_total", "Cache operations that failed (Redis unreachable, timed out).")

# KEYS[1] the forget counter, KEYS[2..] the keys; ARGV[1] tombstone prefix, ARGV[2] seconds.
_FORGET = """
local n = redis.call('INCR', KEYS[1])
for i = 2, #KEYS do redis.call('SET', KEYS[i], ARGV[1] .. n, 'EX', ARGV[2]) end
return n
"""

# KEYS the keys; ARGV[1] tombstone prefix, ARGV[2] seconds, ARGV[3] the counter the read noted (-1: only
# where nothing is), ARGV[4..] the values.
_FILL = """
local prefix, seen = ARGV[1], tonumber(ARGV[3])
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  local free = not current
  if current and seen >= 0 and string.sub(current, 1, #prefix) == prefix then
    free = tonumber(string.sub(current, #prefix + 1)) <= seen
  end
  if free then redis.call('SET', KEYS[i], ARGV[3 + i], 'EX', ARGV[2]) end
end
return 0
"""

# Sets a key to a value unless it holds a bigger one: for "the newest id" style values whose order is the
# string order (hex ObjectIds); a tombstone counts as nothing. ARGV[1] value, ARGV[2] seconds, ARGV[3] prefix.
_RAISE = """
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, #ARGV[3]) ~= ARGV[3] and current >= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""


class Cache:
    """One service's cache: `Cache.connect(url, service)`, or `Cache.disabled()` without Redis."""

    def __init__(self, client: redis.Redis | None, service: str):
        self._client = client
        self._service = service
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._counter = f"{service}:~forgets"
        scripts = (_FORGET, _FILL, _RAISE)
        self._forget, self._fill, self._raise = (
            [client.register_script(s) for s in scripts] if client is not None else [None] * len(scripts)
        )

    @classmethod
    def connect(cls, url: str, service: str) -> Cache:
        if not url:
            return cls.disabled(service)
        client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
            health_check_interval=30,
            max_connections=64,
        )
        return cls(client, service)

    @classmethod
    def disabled(cls, service: str = "") -> Cache:
        return cls(None, service)

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def key(self, tenant: str, name: str) -> str:
        if not tenant:
            raise ValueError("a cache key needs a tenant")
        return f"{self._service}:{tenant}:{name}"

    # -- reading ------------------------------------------------------------------------------------
    def get_many(self, kind: str, keys: list[str]) -> list[bytes | None]:
        """The values of keys (None for a miss or a tombstone), in one round trip."""
        return self._read(kind, keys)[0]

    def read_through(
        self,
        kind: str,
        keys: list[str],
        load: Callable[[list[int]], dict[int, bytes]],
        ttl: int,
    ) -> list[bytes | None]:
        """Values of keys; the misses' positions go to load(), which returns the found ones encoded by
        position, and those are filled (a key load() does not return stays a miss and unfilled)."""
        values, seen = self._read(kind, keys)
        missing = [i for i, v in enumerate(values) if v is None]
        if missing:
            loaded = load(missing)
            for i, value in loaded.items():
                values[i] = value
            if seen is not None:
                self.fill({keys[i]: v for i, v in loaded.items()}, ttl, seen)
        return values

    def _read(self, kind: str, keys: list[str]) -> tuple[list[bytes | None], int | None]:
        """(values, the forget counter as it was when they were read; None when Redis was not asked)."""
        if not keys:
            return [], None
        answer = self._call(lambda c: c.mget([self._counter, *keys]))
        if answer is None:
            return [None] * len(keys), None
        seen = int(answer[0] or 0)
        found = [None if v is None or v.startswith(TOMBSTONE) else v for v in answer[1:]]
        hits = sum(v is not None for v in found)
        if hits:
            LOOKUPS.labels(kind, "hit").inc(hits)
        if len(found) - hits:
            LOOKUPS.labels(kind, "miss").inc(len(found) - hits)
        return found, seen

    # -- writing ------------------------------------------------------------------------------------
    def fill(self, values: dict[str, bytes], ttl: int, seen: int = -1) -> None:
        """Write values read from the database where their key holds nothing, or a tombstone of a forget
        counted at most `seen` (the counter noted before the database was read; -1: nothing only)."""
        if values:
            keys = list(values)
            args = [TOMBSTONE, ttl, seen, *(values[k] for k in keys)]
            self._call(lambda c: self._fill(keys=keys, args=args, client=c))

    def forget(self, keys: Iterable[str]) -> None:
        """After a change commits: what the keys held is no longer true (see the module)."""
        keys = list(keys)
        for start in range(0, len(keys), FORGET_CHUNK):  # a long script would hold up every other client
            chunk = keys[start : start + FORGET_CHUNK]
            self._call(
                lambda c, chunk=chunk: self._forget(
                    keys=[self._counter, *chunk], args=[TOMBSTONE, TOMBSTONE_SECONDS], client=c
                )
            )

    def raise_to(self, key: str, value: str, ttl: int) -> None:
        """Set key to value unless it holds a bigger one (string order; a tombstone counts as nothing)."""
        self._call(lambda c: self._raise(keys=[key], args=[value, ttl, TOMBSTONE], client=c))

    # -- failing open -------------------------------------------------------------------------------
    def _call(self, operation):
        if self._client is None or time.monotonic() < self._down_until:
            return None
        try:
            return operation(self._client)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            ERRORS.inc()
            with self._lock:
                first = time.monotonic() >= self._down_until
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            if first:
                log.warning("cache unreachable: reading the database", extra={"error": str(exc)[:200]})
            return None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
