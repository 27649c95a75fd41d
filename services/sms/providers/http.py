"""The cloud SMS API provider (Tencent Cloud / Aliyun style): signed JSON requests over HTTPS, template codes.

submit() sends one number with the template code and its parameters, the signature (SignName) and our
message id as SessionContext; the provider renders 【SignName】 + template on its side and answers a SerialNo
and the parts it bills (Fee). Receipts and handset replies are pulled (`/sms/status/pull`, `/sms/reply/pull`)
by a background task every `poll_seconds`. Requests are signed as `signing.py` describes.

Errors: LimitExceeded, 5xx, 503, timeouts and connection failures → TransientError; InvalidPhoneNumber, an
unknown template, a missing parameter, a refused signature or key → PermanentError with the API's code.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging

import httpx

from services.sms.providers import signing
from services.sms.providers.base import (
    DELIVERED,
    EXPIRED,
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

log = logging.getLogger("sms.http")

SEND_PATH = "/sms/send"
STATUS_PATH = "/sms/status/pull"
REPLY_PATH = "/sms/reply/pull"
TRANSIENT_CODES = {"LimitExceeded", "ServiceUnavailable", "InternalError", "RequestLimitExceeded"}
EXPIRED_CODES = {"EXPIRED"}


class HttpProvider:
    name = "http"

    def __init__(
        self,
        base_url: str,
        access_key_id: str,
        access_key_secret: str,
        *,
        poll_seconds: float = 2.0,
        timeout: float = 10.0,
        pull_limit: int = 100,
    ):
        self.base_url = base_url.rstrip("/")
        self.access_key_id, self.access_key_secret = access_key_id, access_key_secret
        self.poll_seconds, self.timeout, self.pull_limit = poll_seconds, timeout, pull_limit
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task | None = None
        self._healthy = False
        self._on_receipt: OnReceipt | None = None
        self._on_inbound: OnInbound | None = None

    @property
    def ready(self) -> bool:
        return self._client is not None and self._healthy

    async def start(self, on_receipt: OnReceipt, on_inbound: OnInbound) -> None:
        self._on_receipt, self._on_inbound = on_receipt, on_inbound
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout)
        self._healthy = True  # until a request says otherwise; the first poll runs at once
        self._task = asyncio.create_task(self._poll(), name="sms-http-poll")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- requests ----------------------------------------------------------------------------------------
    async def _post(self, path: str, payload: dict) -> dict:
        """The JSON answer of a signed POST; raises TransientError / PermanentError as the module says."""
        if self._client is None:
            raise TransientError("the HTTP provider is not started")
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        headers |= signing.headers(self.access_key_id, self.access_key_secret, "POST", path, body)
        try:
            response = await self._client.post(path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self._healthy = False
            raise TransientError(f"{path}: {type(exc).__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        code = str(answer.get("Code", "")) if isinstance(answer, dict) else ""
        if response.status_code >= 500 or code in TRANSIENT_CODES:
            self._healthy = False
            raise TransientError(f"{path}: {response.status_code} {code}")
        self._healthy = True
        if response.status_code >= 400:
            raise PermanentError(code or f"HTTP{response.status_code}", str(answer.get("Message", "")))
        return answer

    async def submit(self, message: Outgoing) -> Submitted:
        if national(message.phone) is None:
            raise PermanentError("InvalidPhoneNumber", "not a mainland mobile number")
        answer = await self._post(
            SEND_PATH,
            {
                "PhoneNumberSet": [f"+86{national(message.phone)}"],
                "SignName": message.signature,
                "TemplateCode": message.template_code,
                "TemplateParam": message.params,
                "SessionContext": message.message_id,
            },
        )
        results = answer.get("SendStatusSet") or []
        if not results:
            raise TransientError("the send answered no status")
        result = results[0]
        code = result.get("Code", "")
        if code == "Ok" and result.get("SerialNo"):
            return Submitted(message_id=message.message_id, provider_ids=(str(result["SerialNo"]),))
        if code in TRANSIENT_CODES:
            raise TransientError(f"refused for now: {code}")
        raise PermanentError(code or "Unknown", str(result.get("Message", "")))

    # -- pulls -------------------------------------------------------------------------------------------
    async def _poll(self) -> None:
        while True:
            try:
                await self.pull_once()
            except (TransientError, PermanentError) as exc:
                log.warning("sms pull failed", extra={"error": str(exc)})
            except Exception:  # noqa: BLE001 - a callback's failure must not end the polling
                log.exception("sms pull not handled")
            await asyncio.sleep(self.poll_seconds)

    async def pull_once(self) -> None:
        """Pull waiting receipts and replies until none is left (each pull takes them off the provider)."""
        while True:
            answer = await self._post(STATUS_PATH, {"Limit": self.pull_limit})
            statuses = answer.get("PullSmsSendStatusSet") or []
            for status in statuses:
                receipt = receipt_of(status)
                if receipt is not None and self._on_receipt is not None:
                    await self._on_receipt(receipt)
            if len(statuses) < self.pull_limit:
                break
        while True:
            answer = await self._post(REPLY_PATH, {"Limit": self.pull_limit})
            replies = answer.get("PullSmsReplyStatusSet") or []
            for reply in replies:
                inbound = inbound_of(reply)
                if inbound is not None and self._on_inbound is not None:
                    await self._on_inbound(inbound)
            if len(replies) < self.pull_limit:
                break


def _unix(value: object) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value, dt.UTC) if isinstance(value, int | float) else None


def receipt_of(status: dict) -> Receipt | None:
    """A pulled send status as a Receipt (None without a SerialNo)."""
    serial = status.get("SerialNo")
    if not serial:
        return None
    code = str(status.get("ErrCode", ""))
    if status.get("ReportStatus") == "SUCCESS":
        return Receipt(str(serial), DELIVERED, "", _unix(status.get("UserReceiveUnixTime")))
    state = EXPIRED if code in EXPIRED_CODES else UNDELIVERABLE
    return Receipt(str(serial), state, code or "FAIL", _unix(status.get("UserReceiveUnixTime")))


def inbound_of(reply: dict) -> Inbound | None:
    phone = national(str(reply.get("PhoneNumber", "")))
    text = reply.get("ReplyContent")
    if phone is None or not isinstance(text, str):
        return None
    return Inbound(phone=phone, text=text, at=_unix(reply.get("ReplyUnixTime")) or dt.datetime.now(dt.UTC))
