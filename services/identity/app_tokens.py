"""App tokens: the scoped, revocable credentials a webhook app (content's custom apps) calls the API back with.

An org's app managers (`app.manage` on the org) issue a token for an app installed there, choosing its scopes
among kernel.authz.APP_SCOPES. The token (`jcapp_<id>.<secret>`) is shown once; identity keeps the secret's
hash. It is never an access token itself: the gateway exchanges it (ExchangeAppToken, anonymous) for a short
access token of the actor `app:<id>` whose only grants are `app:<scope>` on the installing org — so whatever
it calls, every service decides as for anyone else, and the app reaches that org's subtree and those actions
only. A revoked token is refused at its next exchange; the gateway keeps an exchange at most
`APP_TOKEN_CACHE_SECONDS`, so a revocation holds everywhere within that time. Issuing, revoking and each
exchange are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

from kernel import authz, context
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from kernel.store import atomically, utcnow
from kernel.tokens import IssuedToken, TokenIssuer
from services.identity import audit, roles
from services.identity.store import AppToken

PREFIX = "jcapp_"
EXCHANGE_TTL_SECONDS = 300  # the access token an exchange gives: short, so revocation needs no denylist
MANAGE = "app.manage"
LABEL_MAX = 60
TOKENS_MAX = 20  # live tokens of one org


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_of(token: AppToken) -> Actor:
    return Actor(
        account_id=f"app:{token.id}",
        session_id=f"app:{token.id}",
        grants=tuple((authz.APP_PREFIX + scope, token.org_id) for scope in token.scopes),
    )


def _scopes(raw: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(raw))
    if not chosen or any(s not in authz.APP_SCOPES for s in chosen):
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "app_token_scopes_invalid", "scopes", scopes=", ".join(authz.APP_SCOPES)
        )
    return chosen


def _managed(org_id: str) -> None:
    ctx = context.current()
    actor = ctx.require_actor()  # an app's actor holds no stored grant: it mints no tokens
    if not roles.decide_for(ctx.tenant, actor.account_id, MANAGE, org_id).allowed:
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def issue(org_id: str, app_id: str, label: str, scopes: list[str]) -> tuple[AppToken, str]:
    """A new token for the org's app; returns it and its one-time clear form."""
    ctx = context.current()
    if not org_id:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", "org_id")
    _managed(org_id)
    chosen = _scopes(scopes)
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_token_label_too_long", "label", max=LABEL_MAX)
    live = AppToken.in_tenant(ctx.tenant).filter(org_id=org_id, revoked_at=None).count()
    if live >= TOKENS_MAX:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "app_tokens_too_many", "org_id", max=TOKENS_MAX)
    token_id, secret = uuid.uuid4().hex, secrets.token_urlsafe(32)
    row = AppToken(
        id=token_id,
        tenant=ctx.tenant,
        secret_hash=_hash(secret),
        org_id=org_id,
        app_id=(app_id or "")[:64],
        label=label,
        scopes=chosen,
        created_by=ctx.require_actor().account_id,
        created_at=utcnow(),
    )

    def write(uow) -> AppToken:
        uow.insert(row)
        audit.record("app_token.issued", target_id=token_id, uow=uow, org_id=org_id, scopes=",".join(chosen))
        return row

    return atomically(ctx.tenant, write), f"{PREFIX}{token_id}.{secret}"


def _token(token_id: str) -> AppToken:
    row = AppToken.in_tenant(context.current().tenant).filter(id=token_id).first()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "app_token_not_found", "token_id")
    return row


def revoke(token_id: str) -> AppToken:
    row = _token(token_id)
    _managed(row.org_id)
    if row.revoked_at is None:
        now = utcnow()

        def write(uow) -> None:
            uow.update_one(AppToken, {"_id": row.id, "revoked_at": None}, {"$set": {"revoked_at": now}})
            audit.record("app_token.revoked", target_id=row.id, uow=uow, org_id=row.org_id)

        atomically(row.tenant, write)
        row.revoked_at = now
    return row


def list_for(org_id: str) -> list[AppToken]:
    _managed(org_id)
    return list(AppToken.in_tenant(context.current().tenant).filter(org_id=org_id).order_by("-created_at").limit(100))


def exchange(issuer: TokenIssuer, raw: str) -> tuple[IssuedToken, AppToken]:
    """A short access token for a live app token (anonymous: the app token is the credential)."""
    ctx = context.current()
    token_id, _, secret = raw.removeprefix(PREFIX).partition(".")
    row = AppToken.in_tenant(ctx.tenant).filter(id=token_id).first() if raw.startswith(PREFIX) else None
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        audit.record("app_token.refused", target_id=token_id[:64], outcome="denied")
        raise DomainError(ErrorCode.TOKEN_INVALID)
    AppToken._get_collection().update_one({"_id": row.id, "tenant": ctx.tenant}, {"$set": {"last_used_at": utcnow()}})
    return issuer.issue(actor_of(row), EXCHANGE_TTL_SECONDS), row
