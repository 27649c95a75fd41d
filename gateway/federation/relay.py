"""The federation relay: `python -m gateway.federation.relay` delivers this region's messages to its peers.

orgs queues a message to a peer as the event `federation.<peer>` in the transaction of the change it
announces (services/orgs/federation.py). The relay keeps one durable queue per peer
(`federation-relay.<region>.<peer>`, bound to `orgs.events` with that routing key) and one thread per peer
that takes the queue's messages one at a time, in order, and POSTs each, signed, to the peer's gateway
(`/federation/v1/messages`). A message is acknowledged to the broker only after the peer answered 2xx; a
peer that is down or slow is retried with a growing pause (at most RETRY_MAX seconds) for as long as it
takes, and the other peers' threads go on meanwhile. The peer applies messages idempotently, so a message
delivered twice (the relay killed between the peer's answer and the ack) changes nothing the second time.

A message the peer refuses as malformed (400) or about something it does not have (404) cannot succeed
by retrying: it is moved to the peer's
dead-letter queue (`….dead`) for an operator, logged as an error and audited. Each delivery and each
refusal is in the audit log (identity's `federation.out`); the peer audits its side (`federation.in`).

The queues are declared when the relay starts: start it before orgs (the local stack does), or messages
published before any relay ever ran would have no queue to land in.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from pathlib import Path

import grpc
import httpx
import kombu
from prometheus_client import Counter, Gauge
from pydantic import Field

from gateway.federation.client import Peers, signed_request
from jiceng.identity.v1 import federation_pb2, federation_pb2_grpc
from kernel import config as kconfig
from kernel import context, logs, metrics
from kernel.config import BusConfig
from kernel.outbox import exchange

log = logging.getLogger("gateway.federation.relay")

RETRY_MAX = 30.0
DELIVERED = Counter("jiceng_federation_delivered_total", "Messages a peer acknowledged", ["peer"])
FAILED = Counter("jiceng_federation_attempts_failed_total", "Delivery attempts that failed", ["peer", "reason"])
PARKED = Counter("jiceng_federation_parked_total", "Messages a peer refused as malformed", ["peer"])
BACKLOG = Gauge("jiceng_federation_backlog", "Messages waiting for a peer (at the last look)", ["peer"])


class RelayConfig(BusConfig):
    federation_key_path: Path
    federation_peers_path: Path
    identity_addr: str = "127.0.0.1:50051"
    metrics_port: int = 0
    federation_timeout_seconds: float = Field(10.0, gt=0, le=120)


def queue_name(region: str, peer: str) -> str:
    return f"federation-relay.{region}.{peer}"


def queues(region: str, peer: str) -> tuple[kombu.Queue, kombu.Queue]:
    """The peer's queue (bound to orgs' events for that peer) and its dead-letter queue."""
    main = kombu.Queue(
        queue_name(region, peer), exchange=exchange("orgs"), routing_key=f"federation.{peer}", durable=True
    )
    dead = kombu.Queue(queue_name(region, peer) + ".dead", durable=True)
    return main, dead


class PeerLane:
    """One peer's delivery thread: its queue, in order, until stopped."""

    def __init__(self, config: RelayConfig, peers: Peers, peer: str, stopping: threading.Event):
        self.config = config
        self.peers = peers
        self.peer = peers.peer(peer)
        self.stopping = stopping
        self.http = httpx.Client(timeout=config.federation_timeout_seconds)
        self.identity = federation_pb2_grpc.FederationServiceStub(grpc.insecure_channel(config.identity_addr))

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._consume()
            except Exception:  # noqa: BLE001 - a broken broker connection: reconnect after a pause
                log.exception("relay to %s: broker connection lost; reconnecting", self.peer.region)
                self.stopping.wait(2.0)

    def _consume(self) -> None:
        main, dead = queues(self.peers.region, self.peer.region)
        with kombu.Connection(self.config.amqp_uri, heartbeat=30) as conn:
            channel = conn.channel()
            queue = main.bind(channel)
            queue.declare()  # again: a broker that lost its state since the start gets them back
            dead.bind(channel).declare()
            channel.basic_qos(0, 1, False)
            while not self.stopping.is_set():
                message = queue.get(no_ack=False)
                if message is None:
                    BACKLOG.labels(self.peer.region).set(0)
                    self.stopping.wait(0.2)
                    conn.heartbeat_check()
                    continue
                BACKLOG.labels(self.peer.region).set(1 + int(message.delivery_info.get("message_count") or 0))
                self._deliver(conn, channel, dead, message)

    def _deliver(self, conn, channel, dead: kombu.Queue, message) -> None:
        envelope = json.loads(message.body)
        data = envelope.get("data") or {}
        payload = {"message_id": data.get("message_id", ""), "kind": data.get("kind", ""), "body": data.get("body")}
        attempt = 0
        while not self.stopping.is_set():
            attempt += 1
            status = self._post(payload)
            if 200 <= status < 300:
                message.ack()
                DELIVERED.labels(self.peer.region).inc()
                self._audit(status, payload)
                return
            if status in (400, 404):  # malformed, or about nothing the peer has: retrying cannot help
                kombu.Producer(channel).publish(message.body, routing_key=dead.name, delivery_mode=2, retry=False)
                message.ack()
                PARKED.labels(self.peer.region).inc()
                log.error("peer %s refused message %s as malformed; parked", self.peer.region, payload["message_id"])
                self._audit(status, payload)
                return
            if status:  # the peer answered, but not yes (refused, or its service unavailable): audited, retried
                self._audit(status, payload)
            pause = min(0.5 * 2 ** min(attempt - 1, 8), RETRY_MAX)
            FAILED.labels(self.peer.region, str(status or "unreachable")).inc()
            log.warning(
                "peer %s: message %s not delivered (%s); retrying in %.1fs",
                self.peer.region,
                payload["message_id"],
                status or "unreachable",
                pause,
            )
            deadline = time.monotonic() + pause
            while time.monotonic() < deadline and not self.stopping.is_set():
                self.stopping.wait(min(1.0, deadline - time.monotonic()))
                conn.heartbeat_check()
        message.requeue()  # stopping: the broker hands it out again next time

    def _post(self, payload: dict) -> int:
        body, headers = signed_request(self.peers, self.peer, "POST", "/messages", payload)
        try:
            reply = self.http.post(self.peer.url.rstrip("/") + "/federation/v1/messages", content=body, headers=headers)
        except httpx.HTTPError:
            return 0
        return reply.status_code

    def _audit(self, status: int, payload: dict) -> None:
        request = federation_pb2.RecordOutboundRequest(
            to_region=self.peer.region,
            method="POST",
            path="/federation/v1/messages",
            status=status,
            subject=f"messages:{payload['kind']}",
            details={"message_id": str(payload["message_id"])},
        )
        ctx = context.CallContext(self.peers.region)
        try:
            self.identity.RecordOutbound(request, metadata=context.outgoing_metadata(ctx), timeout=5.0)
        except grpc.RpcError as err:  # the delivery stands; the missing entry is logged for the operator
            log.error("audit of a delivery to %s failed: %s", self.peer.region, err.code())


def declare(amqp_uri: str, peers: Peers) -> None:
    with kombu.Connection(amqp_uri) as conn:
        channel = conn.channel()
        for peer in peers.peers:
            for queue in queues(peers.region, peer):
                queue.bind(channel).declare()


def main() -> None:
    config = kconfig.load(RelayConfig)
    logs.setup("federation-relay", config.log_level)
    peers = Peers.load(config.region, config.federation_key_path, config.federation_peers_path)
    declare(config.amqp_uri, peers)  # before anything says it is up: orgs' messages need somewhere to land
    metrics.serve(config.metrics_port)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    lanes = [PeerLane(config, peers, p, stopping) for p in sorted(peers.peers)]
    threads = [threading.Thread(target=lane.run, name=f"relay-{lane.peer.region}", daemon=True) for lane in lanes]
    for thread in threads:
        thread.start()
    log.info("relaying to %s", ", ".join(sorted(peers.peers)) or "no peers")
    stopping.wait()
    for thread in threads:
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
