"""The transactional outbox and its relay to RabbitMQ.

Events are inserted in the same transaction as the data they announce (`UnitOfWork.emit`). The relay,
a thread in the producing process, publishes them as persistent messages with publisher confirms to the
nameko-compatible exchange `<source>.events` (routing key = event type), then marks them published.

Two ways in: each commit in this process hands its events to the relay (`store.on_commit`), which
publishes them at once without reading them back, and marks them in one write per MARK_EVERY; and every
poll_seconds a service's server sweeps the outbox for its source's events pending for more than
SWEEP_AFTER (a handoff lost to a crash or a broker outage, a process without a relay: a command-line
tool). Workers run a relay that only takes handoffs (kernel/worker.py), so their events don't wait for
the sweep either. Events published here in the last RECENT_SECONDS are skipped by the sweep; a crash
between publish and mark republishes: delivery is at least once, and consumers are idempotent
(kernel/events.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict, deque
from typing import Any

import kombu
import mongoengine as me
from prometheus_client import Counter, Gauge

from kernel import logs
from kernel.store import TenantDocument, off_commit, on_commit, utcnow

log = logging.getLogger(__name__)

PUBLISHED = Counter("jiceng_outbox_published_total", "Events published from the outbox", ["source", "type"])
PENDING = Gauge("jiceng_outbox_pending", "Events waiting in the outbox", ["source"])
OLDEST_AGE = Gauge("jiceng_outbox_oldest_pending_seconds", "Age of the oldest pending event", ["source"])

KEEP_PUBLISHED = dt.timedelta(days=7)


class OutboxEvent(TenantDocument):
    id = me.StringField(primary_key=True)
    source = me.StringField(required=True)
    type = me.StringField(required=True)
    data = me.DictField()
    actor_id = me.StringField(default="")
    request_id = me.StringField(default="")
    occurred_at = me.DateTimeField(required=True)
    pending = me.BooleanField()  # present (True) until published; sparse index finds the backlog
    published_at = me.DateTimeField()

    meta = {
        "collection": "outbox",
        "indexes": [
            # the relay's query is {pending, source} by age: an index of exactly those fields, or it scans
            {"fields": ["pending", "source", "occurred_at"], "sparse": True},
            {"fields": ["published_at"], "expireAfterSeconds": int(KEEP_PUBLISHED.total_seconds())},
        ],
    }

    def envelope(self) -> dict[str, Any]:
        return envelope_of(self.to_mongo().to_dict())


def envelope_of(row: dict[str, Any]) -> dict[str, Any]:
    """The message published for a stored outbox row (as written, or as read back: naive UTC)."""
    at = row["occurred_at"]
    return {
        "id": row["_id"],
        "source": row["source"],
        "type": row["type"],
        "tenant": row["tenant"],
        "occurred_at": (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).isoformat(),
        "actor_id": row.get("actor_id", ""),
        "request_id": row.get("request_id", ""),
        "data": row.get("data", {}),
    }


def new_event(tenant: str, source: str, event_type: str, data: dict[str, Any], actor_id: str = "") -> OutboxEvent:
    return OutboxEvent(
        id=uuid.uuid4().hex,
        tenant=tenant,
        source=source,
        type=event_type,
        data=data,
        actor_id=actor_id,
        request_id=logs.request_id_var.get(),
        occurred_at=utcnow(),
        pending=True,
    )


def event_row(tenant: str, source: str, event_type: str, data: dict[str, Any], actor_id: str = "") -> dict[str, Any]:
    """new_event's stored form, built without a mongoengine document (UnitOfWork.emit_many writes thousands)."""
    return {
        "_id": uuid.uuid4().hex,
        "tenant": tenant,
        "source": source,
        "type": event_type,
        "data": data,
        "actor_id": actor_id,
        "request_id": logs.request_id_var.get(),
        "occurred_at": utcnow(),
        "pending": True,
    }


def exchange(source: str) -> kombu.Exchange:
    # Declared exactly as nameko declares it, or the broker refuses with PRECONDITION_FAILED.
    return kombu.Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False)


class Publisher:
    """Publishes envelopes as persistent messages and waits for the broker's confirm of each."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self._conn: kombu.Connection | None = None
        self._producer: kombu.Producer | None = None
        self._declared: set[str] = set()

    def _ensure(self) -> kombu.Producer:
        if self._producer is None:
            self._conn = kombu.Connection(self.amqp_uri, transport_options={"confirm_publish": True})
            self._conn.connect()
            self._producer = kombu.Producer(self._conn.channel())
            self._declared.clear()
        return self._producer

    def publish(self, envelope: dict[str, Any]) -> None:
        producer = self._ensure()
        ex = exchange(envelope["source"])
        if ex.name not in self._declared:
            ex.declare(channel=producer.channel)
            self._declared.add(ex.name)
        producer.publish(
            json.dumps(envelope, ensure_ascii=False),
            exchange=ex,
            routing_key=envelope["type"],
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            message_id=envelope["id"],
            headers={"nameko.request_id": envelope.get("request_id", "")},
            retry=False,
        )

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.release()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail again
                log.debug("closing broker connection failed", exc_info=True)
        self._conn = self._producer = None


class OutboxRelay(threading.Thread):
    """Moves one source's events to the broker: those this process commits at once, the rest by sweeping."""

    BATCH = 200
    HANDOFF_MAX = 10_000  # events waiting in memory; beyond, the sweep finds them
    MARK_EVERY = 0.1  # seconds between the writes that mark handed-off events published
    RECENT_SECONDS = 60.0  # events published here this recently are not published again by the sweep
    SWEEP_AFTER = 1.0  # seconds an event stays pending before the sweep takes it (the handoff is faster)

    def __init__(self, source: str | None, amqp_uri: str, poll_seconds: float = 0.5):
        """source None: every event this process commits, and no sweep (a worker's relay)."""
        super().__init__(name=f"outbox-relay-{source or 'handoff'}", daemon=True)
        self.source = source
        self.publisher = Publisher(amqp_uri)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._handed: deque[dict[str, Any]] = deque()
        self._recent: OrderedDict[str, float] = OrderedDict()  # event id -> when published here
        self._unmarked: list[str] = []
        self._marked_at = self._swept_at = 0.0
        on_commit(self._take)

    def stop(self, timeout: float = 5.0) -> None:
        off_commit(self._take)
        self._stopping.set()
        self._wake.set()
        if self.ident is not None:  # started
            self.join(timeout)
        if not self.is_alive():
            try:
                self._mark()
            except Exception:  # noqa: BLE001 - published but not marked: the sweep publishes them again
                log.warning("outbox relay could not mark its last events", exc_info=True)
        self.publisher.close()

    def _take(self, envelopes: list[dict[str, Any]]) -> None:
        """On the committing thread: queue this source's events for publishing."""
        mine = envelopes if self.source is None else [e for e in envelopes if e["source"] == self.source]
        if mine and len(self._handed) + len(mine) <= self.HANDOFF_MAX:
            self._handed.extend(mine)
        self._wake.set()

    def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            busy = False
            try:
                self.relay_handed()
                if self.source is not None and time.monotonic() - self._swept_at >= self.poll_seconds:
                    busy = self.relay_once(min_age=self.SWEEP_AFTER) >= self.BATCH
                    self._swept_at = time.monotonic()
                if time.monotonic() - self._marked_at >= self.MARK_EVERY:
                    self._mark()
                backoff = 0.5
            except Exception:
                log.warning("outbox relay failed; retrying", extra={"retry_in": backoff}, exc_info=True)
                self.publisher.close()
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 15.0)
                continue
            if not busy and not self._handed:
                self._wake.wait(self.MARK_EVERY if self._unmarked else self.poll_seconds)
                self._wake.clear()

    def relay_handed(self) -> int:
        """Publish what this process committed since the last call; returns how many."""
        published = 0
        while self._handed:
            envelope = self._handed[0]
            if envelope["id"] not in self._recent:
                self._publish(envelope)
                self._unmarked.append(envelope["id"])
                published += 1
            self._handed.popleft()  # only once published: a failure leaves it first in line
        return published

    def relay_once(self, min_age: float = 0.0) -> int:
        """Sweep: publish one batch of events pending for at least min_age seconds and not published here
        lately, and mark them; returns how many were published."""
        pending = OutboxEvent.objects(pending=True, source=self.source)
        if min_age:
            pending = pending.filter(occurred_at__lt=utcnow() - dt.timedelta(seconds=min_age))
        batch = list(pending.order_by("occurred_at").limit(self.BATCH))
        self._report_backlog(batch)
        published = []
        for event in batch:
            if event.id not in self._recent:
                self._publish(event.envelope())
                published.append(event.id)
        _mark_published(published)
        return len(published)

    def _publish(self, envelope: dict[str, Any]) -> None:
        self.publisher.publish(envelope)
        PUBLISHED.labels(envelope["source"], envelope["type"]).inc()
        now = time.monotonic()
        self._recent[envelope["id"]] = now
        oldest = now - self.RECENT_SECONDS
        while self._recent and (len(self._recent) > 100_000 or next(iter(self._recent.values())) < oldest):
            self._recent.popitem(last=False)

    def _mark(self) -> None:
        """Mark the handed-off events published so far, in one write."""
        self._marked_at = time.monotonic()
        ids, self._unmarked = self._unmarked, []
        try:
            _mark_published(ids)
        except Exception:
            self._unmarked = ids + self._unmarked  # published, not yet marked: the next mark tries again
            raise

    def _report_backlog(self, batch: list[OutboxEvent]) -> None:
        PENDING.labels(self.source).set(len(batch))  # a floor once the backlog exceeds one batch
        if batch:
            age = (utcnow() - batch[0].occurred_at.replace(tzinfo=dt.UTC)).total_seconds()
            OLDEST_AGE.labels(self.source).set(max(age, 0.0))
        else:
            OLDEST_AGE.labels(self.source).set(0.0)


def _mark_published(ids: list[str]) -> None:
    if ids:
        OutboxEvent._get_collection().update_many(
            {"_id": {"$in": ids}}, {"$unset": {"pending": ""}, "$set": {"published_at": utcnow()}}
        )


def pending_count(source: str) -> int:
    return OutboxEvent.objects(pending=True, source=source).count()


def wait_until_drained(source: str, timeout: float = 10.0) -> bool:
    """For tests and graceful stops: wait until the outbox of source is empty."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pending_count(source) == 0:
            return True
        time.sleep(0.05)
    return False
