"""Consuming events in nameko workers: idempotent, retried with backoff, never silently dropped.

    class IdentityWorker:
        name = "identity_worker"

        @handles("orgs", "org_created")
        def mirror_org(self, event: Event) -> None: ...

Each handler remembers the event ids it has handled (the inbox), so a redelivered event is skipped.
A failing handler is retried (requeued after a growing pause); after MAX_ATTEMPTS the event is parked
in the dead-letter collection, logged as an error and counted, to be replayed by an operator.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mongoengine as me
from amqp.exceptions import ConnectionError as AmqpConnectionError
from nameko.events import EventHandler
from prometheus_client import Counter, Histogram

from kernel import context, logs
from kernel.store import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = dt.timedelta(seconds=60)  # longer than any handler may take
KEEP_HANDLED = dt.timedelta(days=30)

HANDLED = Counter("jiceng_events_handled_total", "Events handled", ["consumer", "outcome"])
LATENCY = Histogram("jiceng_event_handler_seconds", "Event handler duration", ["consumer"])


@dataclass(frozen=True)
class Event:
    id: str
    source: str
    type: str
    tenant: str
    occurred_at: str
    actor_id: str
    request_id: str
    data: dict[str, Any]

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any]) -> Event:
        return cls(
            id=str(envelope["id"]),
            source=str(envelope["source"]),
            type=str(envelope["type"]),
            tenant=str(envelope["tenant"]),
            occurred_at=str(envelope.get("occurred_at", "")),
            actor_id=str(envelope.get("actor_id", "")),
            request_id=str(envelope.get("request_id", "")),
            data=dict(envelope.get("data") or {}),
        )


class HandledEvent(me.Document):
    """The inbox: one row per (consumer, event id), claimed before handling and marked done after.

    The claim is a lease: two deliveries of one event handled at the same time run the handler once,
    and a worker killed mid-handler leaves a lease that expires, so the redelivery is handled then. A
    failed attempt ends the lease at once (the retry takes the claim over) and counts itself on the same
    row, so a handled event costs two writes: the claim and its `done`.
    """

    id = me.StringField(primary_key=True)  # "<consumer>:<event id>"
    state = me.StringField(default="done", choices=("processing", "done"))
    lease_until = me.DateTimeField()
    handled_at = me.DateTimeField(required=True)
    attempts = me.IntField(default=0)  # failed attempts so far
    last_error = me.StringField()
    meta = {
        "collection": "inbox",
        "indexes": [{"fields": ["handled_at"], "expireAfterSeconds": int(KEEP_HANDLED.total_seconds())}],
    }


class DeadLetter(me.Document):
    """An event a handler failed on MAX_ATTEMPTS times: kept for an operator to inspect and replay."""

    id = me.StringField(primary_key=True)
    consumer = me.StringField(required=True)
    envelope = me.DictField()
    error = me.StringField()
    parked_at = me.DateTimeField(required=True)
    meta = {"collection": "dead_letters"}


def backoff_seconds(attempt: int) -> float:
    return min(0.2 * (2 ** (attempt - 1)), 30.0)


class _EventHandler(EventHandler):
    """nameko's event handler, except that an ack (or requeue) finding the broker's connection gone — the
    broker restarted while the handler ran — is left to the broker: it redelivers the unacknowledged message
    once the consumer is back, and handlers are idempotent. nameko lets only amqp's ConnectionError pass
    there; a socket's (connection reset, broken pipe) killed the service container, and with it the worker
    process, which then consumed nothing until restarted by hand."""

    def handle_message_processed(self, message, result=None, exc_info=None):
        try:
            super().handle_message_processed(message, result, exc_info)
        except (OSError, AmqpConnectionError):
            log.warning("broker connection lost before the ack: the broker redelivers the message", exc_info=True)


def handles(source: str, event_type: str) -> Callable:
    """Decorate a nameko worker method as the idempotent, retried handler of source.event_type."""

    def decorate(fn: Callable[[Any, Event], None]) -> Callable:
        @functools.wraps(fn)
        def entrypoint(self, envelope: dict[str, Any]) -> None:
            consumer = f"{getattr(self, 'name', type(self).__name__)}.{fn.__name__}"
            process(consumer, envelope, lambda event: fn(self, event))

        return _EventHandler.decorator(source, event_type, requeue_on_error=True)(entrypoint)

    return decorate


def process(consumer: str, envelope: dict[str, Any], handler: Callable[[Event], None]) -> str:
    """Handle one delivery; returns 'handled', 'duplicate' or 'parked'; raises to ask for a retry."""
    event = Event.from_envelope(envelope)
    key = f"{consumer}:{event.id}"
    claim = _claim(key)
    if claim == "done":
        HANDLED.labels(consumer, "duplicate").inc()
        return "duplicate"
    if claim == "busy":  # another delivery is being handled right now: look again later
        HANDLED.labels(consumer, "busy").inc()
        _sleep(1.0)
        raise EventBusy(key)
    rid_token = logs.request_id_var.set(event.request_id)
    ctx_token = context.bind(context.CallContext(tenant=event.tenant, request_id=event.request_id))
    try:
        with LATENCY.labels(consumer).time():
            handler(event)
    except Exception as exc:
        return _failed(consumer, key, envelope, exc)
    finally:
        context.unbind(ctx_token)
        logs.request_id_var.reset(rid_token)
    HandledEvent.objects(id=key).update_one(set__state="done", unset__lease_until=True, set__handled_at=utcnow())
    HANDLED.labels(consumer, "handled").inc()
    return "handled"


class EventBusy(Exception):
    """The same event is being handled by another delivery; nameko requeues this one."""


def _claim(key: str) -> str:
    """'claimed' (handle it now), 'done' (already handled) or 'busy' (being handled elsewhere)."""
    now = utcnow()
    try:
        HandledEvent(id=key, state="processing", lease_until=now + LEASE, handled_at=now).save(force_insert=True)
        return "claimed"
    except me.NotUniqueError:
        pass
    existing = HandledEvent.objects(id=key).first()
    if existing is None or existing.state != "processing":
        return "done" if existing is not None else _claim(key)
    # A claim whose lease ran out belongs to a worker that died mid-handler: take it over.
    taken = HandledEvent.objects(id=key, state="processing", lease_until__lte=now).update_one(
        set__lease_until=now + LEASE
    )
    return "claimed" if taken else "busy"


def _failed(consumer: str, key: str, envelope: dict[str, Any], exc: Exception) -> str:
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    # Count the attempt and end the lease: the retry takes the claim over at once (see _claim).
    HandledEvent.objects(id=key, state="processing").update_one(
        inc__attempts=1, set__last_error=error, set__lease_until=utcnow()
    )
    claim = HandledEvent.objects(id=key).only("attempts").first()
    attempts = claim.attempts if claim is not None else 1
    if attempts >= MAX_ATTEMPTS:
        DeadLetter(id=key, consumer=consumer, envelope=envelope, error=error, parked_at=utcnow()).save()
        HandledEvent.objects(id=key).update_one(set__state="done", unset__lease_until=True, set__handled_at=utcnow())
        HANDLED.labels(consumer, "parked").inc()
        log.error(
            "event parked after repeated failures",
            extra={
                "consumer": consumer,
                "event_id": envelope.get("id"),
                "attempts": attempts,
                "error": error,
            },
        )
        return "parked"
    HANDLED.labels(consumer, "retried").inc()
    pause = backoff_seconds(attempts)
    log.warning(
        "event handler failed; will retry",
        extra={"consumer": consumer, "event_id": envelope.get("id"), "attempt": attempts, "retry_in": pause},
        exc_info=exc,
    )
    _sleep(pause)
    raise exc


def _sleep(seconds: float) -> None:
    import eventlet  # workers are eventlet processes; a green sleep keeps the other handlers running

    eventlet.sleep(seconds)
