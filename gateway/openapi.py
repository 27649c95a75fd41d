"""The gateway's OpenAPI document tells each operation's errors as they are sent: every status the error
handlers (gateway/errors.py) and the middleware can answer, with the JSON body `ErrorOut`.

FastAPI alone gets two things wrong for this gateway: it documents a 422 `HTTPValidationError` on every
operation with parameters (the validation handler answers 400 `invalid_argument` instead), and it documents
the app-wide error responses of an HTML route (a micro-website page) as text/html. `install` fixes both once,
when the document is first built, for every route alike; a route's own declared responses stay as they are.
"""

from __future__ import annotations

from fastapi import FastAPI

from gateway.errors import ErrorOut

ERROR_RESPONSES: dict[int | str, dict] = {
    400: {"model": ErrorOut, "description": "Invalid input; `field` names the offending field"},
    401: {"model": ErrorOut, "description": "Missing, invalid or expired credentials"},
    403: {"model": ErrorOut, "description": "Not allowed (another region, or outside your org subtree)"},
    404: {"model": ErrorOut, "description": "Not found"},
    409: {"model": ErrorOut, "description": "Conflicts with the current state (already exists, or not now)"},
    413: {
        "model": ErrorOut,
        "description": "Body too large (64 KiB of JSON; articles and uploads have their own limits)",
    },
    415: {"model": ErrorOut, "description": "Body is not application/json (or, for uploads, not a file)"},
    429: {"model": ErrorOut, "description": "Rate limited or locked; see Retry-After"},
    500: {"model": ErrorOut, "description": "Internal error (nothing internal is disclosed)"},
    503: {"model": ErrorOut, "description": "A backing service is unavailable"},
    504: {"model": ErrorOut, "description": "A backing service did not answer in time"},
}

_ERROR_REF = "#/components/schemas/ErrorOut"
_JSON_ERROR = {"application/json": {"schema": {"$ref": _ERROR_REF}}}
_FASTAPI_VALIDATION = "#/components/schemas/HTTPValidationError"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def install(app: FastAPI) -> None:
    """Post-process the document FastAPI builds (once; it is cached on the app like FastAPI's own)."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            for item in schema.get("paths", {}).values():
                for method in _METHODS:
                    if method in item:
                        document_errors(item[method])
            components = schema.get("components", {}).get("schemas", {})
            if _FASTAPI_VALIDATION not in str(schema.get("paths")):
                components.pop("HTTPValidationError", None)
                components.pop("ValidationError", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(operation: dict) -> None:
    responses = operation.setdefault("responses", {})
    if _refers(responses.get("422"), _FASTAPI_VALIDATION):
        del responses["422"]  # invalid input is a 400 here (gateway/errors.py)
    for status, spec in ERROR_RESPONSES.items():
        key = str(status)
        declared = responses.get(key)
        if declared is None or _refers(declared, _ERROR_REF):
            description = (declared or {}).get("description") or spec["description"]
            responses[key] = {"description": description, "content": dict(_JSON_ERROR)}
    if "text/html" in responses.get("200", {}).get("content", {}):
        # a page's "not found" is a page too (a JSON error when the API behind it refuses)
        responses["404"]["content"] = {**_JSON_ERROR, "text/html": {"schema": {"type": "string"}}}
        responses["404"]["description"] = "Not found: an HTML page, or the JSON error"


def _refers(response: dict | None, ref: str) -> bool:
    if not response:
        return False
    return any((media.get("schema") or {}).get("$ref") == ref for media in (response.get("content") or {}).values())
