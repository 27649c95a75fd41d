"""The SMPP 3.4 provider: one transceiver bind to the carrier's SMSC (smpp34.Client), kept up in the background.

submit() splits the text into parts (segments.split, one reference per message) and submits each with
registered_delivery=1; the SMSC's message id of each part is what its delivery receipt names. A bounded
window of submit_sm is outstanding at once (extra callers wait). Incoming deliver_sm are delivery receipts
(esm_class 0x04: the receipt text `id:… stat:… err:… done date:…` and/or the receipted_message_id and
message_state TLVs) or messages from handsets (decoded by data_coding, concatenated parts reassembled).

smpp34's session sends enquire_link on its own timer and ends the session when the link dies; the provider
then rebinds with backoff (1 s doubling to 30 s), `ready` is False and submit() raises TransientError at once.
smpp34's client does not report a refused bind (wrong password): it waits out the connect timeout, which the
provider logs as a failed bind and retries with the same backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import secrets

import smpp34

from services.sms.domain import segments
from services.sms.providers.base import (
    DELIVERED,
    EXPIRED,
    REJECTED,
    UNDELIVERABLE,
    Inbound,
    OnInbound,
    OnReceipt,
    Outgoing,
    PermanentError,
    Receipt,
    Submitted,
    TransientError,
)
from services.sms.providers.phones import national

log = logging.getLogger("sms.smpp")

CHINA = dt.timezone(dt.timedelta(hours=8))  # receipt dates carry no zone; mainland SMSCs write Beijing time
RECEIPT_KIND = 0x3C  # esm_class bits 2-5: message type
DELIVERY_RECEIPT = 0x04
GBK = 0x0F  # what some mainland gateways use for Chinese instead of UCS-2

# command_status of a refused submit_sm that is worth retrying later; any other refusal is permanent.
TRANSIENT_STATUSES = {
    0x04: "ESME_RINVBNDSTS",  # not bound (yet)
    0x08: "ESME_RSYSERR",
    0x14: "ESME_RMSGQFUL",
    0x45: "ESME_RSUBMITFAIL",
    0x58: "ESME_RTHROTTLED",
    0x64: "ESME_RX_T_APPN",
}
PERMANENT_STATUSES = {
    0x01: "ESME_RINVMSGLEN",
    0x0A: "ESME_RINVSRCADR",
    0x0B: "ESME_RINVDSTADR",
    0x43: "ESME_RINVESMCLASS",
    0x48: "ESME_RINVSRCTON",
    0x49: "ESME_RINVSRCNPI",
    0x50: "ESME_RINVDSTTON",
    0x51: "ESME_RINVDSTNPI",
    0x61: "ESME_RINVSCHED",
    0x62: "ESME_RINVEXPIRY",
    0x65: "ESME_RX_R_APPN",
}

# Receipt `stat:` values and message_state TLV values that are final, mapped to ours.
RECEIPT_STATS = {
    "DELIVRD": DELIVERED,
    "EXPIRED": EXPIRED,
    "UNDELIV": UNDELIVERABLE,
    "DELETED": UNDELIVERABLE,
    "REJECTD": REJECTED,
}
MESSAGE_STATES = {2: DELIVERED, 3: EXPIRED, 4: UNDELIVERABLE, 5: UNDELIVERABLE, 8: REJECTED}
_FIELD = re.compile(r"(id|stat|err|done date):(\S*)", re.IGNORECASE)


def parse_receipt(text: str, tlvs: dict[int, bytes] | None = None, tz: dt.tzinfo = CHINA) -> Receipt | None:
    """A delivery receipt from its text (`id:… stat:… err:… done date:YYMMDDhhmm[ss]`) and its TLVs (which
    win when both are present); None when it names no message or reports no final state."""
    tlvs = tlvs or {}
    fields = {name.lower(): value for name, value in _FIELD.findall(text)}
    provider_id = fields.get("id", "")
    if smpp34.TLV_RECEIPTED_MESSAGE_ID in tlvs:
        provider_id = tlvs[smpp34.TLV_RECEIPTED_MESSAGE_ID].rstrip(b"\x00").decode("latin-1")
    stat = fields.get("stat", "").upper()
    state = RECEIPT_STATS.get(stat)
    if smpp34.TLV_MESSAGE_STATE in tlvs and tlvs[smpp34.TLV_MESSAGE_STATE]:
        state = MESSAGE_STATES.get(tlvs[smpp34.TLV_MESSAGE_STATE][0], state)
    if not provider_id or state is None:
        return None
    error = "" if state == DELIVERED else f"{stat or 'ERR'}:{fields.get('err', '')}"
    return Receipt(provider_id=provider_id, state=state, error=error, at=_receipt_time(fields.get("done date", ""), tz))


def _receipt_time(value: str, tz: dt.tzinfo) -> dt.datetime | None:
    for pattern in ("%y%m%d%H%M%S", "%y%m%d%H%M"):
        if len(value) == len(dt.datetime(2000, 1, 1).strftime(pattern)):
            try:
                return dt.datetime.strptime(value, pattern).replace(tzinfo=tz).astimezone(dt.UTC)
            except ValueError:
                return None
    return None


def decode(data: bytes, coding: int) -> str:
    """A short message's text by its data_coding (0: the SMSC's default alphabet, read as ASCII/Latin-1)."""
    if coding == segments.UCS2:
        return data.decode("utf-16-be", errors="replace")
    if coding == GBK:
        return data.decode("gbk", errors="replace")
    return data.decode("latin-1")


def submit_error(status: int) -> Exception:
    """The exception a refused submit_sm's command_status becomes."""
    if status in TRANSIENT_STATUSES:
        return TransientError(f"SMSC refused the part for now: {TRANSIENT_STATUSES[status]}")
    return PermanentError(PERMANENT_STATUSES.get(status, f"ESME_0x{status:08X}"), "refused by the SMSC")


class SmppProvider:
    name = "smpp"

    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        source_addr: str,
        *,
        window: int = 10,
        submit_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
    ):
        self.host, self.port = host, port
        self.system_id, self.password = system_id, password
        self.source_addr = source_addr
        self.window = window
        self.submit_timeout = submit_timeout
        self.connect_timeout = connect_timeout
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self._slots = asyncio.Semaphore(window)
        self._session: smpp34.Smsc | None = None
        self._task: asyncio.Task | None = None
        self._closing = False
        self._reference = secrets.randbelow(256)
        self._mo_parts: dict[tuple[str, int], dict[int, bytes]] = {}
        self._on_receipt: OnReceipt | None = None
        self._on_inbound: OnInbound | None = None

    @property
    def ready(self) -> bool:
        return self._session is not None

    async def start(self, on_receipt: OnReceipt, on_inbound: OnInbound) -> None:
        self._on_receipt, self._on_inbound = on_receipt, on_inbound
        self._task = asyncio.create_task(self._keep_bound(), name="smpp-bind")

    async def close(self) -> None:
        self._closing = True
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.unbind(), timeout=2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    # -- the bind ----------------------------------------------------------------------------------------
    async def _keep_bound(self) -> None:
        delay = self.backoff_initial
        while not self._closing:
            client = smpp34.Client(
                self.host,
                self.port,
                self.system_id,
                self.password,
                bind_type="TRX",
                window_size=self.window,
                connect_timeout_ms=int(self.connect_timeout * 1000),
            )
            try:
                session = await client.connect()
            except Exception as exc:  # noqa: BLE001 - refused, unreachable, timed out: all retried
                log.warning("smpp bind failed", extra={"host": self.host, "port": self.port, "error": str(exc)})
                with contextlib.suppress(Exception):
                    await client.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
                continue
            log.info("smpp bound", extra={"host": self.host, "port": self.port, "system_id": self.system_id})
            self._session, delay = session, self.backoff_initial
            try:
                await self._read(session)
            finally:
                self._session = None
                with contextlib.suppress(Exception):
                    await client.stop()
            if not self._closing:
                log.warning("smpp link lost; rebinding", extra={"in_seconds": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)

    async def _read(self, session: smpp34.Smsc) -> None:
        while True:
            event = await session.next()
            if not isinstance(event, smpp34.DeliverSmEvent):
                return  # Disconnected
            try:
                await self._deliver_sm(event)
            except Exception:  # noqa: BLE001 - one bad PDU or callback must not drop the bind
                log.exception("deliver_sm not handled")

    async def _deliver_sm(self, event: smpp34.DeliverSmEvent) -> None:
        tlvs = {tlv.tag: tlv.value for tlv in event.tlvs}
        if event.esm_class & RECEIPT_KIND == DELIVERY_RECEIPT:
            receipt = parse_receipt(event.short_message.decode("latin-1"), tlvs)
            if receipt is None:
                log.warning("unreadable delivery receipt", extra={"text": event.short_message[:160].hex()})
            elif self._on_receipt is not None:
                await self._on_receipt(receipt)
            return
        data = event.short_message or tlvs.get(smpp34.TLV_MESSAGE_PAYLOAD, b"")
        phone = national(event.source_addr) or event.source_addr
        if event.esm_class & segments.UDHI and len(data) >= 6 and data[:3] == b"\x05\x00\x03":
            reference, total, seq = data[3], data[4], data[5]
            parts = self._mo_parts.setdefault((phone, reference), {})
            parts[seq] = data
            if len(parts) < total:
                return
            del self._mo_parts[(phone, reference)]
            payload = b"".join(parts[i][parts[i][0] + 1 :] for i in sorted(parts))
        elif event.esm_class & segments.UDHI and data:
            payload = data[data[0] + 1 :]  # a header we do not reassemble by: skip it
        else:
            payload = data
        inbound = Inbound(phone=phone, text=decode(payload, event.data_coding), at=dt.datetime.now(dt.UTC))
        if self._on_inbound is not None:
            await self._on_inbound(inbound)

    # -- submit ------------------------------------------------------------------------------------------
    async def submit(self, message: Outgoing) -> Submitted:
        if self._session is None:
            raise TransientError("SMPP not bound")
        phone = national(message.phone)
        if phone is None:
            raise PermanentError("ESME_RINVDSTADR", "not a mainland mobile number")
        self._reference = (self._reference + 1) % 256
        try:
            parts = segments.split(message.text, self._reference)
        except ValueError as exc:
            raise PermanentError("ESME_RINVMSGLEN", str(exc)) from None
        ids: list[str] = []
        for index, part in enumerate(parts):
            try:
                ids.append(await self._submit_part(phone, part, retry_throttled=index > 0))
            except (TransientError, PermanentError):
                if ids:
                    log.warning(
                        "message partly submitted",
                        extra={"message_id": message.message_id, "parts": len(parts), "accepted": len(ids)},
                    )
                raise
        return Submitted(message_id=message.message_id, provider_ids=tuple(ids))

    async def _submit_part(self, phone: str, part: segments.Part, *, retry_throttled: bool) -> str:
        """One submit_sm; a throttled later part of a message is retried briefly, since the handset
        already holds the earlier ones."""
        for attempt in range(4 if retry_throttled else 1):
            session = self._session
            if session is None:
                raise TransientError("SMPP not bound")
            async with self._slots:
                try:
                    reply = await asyncio.wait_for(
                        session.submit_sm(
                            phone,
                            part.short_message,
                            source_addr=self.source_addr,
                            esm_class=part.esm_class,
                            data_coding=part.data_coding,
                            registered_delivery=1,
                        ),
                        timeout=self.submit_timeout,
                    )
                except TimeoutError:
                    raise TransientError("submit_sm timed out") from None
                except Exception as exc:  # noqa: BLE001 - the session ended under us (smpp34 raises SmppError)
                    raise TransientError(f"submit_sm failed: {exc}") from None
            if reply.is_success and reply.message_id:
                return reply.message_id
            if reply.command_status != smpp34.ESME_RTHROTTLED or attempt == 3 or not retry_throttled:
                raise submit_error(reply.command_status)
            await asyncio.sleep(0.25 * (attempt + 1))
        raise AssertionError("unreachable")
