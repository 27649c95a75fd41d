"""The gateway's surface as its own OpenAPI document describes it: every operation, its path filled with real
ids, a small body its schema accepts, and the checks every security test shares (an error is a JSON error,
nothing of a victim's leaks into a reply)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

import httpx

_PARAM = re.compile(r"\{([^}]+)\}")
_SOON = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    path: str  # the template, /api/v1/posts/{post_id}
    secured: bool  # the document names a security scheme: a bearer token is expected
    body_schema: dict | None  # the JSON schema of the body (None: no body or not JSON)
    body_type: str | None  # the body's content type
    query: tuple[dict, ...]  # query parameters (name, required, schema)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)


class Surface:
    """The operations of a running gateway's OpenAPI document, and a body sampler for their schemas."""

    def __init__(self, document: dict):
        self.document = document
        self.schemas = document.get("components", {}).get("schemas", {})
        self.operations: list[Operation] = []
        for path, item in document["paths"].items():
            for method in METHODS:
                op = item.get(method)
                if op is None:
                    continue
                body_schema = body_type = None
                for ctype, content in op.get("requestBody", {}).get("content", {}).items():
                    body_type, body_schema = ctype, content.get("schema")
                query = tuple(p for p in op.get("parameters", ()) if p.get("in") == "query")
                self.operations.append(
                    Operation(method.upper(), path, bool(op.get("security")), body_schema, body_type, query)
                )

    @classmethod
    def fetch(cls, http: httpx.Client) -> Surface:
        reply = http.get("/openapi.json")
        assert reply.status_code == 200, reply.text
        return cls(reply.json())

    def by_key(self) -> dict[str, Operation]:
        return {op.key: op for op in self.operations}

    # -- bodies ----------------------------------------------------------------------------------------

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def sample(self, schema: dict | None, ids: dict[str, str], name: str = "", full: bool = False) -> object:
        """A value the schema accepts; names found in ids take that id (org_id -> the victim's org). With full,
        every property of an object is filled (the oversized-input tests), not only the required ones."""
        if schema is None:
            return None
        schema = self.resolve(schema)
        if name in ids and ids[name] in schema.get("enum", (ids[name],)):
            return ids[name]
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                choices = [self.resolve(s) for s in schema[key] if self.resolve(s).get("type") != "null"]
                return self.sample(choices[0], ids, name, full) if choices else None
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        if "default" in schema and schema["default"] is not None and not full:
            return schema["default"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            props = schema.get("properties", {})
            wanted = props if full else {k: props[k] for k in schema.get("required", ()) if k in props}
            return {k: self.sample(v, ids, k, full) for k, v in wanted.items()}
        if kind == "array":
            count = max(1, schema.get("minItems", 0)) if (full or schema.get("minItems")) else 0
            return [self.sample(schema.get("items", {}), ids, name.rstrip("s"), full) for _ in range(count)]
        if kind == "integer":
            return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
        if kind == "number":
            return float(max(schema.get("minimum", 1), 1))
        if kind == "boolean":
            return False
        return _string(schema, name)


def _string(schema: dict, name: str) -> str:
    fmt = schema.get("format", "")
    if fmt == "date-time" or name.endswith("_at") or name in ("deadline", "starts", "ends"):
        return (_SOON + dt.timedelta(hours=2)).isoformat()
    if fmt == "date" or name.endswith("_on"):
        return _SOON.date().isoformat()
    if name == "month":
        return "2026-10"
    if "phone" in name:
        return "139" + "".join(secrets.choice("0123456789") for _ in range(8))
    if name.endswith("url") or name == "endpoint":
        return "https://example.org/hook"
    text = "测试" + secrets.token_hex(2)
    low, high = schema.get("minLength", 1), schema.get("maxLength", 64)
    return (text * (low // len(text) + 1))[: max(low, min(len(text), high))]


def fill(path: str, ids: dict[str, str]) -> str:
    """The path with each {param} replaced by ids[param] (a well-formed id of nothing when unknown)."""
    return _PARAM.sub(lambda m: ids.get(m.group(1), "0" * 24), path)


# -- checks ------------------------------------------------------------------------------------------------


def json_error(reply: httpx.Response) -> dict:
    """The reply's body is the gateway's JSON error (`{"error": {"code", "message", ...}}`); returns it."""
    assert reply.headers.get("content-type", "").startswith("application/json"), (reply.status_code, reply.text)
    assert reply.headers.get("x-content-type-options") == "nosniff", reply.headers
    body = reply.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    return body["error"]


def leaks(reply: httpx.Response, secrets_: set[str]) -> set[str]:
    """Which of the victim's identifiers, names and texts appear in the reply's body."""
    text = reply.text
    return {s for s in secrets_ if s and s in text}


DENIED = frozenset({401, 403, 404})


def describe(reply: httpx.Response) -> str:
    return f"{reply.status_code} {reply.text[:300]}"
