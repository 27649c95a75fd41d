"""Admitting signed requests from peer regions, and the audit of federation calls in both directions.

The gateway receives a peer's request and hands it here as received (method, path, headers, body).
`admit` checks it (kernel/federation.py: allow-list, Ed25519 signature over method, path, body digest and
the addressed region, a `created` within five minutes), then remembers its nonce: the nonce's insert is
unique, so the same signed request presented twice is refused the second time (a replay), also when two
copies race. Admitted or refused, every request is in the audit log (`federation.in`); an admitted one
gets a one-minute access token of the actor `region:<peer>` holding `federation_peer` (or
`federation_central`), which services accept only on their federation calls.
"""

from __future__ import annotations

import time

import mongoengine as me
from pymongo.errors import DuplicateKeyError

from kernel import authz, context
from kernel import federation as fed
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from kernel.store import utcnow
from kernel.tokens import IssuedToken, TokenIssuer
from services.identity import audit, roles
from services.identity.store import Account

TOKEN_TTL_SECONDS = 60  # the gateway uses it at once, for the calls of one request
MAX_DETAIL = 200  # characters of a caller-supplied value kept in an audit entry


class FederationNonce(me.Document):
    """A nonce seen from a peer; kept past the signature's lifetime, then expired by the database."""

    id = me.StringField(primary_key=True)  # "<tenant>:<peer>:<nonce>"
    seen_at = me.DateTimeField(required=True)
    meta = {
        "collection": "federation_nonces",
        "indexes": [{"fields": ["seen_at"], "expireAfterSeconds": fed.NONCE_KEEP}],
    }


def ensure_indexes() -> None:
    FederationNonce.ensure_indexes()


def _clip(value: str) -> str:
    return value[:MAX_DETAIL]


def admit(
    issuer: TokenIssuer,
    peers: dict[str, fed.Peer],
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    subject: str = "",
) -> tuple[fed.Peer, IssuedToken]:
    """A peer's verified request and the token to act for it; DomainError(UNAUTHENTICATED) otherwise."""
    tenant = context.current().tenant
    headers = {k.lower(): v for k, v in headers.items()}
    claimed = _clip(fed.claimed_keyid(headers.get("signature-input", "")))
    try:
        verified = fed.verify(peers, tenant, method, path, headers, body, time.time())
        try:
            FederationNonce(id=f"{tenant}:{verified.peer.region}:{verified.nonce}", seen_at=utcnow()).save(
                force_insert=True
            )
        except (DuplicateKeyError, me.NotUniqueError):
            raise fed.Refused("replayed") from None
    except fed.Refused as refused:
        audit.record(
            "federation.in",
            actor_id=authz.PEER_PREFIX + claimed if claimed else "",
            outcome="denied",
            reason=refused.reason,
            method=method,
            path=_clip(path),
            subject=_clip(subject),
        )
        raise DomainError(ErrorCode.UNAUTHENTICATED, "federation_refused", reason=refused.reason) from None
    peer = verified.peer
    audit.record(
        "federation.in",
        actor_id=authz.PEER_PREFIX + peer.region,
        method=method,
        path=_clip(path),
        subject=_clip(subject),
        nonce=verified.nonce,
    )
    role = authz.FEDERATION_CENTRAL if peer.role == "central" else authz.FEDERATION_PEER
    actor = Actor(
        account_id=authz.PEER_PREFIX + peer.region, session_id=f"federation:{verified.nonce}", platform_roles=(role,)
    )
    return peer, issuer.issue(actor, TOKEN_TTL_SECONDS)


def record_outbound(
    to_region: str, method: str, path: str, status: int, subject: str, on_behalf_of: str, details: dict[str, str]
) -> None:
    """An entry for a request this region sent to a peer (`federation.out`), with the peer's answer."""
    audit.record(
        "federation.out",
        actor_id=_clip(on_behalf_of),
        target_id=authz.PEER_PREFIX + _clip(to_region),
        outcome="ok" if 200 <= status < 300 else "failed",
        method=_clip(method),
        path=_clip(path),
        status=status,
        subject=_clip(subject),
        **{f"d_{_clip(k)[:40]}": _clip(v) for k, v in list(details.items())[:10]},
    )


def read_transfer_contact(account_id: str, org_id: str, purpose: str) -> Account:
    """The account of a member going to another region (a transfer's dossier, a mobile member's registration
    there carry its phone), for the member themselves or a caller who manages members of their org; audited."""
    ctx = context.current()
    actor = ctx.require_actor()
    themselves = actor.account_id == account_id
    if not themselves and not roles.decide_for(ctx.tenant, actor.account_id, "member.manage", org_id).allowed:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    account = Account.in_tenant(ctx.tenant).filter(id=account_id).first() if len(account_id) == 24 else None
    if account is None:
        raise DomainError(ErrorCode.NOT_FOUND, "account_not_found", "account_id")
    audit.record("federation.contact_read", target_id=account_id, org_id=org_id, purpose=_clip(purpose))
    return account
