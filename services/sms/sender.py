"""The sender: `python -m services.sms.sender`. Hands queued messages to the provider, no faster than it
allows, and applies what comes back.

One asyncio loop:
- lease: due messages, the most urgent first (one-time codes before reminders before bulk), each leased for
  SMS_LEASE_SECONDS; the opted out are dropped just before their submit (an opt-out counts from then on);
- submit: a token bucket of SMS_PROVIDER_TPS parts per second (what the provider's contract allows) and at
  most SMS_IN_FLIGHT submits awaiting an answer; TransientError → back in the queue (at once if the provider
  was not there, with backoff if it answered), PermanentError → failed and its parts given back;
- while the provider is down nothing is leased: the queue waits, nothing is lost, and when the provider is
  back the queue goes out in order;
- receipts and handsets' messages from the provider: statuses (messages.py) and replies (replies.py);
- every second the parts sent are added to the orgs' usage and the messages' moves to their sends'
  counters; sweeps apply receipts that overtook their submit's record and return the leases of a sender
  that died.
Database calls run in threads (mongoengine is synchronous); the provider's I/O stays on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass

from bson import ObjectId
from prometheus_client import Counter, Gauge

from kernel import config as kconfig
from kernel import logs, metrics, store
from kernel.outbox import OutboxRelay
from services.sms import messages, optouts, providers, replies, sends, usage
from services.sms import store as sms_store
from services.sms.domain import rules
from services.sms.providers.base import Inbound, Outgoing, PermanentError, Provider, Receipt, TransientError
from services.sms.settings import SenderConfig

log = logging.getLogger(__name__)

SUBMITS = Counter("jiceng_sms_submits_total", "Messages handed to the provider", ["outcome"])
PARTS = Counter("jiceng_sms_parts_submitted_total", "Parts the provider accepted")
RECEIPTS = Counter("jiceng_sms_receipts_total", "Delivery receipts", ["state"])
INBOUND = Counter("jiceng_sms_inbound_total", "Messages from handsets", ["outcome"])
READY = Gauge("jiceng_sms_provider_ready", "1 while the provider is connected")
IN_FLIGHT = Gauge("jiceng_sms_in_flight", "Submits awaiting the provider's answer")

RECORD_BATCH = 100  # accepted submits recorded in one command (or every RECORD_SECONDS)
RECORD_SECONDS = 0.1
RECENT_SUBMITS = 200_000  # provider ids remembered for one-write receipts (~30 MB); older ones take 3 or 4
RECEIPT_WORKERS = 3  # receipts applied side by side (each a database round trip or four)
RECEIPT_BATCH = 200
IDLE_SECONDS = 0.5  # between looks at an empty queue (a login code waits at most this long)


class TokenBucket:
    """rate units per second; a burst of at most a twentieth of a second's worth (at least one message)."""

    def __init__(self, rate: float):
        self.rate = rate
        self.capacity = max(1.0, rate / 20)
        self.tokens = 0.0
        self.at = time.monotonic()

    async def take(self, n: int) -> None:
        while True:
            now = time.monotonic()
            self.tokens = min(max(self.capacity, n), self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= n:
                self.tokens -= n
                return
            await asyncio.sleep((n - self.tokens) / self.rate)


@dataclass(frozen=True)
class SendView:
    kind: str
    text: str
    signature: str
    template_code: str
    provider_code: str
    params: dict


class Sender:
    def __init__(self, tenant: str, provider: Provider, config: SenderConfig):
        self.tenant = tenant
        self.provider = provider
        self.config = config
        self.bucket = TokenBucket(config.sms_provider_tps)
        self.slots = asyncio.Semaphore(config.sms_in_flight)
        self.sends: dict[str, SendView] = {}
        self.sent: dict[tuple[str, str], usage.Sent] = defaultdict(usage.Sent)
        self.moves: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # the sends' counters
        self.lanes = messages.Lanes()
        self.accepted: list[tuple[messages.Leased, tuple[str, ...]]] = []  # submits not recorded yet
        self.record_now = asyncio.Event()
        self.recording = asyncio.Lock()
        # receipts wait here: the provider's reading never waits for the database (an SMSC whose receipts are
        # not read stops answering submits)
        self.receipts: asyncio.Queue[Receipt] = asyncio.Queue()
        self.recent: OrderedDict[str, messages.Known] = OrderedDict()  # provider id -> (message, send, parts)
        self.tasks: set[asyncio.Task] = set()

    # -- the queue ----------------------------------------------------------------------------------
    async def run(self, stopping: asyncio.Event) -> None:
        await self.provider.start(self.on_receipt, self.on_inbound)
        loops = [
            asyncio.create_task(self._every(1.0, self.flush_usage, stopping)),
            asyncio.create_task(self._every(5.0, self._sweep_receipts, stopping)),
            asyncio.create_task(self._every(30.0, self._release_stale, stopping)),
        ]
        appliers = [asyncio.create_task(self.apply_receipts(stopping)) for _ in range(RECEIPT_WORKERS)]
        recorder = asyncio.create_task(self.record_accepted(stopping))
        try:
            await self.lease_loop(stopping)
        finally:
            if self.tasks:
                await asyncio.wait(self.tasks, timeout=10)
            for task in loops:
                task.cancel()
            await asyncio.wait([recorder], timeout=10)
            await asyncio.wait(appliers, timeout=10)
            await self.flush_usage()
            await self.provider.close()

    async def lease_loop(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            READY.set(1 if self.provider.ready else 0)
            if not self.provider.ready:
                await asyncio.sleep(IDLE_SECONDS)
                continue
            room = self.config.sms_in_flight * 2
            batch = await asyncio.to_thread(
                messages.lease, self.tenant, room, self.config.sms_lease_seconds, lanes=self.lanes
            )
            if not batch:
                await asyncio.sleep(IDLE_SECONDS)
                continue
            views = await asyncio.to_thread(self._views, {m.send_id for m in batch})
            out = await asyncio.to_thread(
                optouts.opted_out, self.tenant, [m.phone for m in batch if views[m.send_id].kind != rules.OTP]
            )
            for m in batch:
                view = views[m.send_id]
                if m.phone in out and view.kind != rules.OTP:
                    if await asyncio.to_thread(self._dropped, m, "opted_out"):
                        self.moved(m.send_id, rules.M_CANCELLED)
                    continue
                await self.bucket.take(m.parts)
                await self.slots.acquire()
                task = asyncio.create_task(self.submit(m, view))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    def _views(self, send_ids: set[str]) -> dict[str, SendView]:
        missing = [ObjectId(s) for s in send_ids if s not in self.sends]
        if missing:
            if len(self.sends) > 10_000:
                self.sends.clear()
            fields = ("id", "kind", "text", "signature", "template_code", "provider_code", "params")
            for row in sends.Send.in_tenant(self.tenant).filter(id__in=missing).only(*fields):
                self.sends[str(row.id)] = SendView(
                    row.kind, row.text, row.signature, row.template_code, row.provider_code, dict(row.params)
                )
        return {s: self.sends[s] for s in send_ids}

    async def submit(self, m: messages.Leased, view: SendView) -> None:
        IN_FLIGHT.inc()
        try:
            outgoing = Outgoing(
                message_id=m.id,
                phone=m.phone,
                text=view.text,
                signature=view.signature,
                template_code=view.provider_code or view.template_code,
                params=view.params,
            )
            try:
                accepted = await self.provider.submit(outgoing)
            except TransientError as exc:
                counted = self.provider.ready
                status = await asyncio.to_thread(messages.retry, self.tenant, m, counted)
                SUBMITS.labels("transient").inc()
                if status == rules.M_EXPIRED:
                    self.moved(m.send_id, rules.M_EXPIRED)
                    await asyncio.to_thread(usage.refund, self.tenant, m.org_id, m.month, m.parts)
                log.info("submit deferred", extra={"message_id": m.id, "error": str(exc), "status": status})
            except PermanentError as exc:
                SUBMITS.labels("permanent").inc()
                if await asyncio.to_thread(messages.failed, self.tenant, m.id, exc.code):
                    self.moved(m.send_id, rules.M_FAILED)
                    await asyncio.to_thread(usage.refund, self.tenant, m.org_id, m.month, m.parts)
                log.info("submit refused", extra={"message_id": m.id, "error": exc.code})
            else:
                self.accepted.append((m, accepted.provider_ids))  # recorded by the next flush (record_accepted)
                if len(self.accepted) >= RECORD_BATCH:
                    self.record_now.set()
                SUBMITS.labels("accepted").inc()
                PARTS.inc(m.parts)
                total = self.sent[(m.org_id, m.month)]
                total.parts += m.parts
                total.messages += 1
                total.cost_li += m.parts * self.config.sms_price_li
        except Exception:
            log.exception("submit failed", extra={"message_id": m.id})
        finally:
            IN_FLIGHT.dec()
            self.slots.release()

    def _dropped(self, m: messages.Leased, reason: str) -> bool:
        if messages.drop(self.tenant, m.id, reason):
            usage.refund(self.tenant, m.org_id, m.month, m.parts)
            return True
        return False

    async def record_accepted(self, stopping: asyncio.Event) -> None:
        """What the provider accepted goes to the messages in batches (a sender stopping records what it has;
        one dying loses under RECORD_SECONDS of records: those messages go out again when their lease ends)."""
        while not (stopping.is_set() and not self.accepted and not self.tasks):
            try:
                await asyncio.wait_for(self.record_now.wait(), timeout=RECORD_SECONDS)
            except TimeoutError:
                pass
            self.record_now.clear()
            await self.record()

    async def record(self) -> None:
        """Record every submit accepted so far (receipts call it first: theirs must be on record)."""
        async with self.recording:
            batch, self.accepted = self.accepted, []
            if not batch:
                return
            try:
                done = set(
                    await asyncio.to_thread(
                        messages.submitted_many, self.tenant, [(m.id, list(ids)) for m, ids in batch]
                    )
                )
            except Exception:
                log.exception("accepted submits not recorded", extra={"messages": len(batch)})
                self.accepted[:0] = batch  # again with the next flush
                return
            for m, ids in batch:
                if m.id in done:
                    self.moved(m.send_id, rules.M_SUBMITTED)
                    self.remember(m, ids)

    def remember(self, m: messages.Leased, provider_ids: tuple[str, ...]) -> None:
        for provider_id in provider_ids:
            self.recent[provider_id] = (m.id, m.send_id, len(provider_ids))
        while len(self.recent) > RECENT_SUBMITS:
            self.recent.popitem(last=False)

    def moved(self, send_id: str, to: str, came_from: str = rules.M_SUBMITTING) -> None:
        """A message of the send moved (from submitting, or from submitted by a receipt): its counters."""
        counters = self.moves[send_id]
        if came_from in sends.COUNTERS:
            counters[sends.COUNTERS[came_from]] -= 1
        if to in sends.COUNTERS:
            counters[sends.COUNTERS[to]] += 1

    # -- what comes back ------------------------------------------------------------------------------
    async def on_receipt(self, r: Receipt) -> None:
        RECEIPTS.labels(r.state).inc()
        self.receipts.put_nowait(r)

    async def apply_receipts(self, stopping: asyncio.Event) -> None:
        while not (stopping.is_set() and self.receipts.empty()):
            try:
                batch = [await asyncio.wait_for(self.receipts.get(), timeout=IDLE_SECONDS)]
            except TimeoutError:
                continue
            while len(batch) < RECEIPT_BATCH and not self.receipts.empty():
                batch.append(self.receipts.get_nowait())
            await self.record()  # a receipt comes after its submit was accepted: have that on record first
            items = [(r.provider_id, r.state, r.error, self.recent.pop(r.provider_id, None)) for r in batch]
            try:
                moves = await asyncio.to_thread(messages.receipts, self.tenant, items)
            except Exception:
                log.exception("receipts not applied", extra={"receipts": len(items)})
                continue
            for send_id, status in moves:
                if status:
                    self.moved(send_id, status, came_from=rules.M_SUBMITTED)

    async def on_inbound(self, i: Inbound) -> None:
        outcome = await asyncio.to_thread(replies.receive, self.tenant, i.phone, i.text, i.at)
        INBOUND.labels(outcome).inc()

    # -- housekeeping ----------------------------------------------------------------------------------
    async def flush_usage(self) -> None:
        """What was sent goes to the orgs' usage, and the messages' moves to their sends' counters."""
        if self.sent:
            totals, self.sent = list(self.sent.items()), defaultdict(usage.Sent)
            await asyncio.to_thread(usage.record_sent, self.tenant, totals)
        if self.moves:
            moves, self.moves = self.moves, defaultdict(lambda: defaultdict(int))
            await asyncio.to_thread(sends.add_counts, self.tenant, moves)

    async def _sweep_receipts(self) -> None:
        for send_id, status in await asyncio.to_thread(messages.sweep_receipts, self.tenant, 1000, 30.0):
            if status:
                self.moved(send_id, status, came_from=rules.M_SUBMITTED)

    async def _release_stale(self) -> None:
        released = await asyncio.to_thread(messages.release_stale, self.tenant)
        if released:
            log.warning("leases returned to the queue", extra={"messages": released})

    @staticmethod
    async def _every(seconds: float, job, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                await asyncio.wait_for(stopping.wait(), timeout=seconds)
            except TimeoutError:
                pass
            try:
                await job()
            except Exception:
                log.exception("sender housekeeping failed")


async def serve(config: SenderConfig) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    provider = providers.build(os.environ)
    sender = Sender(config.region, provider, config)
    log.info("sender started", extra={"provider": provider.name, "tps": config.sms_provider_tps})
    await sender.run(stopping)
    log.info("sender stopped")


def main() -> None:
    config = kconfig.load(SenderConfig)
    logs.setup("sms-sender", config.log_level)
    metrics.serve(config.metrics_port)
    store.connect(config, "sms")
    sms_store.ensure_indexes()
    relay = OutboxRelay(None, config.amqp_uri)  # replies' events, published as they commit
    relay.start()
    try:
        asyncio.run(serve(config))
    finally:
        relay.stop()


if __name__ == "__main__":
    main()
