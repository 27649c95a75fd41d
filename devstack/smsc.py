"""A local SMSC for development and tests: the peer the sms service's providers talk to, over real protocols.

One asyncio process serving three ports:

- SMPP 3.4 (smpp34's server side). smpp34 accepts every bind and never sees the password, so a small gate
  in front of it reads each connection's first PDU: a bind with the right system_id and password is passed
  on (with the rest of the connection) to smpp34's server on a loopback port of its own; anything else is
  answered with a bind_resp carrying ESME_RINVSYSID / ESME_RINVPASWD / ESME_RBINDFAIL and closed.
  submit_sm: the destination must be a mainland mobile number (ESME_RINVDSTADR), at most `--tps` submit_sm
  per second (token bucket; ESME_RTHROTTLED), concatenated parts (UDH 05 00 03 ref total seq) reassembled
  per (destination, source, reference) on the handset; registered_delivery asks for a deliver_sm receipt
  per part after the receipt delay (DELIVRD, or UNDELIV err:001 for numbers configured unreachable).
  Receipts and handset replies wait while no receiving ESME is bound, and go out when one binds again.
  enquire_link is answered by smpp34's session itself.
- a cloud-style HTTP SMS API (Tencent Cloud / Aliyun style, signed as in services/sms/providers/signing.py):
  `POST /sms/send`, `POST /sms/status/pull`, `POST /sms/reply/pull`; templates come from the control API.
- a control API for tests and developers: `GET /handsets/{phone}/messages`, `POST /handsets/{phone}/reply`,
  `DELETE /handsets`, `POST /down`, `POST /up`, `PUT /config`, `PUT /templates/{code}`, `GET /stats`,
  `GET /health`.

Run: `python -m devstack.smsc --smpp-port P1 --http-port P2 --control-port P3 --tps N --system-id ID
--password PW --http-key-id K --http-key-secret S [--receipt-delay-ms 50]`; tests use `start(...)`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import http
import itertools
import json
import logging
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import smpp34

from devstack.layout import port_is_free
from kernel import logs
from services.sms.domain import segments
from services.sms.providers import signing
from services.sms.providers.phones import national

log = logging.getLogger("devstack.smsc")

CHINA = dt.timezone(dt.timedelta(hours=8))  # carriers write receipt dates in Beijing time
SERVICE_NUMBER = "1069000"  # where handset replies go when the handset never heard from the region

# SMPP 3.4 command ids and statuses the gate needs (smpp34 handles everything after the bind).
BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x00000001, 0x00000002, 0x00000009
BIND_KINDS = {BIND_RECEIVER: "receiver", BIND_TRANSMITTER: "transmitter", BIND_TRANSCEIVER: "transceiver"}
GENERIC_NACK = 0x80000000
ESME_RINVBNDSTS = 0x04
ESME_RBINDFAIL = 0x0D
ESME_RINVPASWD = 0x0E
ESME_RINVSYSID = 0x0F
MESSAGE_STATE = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}
MAX_OCTETS = {segments.DEFAULT_ALPHABET: 160}  # any other coding: 140 octets


# -- pieces --------------------------------------------------------------------------------------------
class TokenBucket:
    """`rate` per second, bursts up to one second's worth (at least one)."""

    def __init__(self, rate: float):
        self.rate = float(rate)
        self.capacity = max(self.rate, 1.0)
        self.tokens = self.capacity
        self.at = time.monotonic()

    def take(self, n: int = 1) -> bool:
        """Take n tokens if there are; a request bigger than the bucket waits for a full one."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        needed = min(n, self.capacity)
        if self.tokens >= needed:
            self.tokens -= needed
            return True
        return False


@dataclass
class Partial:
    """The parts of one concatenated message received so far."""

    total: int
    coding: int
    parts: dict[int, bytes] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)


def decode_text(data: bytes, coding: int) -> str:
    if coding == segments.UCS2:
        return data.decode("utf-16-be", errors="replace")
    return data.decode("latin-1")


def concatenation(short_message: bytes, esm_class: int) -> tuple[int, int, int] | None:
    """(reference, total, seq) of a part carrying an 8-bit concatenation header, else None."""
    if esm_class & segments.UDHI and len(short_message) >= 6 and short_message[:3] == b"\x05\x00\x03":
        return short_message[3], short_message[4], short_message[5]
    return None


def receipt_text(message_id: str, submitted: dt.datetime, done: dt.datetime, stat: str, err: str, text: str) -> str:
    delivered = "001" if stat == "DELIVRD" else "000"
    return (
        f"id:{message_id} sub:001 dlvrd:{delivered} submit date:{submitted:%y%m%d%H%M} "
        f"done date:{done:%y%m%d%H%M} stat:{stat} err:{err} text:{text[:20]}"
    )


def c_string(body: bytes, start: int) -> tuple[str, int]:
    end = body.index(b"\x00", start)
    return body[start:end].decode("latin-1"), end + 1


# -- a tiny HTTP/1.1 server (JSON in, JSON out) --------------------------------------------------------
Handler = Callable[[str, str, dict[str, str], bytes], Awaitable[tuple[int, object]]]


async def serve_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler) -> None:
    """Keep-alive request loop: Content-Length bodies only (what httpx and urllib send for JSON)."""
    try:
        while True:
            line = await reader.readline()
            if not line.strip():
                break
            method, target, _ = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            body = await reader.readexactly(length) if length else b""
            if "transfer-encoding" in headers:
                status, payload = 411, {"Code": "LengthRequired"}
            else:
                try:
                    status, payload = await handler(method.upper(), unquote(urlsplit(target).path), headers, body)
                except Exception:  # noqa: BLE001 - a simulator bug answers 500, the server keeps serving
                    log.exception("http handler failed")
                    status, payload = 500, {"Code": "InternalError"}
            data = json.dumps(payload, ensure_ascii=False).encode()
            writer.write(
                f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
                f"Content-Type: application/json; charset=utf-8\r\nContent-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        writer.close()


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# -- the SMSC ------------------------------------------------------------------------------------------
class Smsc:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tps = args.tps
        self.receipt_delay = args.receipt_delay_ms / 1000
        self.unreachable: set[str] = set()
        self.templates: dict[str, str] = {}
        self.up = True
        self.bucket = TokenBucket(self.tps)
        self.handsets: dict[str, list[dict]] = {}
        self.partials: dict[tuple[str, str, int], Partial] = {}
        self.last_sender: dict[str, str] = {}  # phone -> the source address it last heard from
        self.esmes: dict[str, smpp34.Esme] = {}
        self.outbox: deque[dict] = deque()  # deliver_sm waiting for a receiving ESME
        self.outbox_changed = asyncio.Event()
        self.status_queue: list[dict] = []  # HTTP receipts, pulled
        self.reply_queue: list[dict] = []  # HTTP replies, pulled
        self.nonces: dict[str, float] = {}
        self.links: set[asyncio.StreamWriter] = set()
        self.accepted_at: deque[float] = deque()
        self.ids = itertools.count(1)
        self.id_prefix = secrets.token_hex(3)
        self.stats = {
            "smpp_submits_accepted": 0,
            "smpp_submits_rejected": 0,
            "smpp_throttled": 0,
            "http_sends_accepted": 0,
            "http_parts_accepted": 0,
            "max_submits_per_second": 0,
            "binds": 0,
            "binds_refused": 0,
        }
        self.inner_port = 0
        self.server: smpp34.Server | None = None
        self.tasks: list[asyncio.Task] = []

    # -- common ----------------------------------------------------------------------------------------
    def _new_id(self) -> str:
        return f"{self.id_prefix}{next(self.ids):08d}"

    def _count_accepted(self, parts: int) -> None:
        """Track the busiest one-second window (what a rate test checks against --tps)."""
        now = time.monotonic()
        self.accepted_at.extend([now] * parts)
        while self.accepted_at and now - self.accepted_at[0] >= 1.0:
            self.accepted_at.popleft()
        self.stats["max_submits_per_second"] = max(self.stats["max_submits_per_second"], len(self.accepted_at))

    def _to_handset(self, phone: str, text: str, parts: int, via: str, ids: list[str], sender: str) -> None:
        self.last_sender[phone] = sender
        if phone in self.unreachable:
            return
        self.handsets.setdefault(phone, []).append(
            {
                "text": text,
                "parts": parts,
                "via": via,
                "provider_ids": ids,
                "from": sender,
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        )

    def _later(self, action: Callable[[], None]) -> None:
        asyncio.get_running_loop().call_later(self.receipt_delay, action)

    # -- SMPP: the bind gate ---------------------------------------------------------------------------
    async def _gate(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        inner_writer = None
        try:
            header = await reader.readexactly(16)
            length, command, _, sequence = struct.unpack(">IIII", header)
            body = await reader.readexactly(max(0, length - 16))
            refusal = self._check_bind(command, body)
            if refusal is not None:
                self.stats["binds_refused"] += 1
                reply_command = GENERIC_NACK if command not in BIND_KINDS else GENERIC_NACK | command
                reply_body = b"" if command not in BIND_KINDS else self.args.smsc_id.encode() + b"\x00"
                writer.write(struct.pack(">IIII", 16 + len(reply_body), reply_command, refusal, sequence) + reply_body)
                await writer.drain()
                return
            inner_reader, inner_writer = await asyncio.open_connection("127.0.0.1", self.inner_port)
            inner_writer.write(header + body)
            self.links.add(writer)
            await asyncio.gather(_pipe(reader, inner_writer), _pipe(inner_reader, writer))
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self.links.discard(writer)
            writer.close()
            if inner_writer is not None:
                inner_writer.close()

    def _check_bind(self, command: int, body: bytes) -> int | None:
        """None to let the bind through, else the command_status that refuses it."""
        if command not in BIND_KINDS:  # anything before a bind
            return ESME_RINVBNDSTS
        system_id, at = c_string(body, 0)
        password, _ = c_string(body, at)
        if not self.up:
            log.info("bind refused: down", extra={"system_id": system_id})
            return ESME_RBINDFAIL
        if system_id != self.args.system_id:
            log.info("bind refused: unknown system_id", extra={"system_id": system_id})
            return ESME_RINVSYSID
        if not secrets.compare_digest(password.encode(), self.args.password.encode()):
            log.info("bind refused: wrong password", extra={"system_id": system_id})
            return ESME_RINVPASWD
        log.info("bind accepted", extra={"system_id": system_id, "kind": BIND_KINDS[command]})
        return None

    # -- SMPP: sessions and submit_sm ------------------------------------------------------------------
    async def _smpp_events(self) -> None:
        assert self.server is not None
        while True:
            event = await self.server.next()
            if isinstance(event, smpp34.Esme):
                self.stats["binds"] += 1
                self.esmes[event.session_id] = event
                self.outbox_changed.set()
            elif isinstance(event, smpp34.Unbound):
                self.esmes.pop(event.session_id, None)
            elif isinstance(event, smpp34.SubmitSmEvent):
                try:
                    self._submit_sm(event)
                except Exception:  # noqa: BLE001 - one odd PDU must not stop the SMSC (smpp34 NAKs it if unanswered)
                    log.exception("submit_sm not handled")

    def _submit_sm(self, event: smpp34.SubmitSmEvent) -> None:
        phone = national(event.destination_addr)
        limit = MAX_OCTETS.get(event.data_coding, 140)
        if phone is None:
            status = smpp34.ESME_RINVDSTADR
        elif not 0 < len(event.short_message) <= limit:
            status = smpp34.ESME_RINVMSGLEN
        elif not self.bucket.take():
            status = smpp34.ESME_RTHROTTLED
            self.stats["smpp_throttled"] += 1
        else:
            status = smpp34.ESME_ROK
        if status != smpp34.ESME_ROK:
            self.stats["smpp_submits_rejected"] += 1
            event.reject(status)
            return
        assert phone is not None
        message_id = self._new_id()
        event.accept(message_id)
        self.stats["smpp_submits_accepted"] += 1
        self._count_accepted(1)
        submitted = dt.datetime.now(CHINA)
        source, coding, data = event.source_addr, event.data_coding, event.short_message
        concat = concatenation(data, event.esm_class)
        if concat is None:
            self._to_handset(phone, decode_text(data, coding), 1, "smpp", [message_id], source)
            preview = decode_text(data, coding) if coding == segments.DEFAULT_ALPHABET else ""
        else:
            reference, total, seq = concat
            key = (phone, source, reference)
            partial = self.partials.setdefault(key, Partial(total, coding))
            partial.parts[seq], partial.ids[seq] = data, message_id
            if len(partial.parts) == partial.total:
                del self.partials[key]
                ordered = [partial.parts[i] for i in sorted(partial.parts)]
                try:
                    _, text = segments.join(ordered, coding)
                except UnicodeDecodeError:  # not the ASCII our default alphabet is read as
                    text = decode_text(b"".join(part[part[0] + 1 :] for part in ordered), coding)
                ids = [partial.ids[i] for i in sorted(partial.ids)]
                self._to_handset(phone, text, total, "smpp", ids, source)
            preview = decode_text(data[6:], coding) if coding == segments.DEFAULT_ALPHABET else ""
        failed = phone in self.unreachable
        wanted = event.registered_delivery & 0x03
        if wanted == 1 or (wanted == 2 and failed):
            stat, err = ("UNDELIV", "001") if failed else ("DELIVRD", "000")

            def receipt() -> None:
                done = dt.datetime.now(CHINA)
                self._smpp_out(
                    phone,
                    source,
                    receipt_text(message_id, submitted, done, stat, err, preview).encode("ascii", "replace"),
                    esm_class=0x04,
                    tlvs=[
                        smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\x00"),
                        smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes([MESSAGE_STATE[stat]])),
                    ],
                )

            self._later(receipt)

    def _smpp_out(self, source: str, destination: str, data: bytes, **fields) -> None:
        self.outbox.append({"destination_addr": destination, "short_message": data, "source_addr": source, **fields})
        self.outbox_changed.set()

    async def _deliver_loop(self) -> None:
        """Send waiting deliver_sm, oldest first, to a bound receiver; keep them while there is none."""
        while True:
            receivers = [e for e in self.esmes.values() if e.can_receive]
            if not self.outbox or not receivers or not self.up:
                self.outbox_changed.clear()
                await self.outbox_changed.wait()
                continue
            item = self.outbox[0]
            esme = receivers[0]
            try:
                reply = await asyncio.wait_for(esme.deliver_sm(**item), timeout=10)
            except Exception as exc:  # noqa: BLE001 - a session that just went away (smpp34 may panic)
                log.info("deliver_sm failed; kept", extra={"error": str(exc)})
                self.esmes.pop(esme.session_id, None)
                await asyncio.sleep(0.1)
                continue
            if reply.is_success:
                self.outbox.popleft()
            else:  # the ESME refused it for now: retry later, after the others
                self.outbox.rotate(-1)
                await asyncio.sleep(0.2)

    async def _drop_sessions(self) -> None:
        for writer in list(self.links):
            writer.close()
        for esme in list(self.esmes.values()):
            with contextlib.suppress(Exception):
                await esme.unbind()
        self.esmes.clear()

    # -- the handset ------------------------------------------------------------------------------------
    def reply(self, phone: str, text: str) -> None:
        """The handset sends a message to the region: a deliver_sm (MO) on SMPP and a pullable HTTP reply."""
        service = self.last_sender.get(phone, SERVICE_NUMBER)
        for part in segments.split(text, next(self.ids) & 0xFF):
            self._smpp_out(
                phone,
                service,
                part.short_message,
                esm_class=part.esm_class,
                data_coding=part.data_coding,
            )
        now = dt.datetime.now(CHINA)
        self.reply_queue.append(
            {
                "PhoneNumber": f"+86{phone}",
                "ReplyContent": text,
                "ExtendCode": service.removeprefix(SERVICE_NUMBER),
                "ReplyTime": now.strftime("%Y-%m-%d %H:%M:%S"),
                "ReplyUnixTime": int(now.timestamp()),
            }
        )

    # -- HTTP provider API ------------------------------------------------------------------------------
    def _authenticate(self, method: str, path: str, headers: dict[str, str], body: bytes) -> str | None:
        """None when the request is signed by our key, else the error code."""
        key_id = headers.get(signing.KEY_ID_HEADER.lower(), "")
        stamp = headers.get(signing.TIMESTAMP_HEADER.lower(), "")
        nonce = headers.get(signing.NONCE_HEADER.lower(), "")
        given = headers.get(signing.SIGNATURE_HEADER.lower(), "")
        if key_id != self.args.http_key_id:
            return "AuthFailure.SecretIdNotFound"
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > signing.MAX_SKEW_SECONDS:
            return "AuthFailure.SignatureExpire"
        expected = signing.signature(self.args.http_key_secret, method, path, stamp, nonce, body)
        if not nonce or not secrets.compare_digest(given, expected):
            return "AuthFailure.SignatureFailure"
        now = time.time()
        self.nonces = {n: t for n, t in self.nonces.items() if now - t <= signing.MAX_SKEW_SECONDS}
        if nonce in self.nonces:
            return "AuthFailure.NonceReused"
        self.nonces[nonce] = now
        return None

    async def _http_api(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        request_id = secrets.token_hex(8)
        if not self.up:
            return 503, {"RequestId": request_id, "Code": "ServiceUnavailable", "Message": "the SMSC is down"}
        if method != "POST" or path not in ("/sms/send", "/sms/status/pull", "/sms/reply/pull"):
            return 404, {"RequestId": request_id, "Code": "NotFound", "Message": path}
        refused = self._authenticate(method, path, headers, body)
        if refused is not None:
            return 401, {"RequestId": request_id, "Code": refused, "Message": "request not signed by a known key"}
        request = _json(body)
        if path == "/sms/send":
            return self._send(request_id, request)
        queue = self.status_queue if path == "/sms/status/pull" else self.reply_queue
        limit = request.get("Limit", 100)
        limit = limit if isinstance(limit, int) and 0 < limit <= 1000 else 100
        taken, queue[:] = queue[:limit], queue[limit:]
        key = "PullSmsSendStatusSet" if path == "/sms/status/pull" else "PullSmsReplyStatusSet"
        return 200, {"RequestId": request_id, key: taken}

    def _send(self, request_id: str, request: dict) -> tuple[int, object]:
        phones, sign, code = request.get("PhoneNumberSet"), request.get("SignName"), request.get("TemplateCode")
        params = request.get("TemplateParam") or {}
        context = request.get("SessionContext", "")
        if not isinstance(phones, list) or not phones or not isinstance(params, dict):
            return 400, {"RequestId": request_id, "Code": "InvalidParameter", "Message": "PhoneNumberSet"}
        if not isinstance(sign, str) or not sign:
            return 400, {"RequestId": request_id, "Code": "InvalidSignName", "Message": "SignName"}
        template = self.templates.get(code) if isinstance(code, str) else None
        if template is None:
            return 400, {"RequestId": request_id, "Code": "TemplateNotFound", "Message": str(code)}
        missing = [name for name in re.findall(r"\$\{(\w+)\}", template) if name not in params]
        if missing:
            return 400, {"RequestId": request_id, "Code": "MissingTemplateParam", "Message": ",".join(missing)}
        text = f"【{sign}】" + re.sub(r"\$\{(\w+)\}", lambda m: str(params[m.group(1)]), template)
        fee = segments.count(text)
        results = []
        for raw in phones:
            phone = national(str(raw))
            serial = self._new_id()
            if phone is None:
                results.append({"SerialNo": "", "PhoneNumber": str(raw), "Code": "InvalidPhoneNumber", "Fee": 0})
                continue
            if not self.bucket.take(fee):
                results.append({"SerialNo": "", "PhoneNumber": f"+86{phone}", "Code": "LimitExceeded", "Fee": 0})
                continue
            self.stats["http_sends_accepted"] += 1
            self.stats["http_parts_accepted"] += fee
            self._count_accepted(fee)
            self._to_handset(phone, text, fee, "http", [serial], SERVICE_NUMBER)
            results.append({"SerialNo": serial, "PhoneNumber": f"+86{phone}", "Code": "Ok", "Fee": fee})
            failed = phone in self.unreachable

            def receipt(serial: str = serial, phone: str = phone, failed: bool = failed) -> None:
                done = dt.datetime.now(CHINA)
                self.status_queue.append(
                    {
                        "SerialNo": serial,
                        "PhoneNumber": f"+86{phone}",
                        "ReportStatus": "FAIL" if failed else "SUCCESS",
                        "ErrCode": "UNDELIV" if failed else "DELIVRD",
                        "Description": "handset unreachable" if failed else "delivered",
                        "UserReceiveTime": done.strftime("%Y-%m-%d %H:%M:%S"),
                        "UserReceiveUnixTime": int(done.timestamp()),
                        "SessionContext": context,
                    }
                )

            self._later(receipt)
        return 200, {"RequestId": request_id, "SendStatusSet": results}

    # -- control API ------------------------------------------------------------------------------------
    async def _control(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, object]:
        parts = [p for p in path.split("/") if p]
        request = _json(body)
        if (method, parts) == ("GET", ["health"]):
            return 200, {"status": "up" if self.up else "down"}
        if (method, parts) == ("GET", ["stats"]):
            return 200, {**self.stats, "sessions": len(self.esmes), "waiting_deliver_sm": len(self.outbox)}
        if (method, parts) == ("DELETE", ["handsets"]):
            self.handsets.clear()
            self.partials.clear()
            return 200, {}
        if (method, parts) in (("POST", ["down"]), ("POST", ["up"])):
            self.up = parts[0] == "up"
            if not self.up:
                await self._drop_sessions()
            self.outbox_changed.set()
            log.info("now %s", parts[0])
            return 200, {"status": parts[0]}
        if (method, parts) == ("PUT", ["config"]):
            if "tps" in request:
                self.tps = float(request["tps"])
                self.bucket = TokenBucket(self.tps)
            if "receipt_delay_ms" in request:
                self.receipt_delay = float(request["receipt_delay_ms"]) / 1000
            if "unreachable" in request:
                self.unreachable = {national(p) or p for p in request["unreachable"]}
            return 200, self._config()
        if method == "PUT" and len(parts) == 2 and parts[0] == "templates":
            if not isinstance(request.get("text"), str):
                return 400, {"error": "text is required"}
            self.templates[parts[1]] = request["text"]
            return 200, {"code": parts[1], "text": request["text"]}
        if len(parts) >= 2 and parts[0] == "handsets":
            phone = national(parts[1])
            if phone is None:
                return 400, {"error": "not a mainland mobile number"}
            if method == "GET" and parts[2:] == ["messages"]:
                return 200, {"phone": phone, "messages": self.handsets.get(phone, [])}
            if method == "POST" and parts[2:] == ["reply"]:
                if not isinstance(request.get("text"), str) or not request["text"]:
                    return 400, {"error": "text is required"}
                self.reply(phone, request["text"])
                return 200, {}
        return 404, {"error": f"no {method} {path}"}

    def _config(self) -> dict:
        return {
            "tps": self.tps,
            "receipt_delay_ms": self.receipt_delay * 1000,
            "unreachable": sorted(self.unreachable),
        }

    # -- lifecycle --------------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        host = self.args.host
        self.inner_port = _free_port()
        self.server = smpp34.Server("127.0.0.1", self.inner_port, system_id=self.args.smsc_id)
        await self.server.start()
        gate = await asyncio.start_server(self._gate, host, self.args.smpp_port)
        api = await asyncio.start_server(lambda r, w: serve_http(r, w, self._http_api), host, self.args.http_port)
        control = await asyncio.start_server(lambda r, w: serve_http(r, w, self._control), host, self.args.control_port)
        self.tasks = [asyncio.create_task(self._smpp_events()), asyncio.create_task(self._deliver_loop())]
        log.info(
            "smsc listening",
            extra={"smpp": self.args.smpp_port, "http": self.args.http_port, "control": self.args.control_port},
        )
        try:
            await stop.wait()
        finally:
            for server in (gate, api, control):
                server.close()
            await self._drop_sessions()
            for task in self.tasks:
                task.cancel()
            await self.server.stop()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.smsc", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smpp-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    parser.add_argument("--tps", type=float, default=100)
    parser.add_argument("--system-id", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--http-key-id", required=True)
    parser.add_argument("--http-key-secret", required=True)
    parser.add_argument("--receipt-delay-ms", type=float, default=50)
    parser.add_argument("--smsc-id", default="JICENGSMSC", help="the system_id the SMSC answers binds with")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await Smsc(args).run(stop)


def main(argv: list[str] | None = None) -> None:
    logs.setup("smsc", os.environ.get("LOG_LEVEL", "INFO"))
    asyncio.run(_main(parse_args(argv)))


# -- for tests: a simulator on free ports --------------------------------------------------------------
@dataclass
class Running:
    """A simulator started by `start()`: its ports, credentials and a small control client."""

    process: subprocess.Popen
    smpp_port: int
    http_port: int
    control_port: int
    system_id: str
    password: str
    http_key_id: str
    http_key_secret: str

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.control_url + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback only
            return json.loads(response.read())

    def messages(self, phone: str) -> list[dict]:
        return self.control("GET", f"/handsets/{phone}/messages")["messages"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_ports(count: int, start: int = 20000, stop: int = 32000) -> list[int]:
    """Distinct free loopback ports below the ephemeral range (see layout.free_port_base)."""
    rng = secrets.SystemRandom()
    found: list[int] = []
    while len(found) < count:
        port = rng.randrange(start, stop)
        if port not in found and port_is_free(port):
            found.append(port)
    return found


@contextlib.contextmanager
def start(
    *, tps: float = 100, receipt_delay_ms: float = 50, log_path: Path | None = None, timeout: float = 20.0
) -> Iterator[Running]:
    """Run a simulator on free ports with fresh credentials until the block ends."""
    smpp_port, http_port, control_port = free_ports(3)
    creds = {
        "system_id": "jiceng",
        "password": secrets.token_hex(4),  # SMPP passwords are at most 8 characters
        "http_key_id": "jiceng-" + secrets.token_hex(4),
        "http_key_secret": secrets.token_urlsafe(24),
    }
    argv = [sys.executable, "-m", "devstack.smsc"]
    argv += ["--smpp-port", str(smpp_port), "--http-port", str(http_port), "--control-port", str(control_port)]
    argv += ["--tps", str(tps), "--receipt-delay-ms", str(receipt_delay_ms)]
    # name=value: a secret may start with "-", which argparse would take for an option
    argv += [f"--system-id={creds['system_id']}", f"--password={creds['password']}"]
    argv += [f"--http-key-id={creds['http_key_id']}", f"--http-key-secret={creds['http_key_secret']}"]
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=Path(__file__).parent.parent
    )
    if log_path:
        out.close()
    running = Running(process, smpp_port, http_port, control_port, **creds)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the SMSC simulator exited with {process.returncode}")
            try:
                running.control("GET", "/health")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the SMSC simulator did not answer /health") from None
                time.sleep(0.1)
        yield running
    finally:
        running.stop()


if __name__ == "__main__":
    main()
