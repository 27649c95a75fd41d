"""Who is calling, for which region: set once per gRPC call (or event) from verified data only."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from kernel.errors import DomainError, ErrorCode, from_rpc_error

T = TypeVar("T")

# gRPC metadata keys (lower case, as gRPC requires).
AUTHORIZATION = "authorization"
REQUEST_ID = "x-request-id"
TENANT = "x-tenant"
CLIENT_IP = "x-client-ip"  # the end user's address as the gateway saw it (for audit)


@dataclass(frozen=True)
class Actor:
    """The account behind a verified access token, with the roles the token carries."""

    account_id: str
    session_id: str = ""
    platform_roles: tuple[str, ...] = ()
    grants: tuple[tuple[str, str], ...] = ()  # (role, org_id)


@dataclass(frozen=True)
class CallContext:
    tenant: str
    request_id: str = ""
    actor: Actor | None = None
    token: str = field(default="", repr=False)  # forwarded on onward calls, never logged
    client_ip: str = ""

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise DomainError(ErrorCode.UNAUTHENTICATED)
        return self.actor


_current: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar("call_context", default=None)


def current() -> CallContext:
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("no call context: this code must run inside a gRPC call or event handler")
    return ctx


def bind(ctx: CallContext) -> contextvars.Token:
    return _current.set(ctx)


def unbind(token: contextvars.Token) -> None:
    _current.reset(token)


def outgoing_metadata(ctx: CallContext) -> list[tuple[str, str]]:
    """Metadata for a call made on behalf of ctx, so the callee sees the same tenant, actor and id."""
    md = [(TENANT, ctx.tenant)]
    if ctx.request_id:
        md.append((REQUEST_ID, ctx.request_id))
    if ctx.token:
        md.append((AUTHORIZATION, f"Bearer {ctx.token}"))
    if ctx.client_ip:
        md.append((CLIENT_IP, ctx.client_ip))
    return md


def call_as_caller(method: Callable[..., T], request: object, timeout: float) -> T:
    """Call another service's gRPC method on behalf of the current caller (tenant, token, request id and
    client address forwarded, so it decides with the caller's own rights); a refusal comes back as the
    DomainError the other service raised."""
    import grpc  # late: this module is imported by code that never makes calls

    try:
        return method(request, metadata=outgoing_metadata(current()), timeout=timeout)
    except grpc.RpcError as err:
        raise from_rpc_error(err) from None
