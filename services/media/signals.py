"""Transient announcements of calls, straight to the broker: signals and who entered or left a room.

These are not domain events and skip the outbox on purpose: a WebRTC offer or candidate is worthless a few
seconds later, and a lost one is recovered by the peers themselves (ICE restarts, the client offers again).
They go to media's exchange (`media.events`, declared as nameko declares it) with the event type as routing
key, non-persistent and without publisher confirms; every gateway's live queue binds the keys it forwards
(gateway/live.py). The envelope has the outbox's shape (kernel/outbox.py envelope_of).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import uuid
from typing import Any

import kombu
from prometheus_client import Counter

from kernel import context, logs
from kernel.errors import DomainError, ErrorCode
from kernel.outbox import exchange
from services.media import events

log = logging.getLogger(__name__)

SENT = Counter("jiceng_media_call_announcements_total", "Transient call announcements published", ["type"])


class Announcer:
    """One broker connection per process, shared by the server's threads (a lock around each publish)."""

    def __init__(self, amqp_uri: str):
        self.amqp_uri = amqp_uri
        self._lock = threading.Lock()
        self._conn: kombu.Connection | None = None
        self._producer: kombu.Producer | None = None

    def _ensure(self) -> kombu.Producer:
        if self._producer is None:
            self._conn = kombu.Connection(self.amqp_uri, connect_timeout=3)
            self._conn.connect()
            self._producer = kombu.Producer(self._conn.channel())
            exchange(events.SOURCE).declare(channel=self._producer.channel)
        return self._producer

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.release()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close too
                log.debug("closing the announcer's connection failed", exc_info=True)
        self._conn = self._producer = None

    def publish(self, event_type: str, data: dict[str, Any], actor_id: str) -> None:
        envelope = {
            "id": uuid.uuid4().hex,
            "source": events.SOURCE,
            "type": event_type,
            "tenant": context.current().tenant,
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "actor_id": actor_id,
            "request_id": logs.request_id_var.get(),
            "data": data,
        }
        body = json.dumps(envelope, ensure_ascii=False)
        with self._lock:
            for attempt in (1, 2):  # a connection the broker dropped is found out on use: connect once more
                try:
                    self._ensure().publish(
                        body,
                        exchange=exchange(events.SOURCE),
                        routing_key=event_type,
                        content_type="application/json",
                        content_encoding="utf-8",
                        delivery_mode=1,
                        retry=False,
                    )
                    SENT.labels(event_type).inc()
                    return
                except Exception:  # noqa: BLE001 - any broker failure: reconnect, then give up
                    self._drop()
                    if attempt == 2:
                        log.warning("call announcement not published", extra={"type": event_type}, exc_info=True)
        raise DomainError(ErrorCode.UNAVAILABLE, "call_signal_unavailable")
