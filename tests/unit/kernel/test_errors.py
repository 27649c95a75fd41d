"""kernel/errors.py: the error table, DomainError → gRPC status (with details) → DomainError, and JSON."""

from __future__ import annotations

import re

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from kernel import messages
from kernel.errors import DOMAIN, DomainError, ErrorCode, from_rpc_error, internal_status

pytestmark = pytest.mark.unit

DETAILS_KEY = "grpc-status-details-bin"

# The stable contract: clients switch on these strings and on the HTTP statuses. Changing a row here
# means breaking clients, so this table is deliberately spelled out rather than derived.
STABLE = {
    "INVALID_ARGUMENT": ("invalid_argument", grpc.StatusCode.INVALID_ARGUMENT, 400),
    "UNAUTHENTICATED": ("unauthenticated", grpc.StatusCode.UNAUTHENTICATED, 401),
    "TOKEN_EXPIRED": ("token_expired", grpc.StatusCode.UNAUTHENTICATED, 401),
    "TOKEN_INVALID": ("token_invalid", grpc.StatusCode.UNAUTHENTICATED, 401),
    "INVALID_CREDENTIALS": ("invalid_credentials", grpc.StatusCode.UNAUTHENTICATED, 401),
    "INVALID_CODE": ("invalid_code", grpc.StatusCode.UNAUTHENTICATED, 401),
    "REFRESH_TOKEN_REUSED": ("refresh_token_reused", grpc.StatusCode.UNAUTHENTICATED, 401),
    "PERMISSION_DENIED": ("permission_denied", grpc.StatusCode.PERMISSION_DENIED, 403),
    "WRONG_REGION": ("wrong_region", grpc.StatusCode.PERMISSION_DENIED, 403),
    "NOT_FOUND": ("not_found", grpc.StatusCode.NOT_FOUND, 404),
    "ALREADY_EXISTS": ("already_exists", grpc.StatusCode.ALREADY_EXISTS, 409),
    "FAILED_PRECONDITION": ("failed_precondition", grpc.StatusCode.FAILED_PRECONDITION, 409),
    "PAYLOAD_TOO_LARGE": ("payload_too_large", grpc.StatusCode.INVALID_ARGUMENT, 413),
    "UNSUPPORTED_MEDIA_TYPE": ("unsupported_media_type", grpc.StatusCode.INVALID_ARGUMENT, 415),
    "RATE_LIMITED": ("rate_limited", grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
    "ACCOUNT_LOCKED": ("account_locked", grpc.StatusCode.RESOURCE_EXHAUSTED, 429),
    "UNAVAILABLE": ("unavailable", grpc.StatusCode.UNAVAILABLE, 503),
    "DEADLINE_EXCEEDED": ("deadline_exceeded", grpc.StatusCode.DEADLINE_EXCEEDED, 504),
    "INTERNAL": ("internal", grpc.StatusCode.INTERNAL, 500),
}


class FakeRpcError(grpc.RpcError):
    """What a client stub raises: a grpc.Call-like error exposing code, details and trailing metadata."""

    def __init__(self, code: grpc.StatusCode, details: str = "", trailing_metadata=()):
        super().__init__(details)
        self._code = code
        self._details = details
        self._trailing = trailing_metadata

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self):
        return self._trailing


def rpc_error_from(status: grpc.Status) -> FakeRpcError:
    """The error a client would see after the server aborted with `status`."""
    return FakeRpcError(status.code, status.details, status.trailing_metadata)


def rich_status(status: grpc.Status) -> status_pb2.Status:
    (entry,) = [value for key, value in status.trailing_metadata if key == DETAILS_KEY]
    return status_pb2.Status.FromString(entry)


def unpack_all(status: grpc.Status) -> dict[type, object]:
    out: dict[type, object] = {}
    for detail in rich_status(status).details:
        for cls in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest, error_details_pb2.RetryInfo):
            if detail.Is(cls.DESCRIPTOR):
                msg = cls()
                detail.Unpack(msg)
                assert cls not in out, f"{cls.__name__} packed twice"
                out[cls] = msg
                break
        else:
            pytest.fail(f"unexpected detail type {detail.type_url}")
    return out


# -- the table ---------------------------------------------------------------------------------------


def test_error_table_is_stable():
    # New codes may be added; an existing one may never be renamed, removed or remapped.
    actual = {e.name: (e.code, e.grpc_status, e.http_status) for e in ErrorCode}
    changed = {name: (row, actual.get(name)) for name, row in STABLE.items() if actual.get(name) != row}
    assert changed == {}


def test_codes_are_unique_snake_case_and_round_trip():
    codes = [e.code for e in ErrorCode]
    assert len(codes) == len(set(codes))
    for e in ErrorCode:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", e.code), e.code
        assert ErrorCode.from_code(e.code) is e
    assert ErrorCode.from_code("no_such_code") is None
    assert ErrorCode.from_code("INTERNAL") is None  # names are not codes


def test_statuses_are_errors():
    for e in ErrorCode:
        assert e.grpc_status is not grpc.StatusCode.OK
        assert 400 <= e.http_status < 600


def test_every_code_has_a_message_in_every_locale():
    for e in ErrorCode:
        assert set(messages.CATALOG[e.code]) >= set(messages.LOCALES), e.code


# -- DomainError → grpc.Status -----------------------------------------------------------------------


def test_to_status_carries_error_info():
    err = DomainError(ErrorCode.NOT_FOUND, "org_unknown", org_id="o-42")
    status = err.to_status()

    assert status.code is grpc.StatusCode.NOT_FOUND
    assert status.details == "Unknown org: o-42"  # English in the status message, for logs
    rich = rich_status(status)
    assert rich.code == grpc.StatusCode.NOT_FOUND.value[0]
    assert rich.message == status.details

    details = unpack_all(status)
    info = details[error_details_pb2.ErrorInfo]
    assert info.reason == "not_found"
    assert info.domain == DOMAIN
    assert dict(info.metadata) == {"key": "org_unknown", "p.org_id": "o-42"}
    # no field, no retry_after: nothing else
    assert set(details) == {error_details_pb2.ErrorInfo}


def test_to_status_adds_field_violation_when_a_field_is_given():
    err = DomainError(ErrorCode.INVALID_ARGUMENT, "phone_invalid", "phone")
    details = unpack_all(err.to_status())

    info = details[error_details_pb2.ErrorInfo]
    assert info.reason == "invalid_argument"
    assert info.metadata["field"] == "phone"
    assert info.metadata["key"] == "phone_invalid"

    bad = details[error_details_pb2.BadRequest]
    assert len(bad.field_violations) == 1
    assert bad.field_violations[0].field == "phone"
    assert bad.field_violations[0].description == messages.CATALOG["phone_invalid"]["en"]
    assert error_details_pb2.RetryInfo not in details


def test_to_status_adds_retry_info_when_retry_after_is_given():
    err = DomainError(ErrorCode.ACCOUNT_LOCKED, "account_locked", retry_after=120)
    status = err.to_status()
    assert status.code is grpc.StatusCode.RESOURCE_EXHAUSTED

    details = unpack_all(status)
    assert details[error_details_pb2.RetryInfo].retry_delay.seconds == 120
    assert details[error_details_pb2.ErrorInfo].metadata["p.retry_after"] == "120"
    assert error_details_pb2.BadRequest not in details


def test_default_key_is_the_code():
    err = DomainError(ErrorCode.PERMISSION_DENIED)
    assert err.key == "permission_denied"
    assert err.field is None
    assert err.params == {}
    info = unpack_all(err.to_status())[error_details_pb2.ErrorInfo]
    assert dict(info.metadata) == {"key": "permission_denied"}


# -- grpc.Status → DomainError (what the gateway does) -------------------------------------------------


def test_round_trip_rebuilds_code_key_field_and_params():
    original = DomainError(ErrorCode.RATE_LIMITED, "code_too_soon", "phone", retry_after=42)
    rebuilt = from_rpc_error(rpc_error_from(original.to_status()))

    assert rebuilt.code is ErrorCode.RATE_LIMITED
    assert rebuilt.key == "code_too_soon"
    assert rebuilt.field == "phone"
    assert rebuilt.params == {"retry_after": "42"}  # params travel as strings
    assert rebuilt.to_json("en") == original.to_json("en")
    assert rebuilt.to_json("zh-CN") == original.to_json("zh-CN")


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda e: e.code)
def test_round_trip_every_code(code):
    rebuilt = from_rpc_error(rpc_error_from(DomainError(code).to_status()))
    assert rebuilt.code is code
    assert rebuilt.key == code.code
    assert rebuilt.field is None
    assert rebuilt.params == {}


def test_round_trip_without_field_keeps_field_none():
    original = DomainError(ErrorCode.NOT_FOUND, "role_unknown", role="pope")
    rebuilt = from_rpc_error(rpc_error_from(original.to_status()))
    assert (rebuilt.code, rebuilt.key, rebuilt.field, rebuilt.params) == (
        ErrorCode.NOT_FOUND,
        "role_unknown",
        None,
        {"role": "pope"},
    )
    assert rebuilt.message("en") == "Unknown role: pope"


@pytest.mark.parametrize(
    ("grpc_code", "expected"),
    [
        (grpc.StatusCode.UNAVAILABLE, ErrorCode.UNAVAILABLE),
        (grpc.StatusCode.DEADLINE_EXCEEDED, ErrorCode.DEADLINE_EXCEEDED),
        (grpc.StatusCode.UNAUTHENTICATED, ErrorCode.UNAUTHENTICATED),
        (grpc.StatusCode.PERMISSION_DENIED, ErrorCode.PERMISSION_DENIED),
        (grpc.StatusCode.NOT_FOUND, ErrorCode.NOT_FOUND),
        (grpc.StatusCode.INVALID_ARGUMENT, ErrorCode.INVALID_ARGUMENT),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, ErrorCode.RATE_LIMITED),
        (grpc.StatusCode.INTERNAL, ErrorCode.INTERNAL),
        (grpc.StatusCode.UNKNOWN, ErrorCode.INTERNAL),
        (grpc.StatusCode.UNIMPLEMENTED, ErrorCode.INTERNAL),
        (grpc.StatusCode.DATA_LOSS, ErrorCode.INTERNAL),
    ],
    ids=lambda v: getattr(v, "name", v),
)
def test_bare_status_maps_by_grpc_code(grpc_code, expected):
    # A dead peer or a timeout: no details, maybe not even trailing metadata.
    for trailing in ((), None, (("some-header", "x"),)):
        err = from_rpc_error(FakeRpcError(grpc_code, "Socket closed: 10.0.0.7:50051", trailing))
        assert err.code is expected
        assert err.key == expected.code
        assert err.field is None
        assert "10.0.0.7" not in err.message("en")


def test_rpc_error_without_call_interface_is_internal():
    assert from_rpc_error(grpc.RpcError("opaque")).code is ErrorCode.INTERNAL


def test_unknown_reason_from_a_peer_becomes_internal():
    info = error_details_pb2.ErrorInfo(reason="brand_new_code", domain=DOMAIN, metadata={"key": "brand_new_key"})
    packed = status_pb2.Status(code=grpc.StatusCode.FAILED_PRECONDITION.value[0], message="m")
    packed.details.add().Pack(info)
    status = rpc_status.to_status(packed)

    err = from_rpc_error(rpc_error_from(status))
    assert err.code is ErrorCode.INTERNAL
    # an unknown key still renders something sensible instead of raising
    assert err.message("en") == messages.CATALOG["internal"]["en"]


# -- JSON ----------------------------------------------------------------------------------------------


def test_to_json_shape_in_chinese_and_english():
    err = DomainError(ErrorCode.INVALID_ARGUMENT, "phone_invalid", "phone")
    assert err.to_json() == {
        "error": {"code": "invalid_argument", "message": "请输入有效的中国大陆手机号码", "field": "phone"}
    }
    assert err.to_json("zh-CN") == err.to_json()
    assert err.to_json("en") == {
        "error": {
            "code": "invalid_argument",
            "message": "Enter a valid mainland China mobile number",
            "field": "phone",
        }
    }


def test_to_json_without_field_has_null_field():
    body = DomainError(ErrorCode.UNAUTHENTICATED).to_json("en")
    assert body == {"error": {"code": "unauthenticated", "message": "Please log in", "field": None}}


def test_to_json_renders_params_and_exposes_retry_after_as_int():
    err = DomainError(ErrorCode.RATE_LIMITED, "rate_limited", retry_after=30)
    assert err.to_json("en") == {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests; try again in 30 s",
            "field": None,
            "retry_after": 30,
        }
    }
    assert err.to_json("zh-CN")["error"]["message"] == "操作过于频繁，请 30 秒后再试"
    # after a trip through gRPC the param is a string; the JSON still says an int
    rebuilt = from_rpc_error(rpc_error_from(err.to_status()))
    assert rebuilt.to_json("en")["error"]["retry_after"] == 30


def test_str_is_english_and_message_defaults_to_chinese():
    err = DomainError(ErrorCode.WRONG_REGION)
    assert str(err) == "This token belongs to another region"
    assert err.message() == "该账号不属于本地区"


# -- internal errors ------------------------------------------------------------------------------------


def test_internal_status_leaks_nothing():
    try:
        raise RuntimeError("password=hunter2 at mongodb://admin:secret@10.0.0.5")
    except RuntimeError:
        status = internal_status()

    assert status.code is grpc.StatusCode.INTERNAL
    assert status.details == "Internal error"
    details = unpack_all(status)
    assert set(details) == {error_details_pb2.ErrorInfo}
    info = details[error_details_pb2.ErrorInfo]
    assert info.reason == "internal"
    assert dict(info.metadata) == {"key": "internal"}
    raw = b"".join(value for _, value in status.trailing_metadata)
    for secret in (b"hunter2", b"secret", b"10.0.0.5", b"RuntimeError", b"Traceback"):
        assert secret not in raw

    err = from_rpc_error(rpc_error_from(status))
    assert err.code is ErrorCode.INTERNAL
    assert err.to_json("en") == {"error": {"code": "internal", "message": "Internal error", "field": None}}
