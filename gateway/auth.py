"""Who is calling: the bearer token, verified locally against identity's public keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway import app_tokens
from kernel.errors import DomainError, ErrorCode
from kernel.tokens import TokenVerifier, VerifiedToken

bearer_scheme = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


@dataclass(frozen=True)
class Caller:
    token: str
    verified: VerifiedToken

    @property
    def account_id(self) -> str:
        return self.verified.actor.account_id


def verifier(request: Request) -> TokenVerifier:
    return request.app.state.verifier


async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Caller:
    if credentials is None:
        if request.headers.get("authorization"):
            raise DomainError(ErrorCode.TOKEN_INVALID)
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    raw = credentials.credentials
    if raw.startswith(app_tokens.PREFIX):  # a webhook app calling back: its exchanged access token
        exchanger, address = request.app.state.app_tokens, client_address(request)
        if exchanger.cached(raw) is None:
            request.app.state.limiters["auth"].hit(address)
        exchanged = await exchanger.exchange(request.app.state.services, verifier(request), raw, address)
        return Caller(exchanged.access_token, exchanged.verified)
    verified = verifier(request).verify(raw)
    if verified.actor.account_id in request.app.state.erased:  # deleted a moment ago: its tokens stop now
        raise DomainError(ErrorCode.TOKEN_INVALID)
    return Caller(raw, verified)


CallerDep = Annotated[Caller, Depends(caller)]


def client_address(request: Request) -> str:
    if request.app.state.config.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"
