"""One table of error codes: domain error → gRPC status (+ rich details) → HTTP status and JSON body.

A service raises `DomainError(ErrorCode.X, "message_key", field=..., **params)`. The gRPC layer turns
it into a status whose details carry a google.rpc.ErrorInfo (reason = the stable code, metadata = the
message key, the field and the params) and, for invalid input, a google.rpc.BadRequest. The gateway
reads those details back (`from_rpc_error`) and answers `{"error": {"code", "message", "field"}}` in
the reader's language. Anything else becomes INTERNAL with nothing internal in the message.
"""

from __future__ import annotations

import enum

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from kernel import messages

DOMAIN = "jiceng"


class ErrorCode(enum.Enum):
    """Stable codes: clients switch on these strings, so never rename one."""

    INVALID_ARGUMENT = ("invalid_argument", grpc.StatusCode.INVALID_ARGUMENT, 400)
    UNAUTHENTICATED = ("unauthenticated", grpc.StatusCode.UNAUTHENTICATED, 401)
    TOKEN_EXPIRED = ("token_expired", grpc.StatusCode.UNAUTHENTICATED, 401)
    TOKEN_INVALID = ("token_invalid", grpc.StatusCode.UNAUTHENTICATED, 401)
    INVALID_CREDENTIALS = ("invalid_credentials", grpc.StatusCode.UNAUTHENTICATED, 401)
    INVALID_CODE = ("invalid_code", grpc.StatusCode.UNAUTHENTICATED, 401)
    REFRESH_TOKEN_REUSED = ("refresh_token_reused", grpc.StatusCode.UNAUTHENTICATED, 401)
    PERMISSION_DENIED = ("permission_denied", grpc.StatusCode.PERMISSION_DENIED, 403)
    WRONG_REGION = ("wrong_region", grpc.StatusCode.PERMISSION_DENIED, 403)
    NOT_FOUND = ("not_found", grpc.StatusCode.NOT_FOUND, 404)
    ALREADY_EXISTS = ("already_exists", grpc.StatusCode.ALREADY_EXISTS, 409)
    FAILED_PRECONDITION = ("failed_precondition", grpc.StatusCode.FAILED_PRECONDITION, 409)
    PAYLOAD_TOO_LARGE = ("payload_too_large", grpc.StatusCode.INVALID_ARGUMENT, 413)
    UNSUPPORTED_MEDIA_TYPE = ("unsupported_media_type", grpc.StatusCode.INVALID_ARGUMENT, 415)
    RATE_LIMITED = ("rate_limited", grpc.StatusCode.RESOURCE_EXHAUSTED, 429)
    ACCOUNT_LOCKED = ("account_locked", grpc.StatusCode.RESOURCE_EXHAUSTED, 429)
    UNAVAILABLE = ("unavailable", grpc.StatusCode.UNAVAILABLE, 503)
    DEADLINE_EXCEEDED = ("deadline_exceeded", grpc.StatusCode.DEADLINE_EXCEEDED, 504)
    INTERNAL = ("internal", grpc.StatusCode.INTERNAL, 500)

    def __init__(self, code: str, grpc_status: grpc.StatusCode, http_status: int):
        self.code = code
        self.grpc_status = grpc_status
        self.http_status = http_status

    @classmethod
    def from_code(cls, code: str) -> ErrorCode | None:
        return _BY_CODE.get(code)


_BY_CODE = {e.code: e for e in ErrorCode}

# What a bare gRPC status (one without our details: a dead peer, a timeout) means to a client.
_FROM_GRPC = {
    grpc.StatusCode.UNAVAILABLE: ErrorCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: ErrorCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.UNAUTHENTICATED: ErrorCode.UNAUTHENTICATED,
    grpc.StatusCode.PERMISSION_DENIED: ErrorCode.PERMISSION_DENIED,
    grpc.StatusCode.NOT_FOUND: ErrorCode.NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT: ErrorCode.INVALID_ARGUMENT,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ErrorCode.RATE_LIMITED,
}


class DomainError(Exception):
    """An expected failure with a stable code, a translatable message key and the field at fault."""

    def __init__(self, code: ErrorCode, key: str = "", field: str | None = None, **params: object):
        super().__init__(key or code.code)
        self.code = code
        self.key = key or code.code
        self.field = field
        self.params = params

    def message(self, locale: str = messages.DEFAULT_LOCALE) -> str:
        return messages.render(self.key, locale, self.params)

    def __str__(self) -> str:  # English, for logs and the gRPC status message
        return self.message("en")

    # -- gRPC ---------------------------------------------------------------------------------------
    def to_status(self) -> grpc.Status:
        metadata = {"key": self.key, **{f"p.{k}": str(v) for k, v in self.params.items()}}
        if self.field:
            metadata["field"] = self.field
        details = [_pack(error_details_pb2.ErrorInfo(reason=self.code.code, domain=DOMAIN, metadata=metadata))]
        if self.field:
            violation = error_details_pb2.BadRequest.FieldViolation(field=self.field, description=str(self))
            details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
        if "retry_after" in self.params:
            seconds = int(float(str(self.params["retry_after"])))
            retry = error_details_pb2.RetryInfo()
            retry.retry_delay.seconds = seconds
            details.append(_pack(retry))
        return rpc_status.to_status(
            status_pb2.Status(code=self.code.grpc_status.value[0], message=str(self), details=details)
        )

    # -- HTTP ---------------------------------------------------------------------------------------
    def to_json(self, locale: str = messages.DEFAULT_LOCALE) -> dict:
        body: dict[str, object] = {
            "code": self.code.code,
            "message": self.message(locale),
            "field": self.field,
        }
        if "retry_after" in self.params:
            body["retry_after"] = int(float(str(self.params["retry_after"])))
        return {"error": body}


def _pack(msg) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(msg)
    return packed


def internal_status() -> grpc.Status:
    """The status for an unexpected exception: nothing about its cause leaves the process."""
    return DomainError(ErrorCode.INTERNAL).to_status()


def from_rpc_error(err: grpc.RpcError) -> DomainError:
    """Rebuild the DomainError a service raised from the status details of a failed call."""
    status = rpc_status.from_call(err) if hasattr(err, "trailing_metadata") else None
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                code = ErrorCode.from_code(info.reason) or ErrorCode.INTERNAL
                meta = dict(info.metadata)
                params = {k[2:]: v for k, v in meta.items() if k.startswith("p.")}
                return DomainError(code, meta.get("key", code.code), meta.get("field"), **params)
    code = _FROM_GRPC.get(err.code(), ErrorCode.INTERNAL) if hasattr(err, "code") else ErrorCode.INTERNAL
    return DomainError(code)


assert code_pb2.INVALID_ARGUMENT == grpc.StatusCode.INVALID_ARGUMENT.value[0]
