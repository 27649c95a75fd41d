"""ASGI middleware: request ids, body limits and content types, access logs and metrics."""

from __future__ import annotations

import json
import logging
import re
import time

from prometheus_client import Counter, Histogram

from gateway.errors import error_response
from kernel import logs, messages
from kernel.errors import DomainError, ErrorCode

log = logging.getLogger("gateway.access")

HTTP_REQUESTS = Counter("jiceng_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "jiceng_http_request_seconds",
    "HTTP request duration",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON = "application/json"
# File uploads (a route lists its path pattern in `upload_paths`): these bodies, up to max_upload.
UPLOAD_TYPES = frozenset({"multipart/form-data", "application/octet-stream"})
# Long JSON documents (a route lists its path pattern in `document_paths`): POST and PUT, up to max_document.
_DOCUMENT_METHODS = {"POST", "PUT"}


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class GatewayMiddleware:
    """Outermost layer: every request gets a request id, a size and type check, a log line, metrics."""

    def __init__(
        self,
        app,
        max_body_bytes: int,
        upload_paths: tuple[re.Pattern, ...] = (),
        max_upload_bytes: int = 0,
        document_paths: tuple[re.Pattern, ...] = (),
        max_document_bytes: int = 0,
    ):
        self.app = app
        self.max_body = max_body_bytes
        self.upload_paths = upload_paths
        self.max_upload = max_upload_bytes
        self.document_paths = document_paths
        self.max_document = max(max_document_bytes, max_body_bytes)

    def _limits(self, scope) -> tuple[int, frozenset[str]]:
        """(body limit, accepted content types) of a request: uploads and long documents have their own."""
        if scope["method"] == "POST" and any(p.fullmatch(scope["path"]) for p in self.upload_paths):
            return self.max_upload, UPLOAD_TYPES
        if scope["method"] in _DOCUMENT_METHODS and any(p.fullmatch(scope["path"]) for p in self.document_paths):
            return self.max_document, frozenset({JSON})
        return self.max_body, frozenset({JSON})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else logs.new_request_id()
        token = logs.request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                # no browser guesses another type than the one we name (a JSON body, a playlist, a page)
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message["headers"] = headers
            await send(message)

        try:
            rejection = self._check_body_headers(scope)
            if rejection is not None:
                return await self._reject(rejection, scope, send_with_id)
            if scope["method"] in _BODY_METHODS:
                limit, _ = self._limits(scope)
                body, too_large = await self._read_body(receive, limit)
                if too_large:
                    err = DomainError(ErrorCode.PAYLOAD_TOO_LARGE, "payload_too_large", limit=limit)
                    return await self._reject(err, scope, send_with_id)
                receive = _replay(body)
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            HTTP_REQUESTS.labels(scope["method"], route, status_holder["status"]).inc()
            HTTP_LATENCY.labels(scope["method"], route).observe(elapsed)
            log.info(
                "http request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_holder["status"],
                    "ms": round(elapsed * 1000, 2),
                },
            )
            logs.request_id_var.reset(token)

    def _check_body_headers(self, scope) -> DomainError | None:
        if scope["method"] not in _BODY_METHODS:
            return None
        limit, types = self._limits(scope)
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return DomainError(ErrorCode.PAYLOAD_TOO_LARGE, "payload_too_large", limit=limit)
        if (length is None or length != "0") and scope["path"].startswith("/api/"):
            ctype = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
            if ctype not in types and JSON in types:
                return DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            if ctype not in types:
                return DomainError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "upload_media_type")
        return None

    async def _read_body(self, receive, limit: int) -> tuple[bytes, bool]:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks), False

    async def _reject(self, err: DomainError, scope, send) -> None:
        locale = messages.negotiate(_header(scope, b"accept-language"))
        response = error_response(err, locale=locale)
        await response(scope, _replay(b""), send)


def _replay(body: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def json_bytes(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()
