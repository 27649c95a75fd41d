"""Every failure leaves the gateway as `{"error": {"code", "message", "field"}}` in the reader's language."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from kernel import messages
from kernel.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    retry_after: int | None = None


class ErrorOut(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


_HTTP_CODES = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.INVALID_ARGUMENT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


def error_response(err: DomainError, request: Request | None = None, locale: str | None = None) -> JSONResponse:
    locale = locale or messages.negotiate(request.headers.get("accept-language") if request else None)
    headers = {}
    if "retry_after" in err.params:
        headers["Retry-After"] = str(int(float(str(err.params["retry_after"]))))
    if err.code.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="jiceng"'
    return JSONResponse(err.to_json(locale), status_code=err.code.http_status, headers=headers)


def _validation_error(exc: RequestValidationError) -> DomainError:
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(p) for p in first.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header"):  # where it was, not a field ("body" can be both)
        loc = loc[1:]
    field = ".".join(loc) or None
    kind = first.get("type", "")
    if kind == "missing":
        return DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", field)
    if kind in ("json_invalid", "model_attributes_type") or (kind == "dict_type" and not loc):
        return DomainError(ErrorCode.INVALID_ARGUMENT, "body_not_json", field)
    return DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", field, detail=first.get("msg", ""))


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        return error_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return error_response(_validation_error(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, ErrorCode.INVALID_ARGUMENT)
        response = error_response(DomainError(code), request)
        response.status_code = exc.status_code
        return response

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError):
        # protobuf refuses a number too big for its field (an int32 or uint field given more than it holds):
        # the caller's input, which a body's own bounds (and Body's int64 check) did not catch
        if str(exc).startswith("Value out of range"):
            value = str(exc).rsplit(":", 1)[-1].strip()
            params = [*request.query_params.multi_items(), *request.path_params.items()]
            field = next((name for name, given in params if str(given).strip() == value), None)
            err = DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", field, detail=str(exc))
            return error_response(err, request)
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", extra={"path": request.url.path})
        return error_response(DomainError(ErrorCode.INTERNAL), request)
