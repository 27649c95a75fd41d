"""The transactional outbox and its relay to RabbitMQ.

Events are inserted in the same transaction as the data they announce (`UnitOfWork.emit`). The relay,
a thread in the producing process, publishes pending events as persistent messages with publisher
confirms to the nameko-compatible exchange `<source>.events` (routing key = event type), then marks
them published. A crash between publish and mark republishes: delivery is at least once, and
consumers are idempotent (kernel/events.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
from typing import Any

import kombu
import mongoengine as me
from prometheus_client import Counter, Gauge

from kernel import logs
from kernel.store import TenantDocument, on_commit, utcnow

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
        return {
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "tenant": self.tenant,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "request_id": self.request_id,
            "data": self.data,
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
    """Moves pending outbox events of one source to the broker, promptly after each commit."""

    BATCH = 200

    def __init__(self, source: str, amqp_uri: str, poll_seconds: float = 0.5):
        super().__init__(name=f"outbox-relay-{source}", daemon=True)
        self.source = source
        self.publisher = Publisher(amqp_uri)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        on_commit(self._wake.set)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        self.join(timeout)
        self.publisher.close()

    def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                moved = self.relay_once()
                backoff = 0.5
            except Exception:
                log.warning("outbox relay failed; retrying", extra={"retry_in": backoff}, exc_info=True)
                self.publisher.close()
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 15.0)
                continue
            if moved < self.BATCH:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def relay_once(self) -> int:
        """Publish one batch of pending events; return how many were published."""
        batch = list(OutboxEvent.objects(pending=True, source=self.source).order_by("occurred_at").limit(self.BATCH))
        self._report_backlog(batch)
        published = []
        for event in batch:
            self.publisher.publish(event.envelope())
            published.append(event.id)
            PUBLISHED.labels(self.source, event.type).inc()
        if published:
            OutboxEvent._get_collection().update_many(
                {"_id": {"$in": published}}, {"$unset": {"pending": ""}, "$set": {"published_at": utcnow()}}
            )
        return len(published)

    def _report_backlog(self, batch: list[OutboxEvent]) -> None:
        PENDING.labels(self.source).set(len(batch))  # a floor once the backlog exceeds one batch
        if batch:
            age = (utcnow() - batch[0].occurred_at.replace(tzinfo=dt.UTC)).total_seconds()
            OLDEST_AGE.labels(self.source).set(max(age, 0.0))
        else:
            OLDEST_AGE.labels(self.source).set(0.0)


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
