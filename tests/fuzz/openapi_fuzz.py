"""Fuzz the gateway from its own OpenAPI document (schemathesis): every operation, with data that fits the
schema and data that does not, as a few callers. What must hold for every reply:

- never a 5xx, and an answer within the client's timeout (no hang);
- an error (4xx) is `{"error": {"code", "message", "field"?}}` as application/json, its code one of the stable
  codes, and its status one the document declares for that operation;
- a success matches the response schema the document declares for it.

`fuzz()` is the engine: tests/fuzz/test_openapi_fuzz.py runs it briefly under `make test`, `make fuzz` longer.
Each failure is reported once per (operation, caller, kind) with the request that reproduces it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from kernel.errors import ErrorCode

# The stable codes, and the one the WebSocket's plain GET answers (426 upgrade_required, documented there).
STABLE_CODES = frozenset(e.code for e in ErrorCode) | {"upgrade_required"}
ERROR_KEYS = frozenset({"code", "message", "field", "retry_after"})
# Operations that end the caller's own sessions go last, so the rest are fuzzed with a live token.
LAST = ("/api/v1/auth/logout", "/api/v1/auth/logout-everywhere", "/api/v1/auth/password/change")


@dataclass
class Caller:
    """Who sends the requests: a name for the report, headers (token, client address), fixed path values."""

    name: str
    headers: dict[str, str]
    path_values: dict[str, str] = field(default_factory=dict)
    # new credentials (headers) before the access token expires (10 min); None: nothing to renew
    renew: Callable[[], dict[str, str]] | None = None
    renewed: float = field(default_factory=time.monotonic)

    def fresh(self, every: float = 300.0) -> dict[str, str]:
        if self.renew is not None and time.monotonic() - self.renewed > every:
            self.headers = {**self.headers, **self.renew()}
            self.renewed = time.monotonic()
        return self.headers


@dataclass
class Failure:
    operation: str
    caller: str
    kind: str
    detail: str
    request: str

    def __str__(self) -> str:
        return f"{self.operation} as {self.caller}: {self.kind}: {self.detail}\n    {self.request}"


def load_schema(gateway_url: str):
    return schemathesis.openapi.from_url(f"{gateway_url}/openapi.json")


def operations(schema, include: Callable[[str, str], bool] = lambda method, path: True) -> list:
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if include(operation.method.upper(), operation.path):
            found.append(operation)
    return sorted(found, key=lambda op: (op.path in LAST, op.path, op.method))


def _declared(operation) -> set[str]:
    return set(operation.definition.raw.get("responses", {}))


def _content_types(operation, status: int) -> list[str]:
    response = operation.definition.raw.get("responses", {}).get(str(status)) or {}
    return sorted((response.get("content") or {"application/json": {}}).keys())


def _status_declared(status: int, declared: set[str]) -> bool:
    return str(status) in declared or f"{str(status)[0]}XX" in declared or "default" in declared


def _describe(case, response: requests.Response | None) -> str:
    request = response.request if response is not None else None
    body = request.body if request is not None else None
    if isinstance(body, bytes):
        body = body[:300].decode("utf-8", "replace")
    url = request.url if request is not None else case.formatted_path
    return f"{case.method.upper()} {url} body={str(body)[:300]!r}"


def check_reply(operation, response: requests.Response) -> list[tuple[str, str]]:
    """The (kind, detail) of each rule the reply breaks (see the module doc)."""
    problems = []
    status = response.status_code
    text = response.text[:300]
    if status >= 500:
        problems.append(("server error", f"{status} {text}"))
    if not _status_declared(status, _declared(operation)):
        problems.append(("undocumented status", f"{status} {text}"))
    if status >= 400:
        ctype = response.headers.get("content-type", "").split(";")[0].strip()
        documented = _content_types(operation, status)
        if ctype not in documented:
            problems.append(("undocumented content type", f"{status} {ctype!r} (documented: {documented}): {text}"))
            return problems
        if ctype != "application/json":
            return problems  # a page (micro-websites): the document says so
        try:
            body = response.json()
        except ValueError:
            problems.append(("error is not JSON", f"{status} {text}"))
            return problems
        error = body.get("error") if isinstance(body, dict) else None
        if (
            not isinstance(error, dict)
            or not ERROR_KEYS.issuperset(error)
            or error.get("code") not in STABLE_CODES
            or not isinstance(error.get("message"), str)
            or not error["message"]
            or not isinstance(error.get("field"), str | None)
        ):
            problems.append(("error body out of shape", f"{status} {text}"))
    return problems


def fuzz(
    gateway_url: str,
    schema,
    callers: list[Caller],
    examples: int,
    timeout: float = 30.0,
    include: Callable[[str, str], bool] = lambda method, path: True,
    log: Callable[[str], None] = lambda line: None,
) -> tuple[list[Failure], dict]:
    """Generate `examples` requests per operation (a third fitting the schema, the rest not) and send each as
    every caller in turn (generating is most of the cost: each case serves them all). Returns the failures
    (one per operation, caller and kind) and counts of what was sent."""
    failures: dict[tuple[str, str, str], Failure] = {}
    counts: dict = {"operations": 0, "requests": 0, "seconds": 0}
    started = time.monotonic()
    ops = operations(schema, include)
    counts["operations"] = len(ops)
    slow: list[tuple[float, str]] = []
    fixed_values = {k: v for caller in callers for k, v in caller.path_values.items()}
    with requests.Session() as session:
        for i, operation in enumerate(ops, 1):
            began, known = time.monotonic(), len(failures)
            _fuzz_operation(gateway_url, session, operation, callers, fixed_values, examples, timeout, failures, counts)
            slow.append((time.monotonic() - began, f"{operation.method.upper()} {operation.path}"))
            for failure in list(failures.values())[known:]:
                log(f"FAILURE {failure}")
            if i % 50 == 0:
                log(f"{i}/{len(ops)} operations, {counts['requests']} requests")
    counts["seconds"] = round(time.monotonic() - started)
    counts["http seconds"] = round(counts.pop("http", 0.0))
    counts["slowest"] = [f"{t:.1f} s {label}" for t, label in sorted(slow)[-5:]]
    return list(failures.values()), counts


def _fuzz_operation(gateway_url, session, operation, callers, fixed_values, n, timeout, failures, counts) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    # path values of the callers' own (their org): ids that exist, so the request goes past "not found"
    fixed = {k: v for k, v in fixed_values.items() if k in _path_names(operation)} or None
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=fixed),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    def send(case, caller: Caller) -> None:
        counts["requests"] += 1
        began = time.monotonic()
        try:
            response = case.call(base_url=gateway_url, session=session, headers=caller.fresh(), timeout=timeout)
        except requests.Timeout:
            _record(failures, Failure(label, caller.name, "hang", f"no answer in {timeout} s", _describe(case, None)))
            return
        except requests.RequestException as exc:  # a connection dropped: the server broke off
            _record(failures, Failure(label, caller.name, "connection", repr(exc)[:200], _describe(case, None)))
            return
        finally:
            counts["http"] = counts.get("http", 0.0) + time.monotonic() - began
        key = f"{caller.name} {raw_status_class(response.status_code)}"
        counts[key] = counts.get(key, 0) + 1
        raw = _as_requests(response)
        for kind, detail in check_reply(operation, raw):
            _record(failures, Failure(label, caller.name, kind, detail, _describe(case, raw)))
        if raw.status_code < 400:
            try:
                case.validate_response(response, checks=[response_schema_conformance])
            except Exception as exc:  # noqa: BLE001 - schemathesis reports a mismatch as an exception
                detail = " / ".join(str(exc).strip().splitlines()[:6])[:400]
                _record(failures, Failure(label, caller.name, "response schema", detail, _describe(case, raw)))

    @settings(
        max_examples=n,
        derandomize=True,  # the same requests every run: a failure reproduces
        database=None,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: the report names the request as sent
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def run(case):
        for caller in callers:
            send(case, caller)

    run()


def raw_status_class(status: int) -> str:
    return f"{str(status)[0]}xx"


def _path_names(operation) -> set[str]:
    return {p.name for p in operation.path_parameters}


def _record(failures: dict, failure: Failure) -> None:
    failures.setdefault((failure.operation, failure.caller, failure.kind), failure)


def _as_requests(response) -> requests.Response:
    """schemathesis' own Response (4.x: headers as lists) as a requests.Response, for the checks above."""
    raw = requests.Response()
    raw.status_code = response.status_code
    raw.headers.update({k: v[0] if isinstance(v, list) else v for k, v in response.headers.items()})
    raw._content = response.content
    raw.request = response.request
    return raw


def report(failures: list[Failure]) -> str:
    by_kind: dict[str, int] = {}
    for f in failures:
        by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
    head = ", ".join(f"{k}: {v}" for k, v in sorted(by_kind.items()))
    return f"{len(failures)} failures ({head})\n" + "\n".join(str(f) for f in failures)


def dump(failures: list[Failure]) -> str:
    return json.dumps([f.__dict__ for f in failures], ensure_ascii=False, indent=1)
