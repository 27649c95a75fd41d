"""The kernel's outbox and inbox against the real database and broker."""

from __future__ import annotations

import json
import uuid

import kombu
import mongoengine as me
import pytest

from kernel import events, store
from kernel.config import StoreConfig
from kernel.outbox import OutboxEvent, OutboxRelay

pytestmark = pytest.mark.service


class Note(store.TenantDocument):
    text = me.StringField()
    meta = {"collection": "notes"}


@pytest.fixture(scope="module")
def database(stack):
    config = StoreConfig(
        region="kerneltest", mongo_uri=stack.env["MONGO_URI"], mongo_db=f"kernel_{uuid.uuid4().hex[:8]}"
    )
    client = store.connect(config, "kernel")
    yield client
    client.drop_database(config.mongo_db)
    me.disconnect(alias="default")


def test_a_write_and_its_event_commit_together(database):
    def write(uow):
        uow.insert(Note(tenant="kerneltest", text="kept"))
        uow.emit("kerneltest", "note_added", {"text": "kept"})

    store.atomically("kerneltest", write)
    assert Note.in_tenant("kerneltest").filter(text="kept").count() == 1
    assert OutboxEvent.objects(type="note_added", pending=True).count() == 1

    def failing(uow):
        uow.insert(Note(tenant="kerneltest", text="lost"))
        uow.emit("kerneltest", "note_added", {"text": "lost"})
        raise RuntimeError("the business rule said no")

    with pytest.raises(RuntimeError):
        store.atomically("kerneltest", failing)
    assert Note.in_tenant("kerneltest").filter(text="lost").count() == 0
    assert OutboxEvent.objects(data__text="lost").count() == 0


def test_a_unit_of_work_writes_one_tenant_only(database):
    with pytest.raises(ValueError, match="one tenant"):
        store.atomically("kerneltest", lambda uow: uow.insert(Note(tenant="other", text="x")))
    with pytest.raises(ValueError, match="needs a tenant"):
        Note.in_tenant("")


def _listening(conn: kombu.Connection, source: str) -> kombu.Queue:
    """A queue of this test's own, bound to every event of source."""
    queue = kombu.Queue(
        f"kt-{uuid.uuid4().hex[:6]}",
        kombu.Exchange(f"{source}.events", "topic", durable=True),
        routing_key="#",
        exclusive=True,
    )
    queue(conn.channel()).declare()
    return queue


def test_the_relay_publishes_persistent_messages_and_marks_them(database, stack):
    with kombu.Connection(stack.env["AMQP_URI"]) as conn:
        queue = _listening(conn, "relaytest")
        store.atomically("kerneltest", lambda uow: [uow.emit("relaytest", "ping", {"n": n}) for n in range(3)])
        relay = OutboxRelay("relaytest", stack.env["AMQP_URI"])
        assert relay.relay_once() == 3
        assert relay.relay_once() == 0
        relay.stop()
        got = []
        for _ in range(3):
            message = queue(conn.channel()).get(no_ack=True)
            got.append(message)
        assert sorted(json.loads(m.body)["data"]["n"] for m in got) == [0, 1, 2]
        assert all(m.properties["delivery_mode"] == 2 for m in got)
        assert got[0].headers["nameko.request_id"] == ""
    assert OutboxEvent.objects(source="relaytest", pending=True).count() == 0


def test_the_relay_publishes_what_this_process_commits_without_reading_it_back(database, stack):
    with kombu.Connection(stack.env["AMQP_URI"]) as conn:
        queue = _listening(conn, "handtest")
        relay = OutboxRelay("handtest", stack.env["AMQP_URI"])
        try:
            store.atomically("kerneltest", lambda uow: [uow.emit("handtest", "ping", {"n": n}) for n in range(2)])
            store.atomically("kerneltest", lambda uow: uow.emit_many("handtest", [("pong", {"n": 2})]))
            assert relay.relay_handed() == 3
            assert OutboxEvent.objects(source="handtest", pending=True).count() == 3  # marked in one write, later
            assert relay.relay_once() == 0  # the sweep leaves what this relay published
            relay._mark()
            assert OutboxEvent.objects(source="handtest", pending=True).count() == 0
        finally:
            relay.stop()
        got = [queue(conn.channel()).get(no_ack=True) for _ in range(3)]
        bodies = [json.loads(m.body) for m in got]
        assert [(b["type"], b["data"]["n"]) for b in bodies] == [("ping", 0), ("ping", 1), ("pong", 2)]
        assert all(b["tenant"] == "kerneltest" and b["occurred_at"].endswith("+00:00") for b in bodies)
        assert queue(conn.channel()).get(no_ack=True) is None  # each once


def _envelope(event_id: str) -> dict:
    return {"id": event_id, "source": "s", "type": "t", "tenant": "kerneltest", "data": {"x": 1}}


def test_a_handled_event_is_skipped_when_delivered_again(database):
    calls = []
    event_id = uuid.uuid4().hex
    assert events.process("c.h", _envelope(event_id), calls.append) == "handled"
    assert events.process("c.h", _envelope(event_id), calls.append) == "duplicate"
    assert len(calls) == 1 and calls[0].tenant == "kerneltest" and calls[0].data == {"x": 1}


def test_a_failing_handler_is_retried_then_parked_never_dropped(database, monkeypatch):
    pauses = []
    monkeypatch.setattr(events, "_sleep", pauses.append)
    event_id = uuid.uuid4().hex

    def broken(event):
        raise KeyError("missing field")

    for _ in range(events.MAX_ATTEMPTS - 1):
        with pytest.raises(KeyError):
            events.process("c.broken", _envelope(event_id), broken)
    assert pauses == sorted(pauses) and pauses[0] < pauses[-1]  # backing off
    assert events.process("c.broken", _envelope(event_id), broken) == "parked"
    parked = events.DeadLetter.objects(id=f"c.broken:{event_id}").first()
    assert parked is not None and "missing field" in parked.error and parked.envelope["data"] == {"x": 1}
    claim = events.HandledEvent.objects(id=f"c.broken:{event_id}").first()
    assert (claim.state, claim.attempts) == ("done", events.MAX_ATTEMPTS) and "missing field" in claim.last_error
    assert events.process("c.broken", _envelope(event_id), broken) == "duplicate"


def test_concurrent_deliveries_of_one_event_run_the_handler_once(database, monkeypatch):
    monkeypatch.setattr(events, "_sleep", lambda seconds: None)
    event_id = uuid.uuid4().hex
    calls = []

    def handler(event):
        calls.append(event.id)
        # While this delivery is being handled, the broker hands the same event to another worker.
        with pytest.raises(events.EventBusy):
            events.process("c.slow", _envelope(event_id), calls.append)

    assert events.process("c.slow", _envelope(event_id), handler) == "handled"
    assert calls == [event_id]
    assert events.process("c.slow", _envelope(event_id), calls.append) == "duplicate"


def test_a_retry_after_a_failure_takes_the_claim_over_at_once(database, monkeypatch):
    monkeypatch.setattr(events, "_sleep", lambda seconds: None)
    event_id = uuid.uuid4().hex
    attempts = []

    def flaky(event):
        attempts.append(event.id)
        if len(attempts) == 1:
            raise ConnectionError("database away")

    with pytest.raises(ConnectionError):
        events.process("c.flaky", _envelope(event_id), flaky)
    assert events.process("c.flaky", _envelope(event_id), flaky) == "handled"  # not "busy": the lease ended
    claim = events.HandledEvent.objects(id=f"c.flaky:{event_id}").first()
    assert (claim.state, claim.attempts, len(attempts)) == ("done", 1, 2)


def test_a_claim_left_by_a_dead_worker_expires_and_is_taken_over(database):
    event_id = uuid.uuid4().hex
    key = f"c.dead:{event_id}"
    past = store.utcnow() - events.LEASE
    events.HandledEvent(id=key, state="processing", lease_until=past, handled_at=past).save()
    calls = []
    assert events.process("c.dead", _envelope(event_id), calls.append) == "handled"
    assert len(calls) == 1
