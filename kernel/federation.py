"""Signed requests between regions (federation): the peers a region trusts, and how a request is signed.

Every cross-region HTTP request carries an HTTP Message Signature (RFC 9421) made with the sending
region's Ed25519 key:

    Content-Digest:  sha-256=:<base64 of the body's SHA-256>:
    Jiceng-To:       beijing
    Signature-Input: jc=("@method" "@path" "content-digest" "jiceng-to");created=1764180000;
                     keyid="tianjin";nonce="…";alg="ed25519";tag="jiceng-federation"   (one line)
    Signature:       jc=:<base64 of the Ed25519 signature of the signature base>:

The signature base is RFC 9421's: one line per covered component, then `"@signature-params"`. Covering
the body's digest makes a tampered body fail; covering `jiceng-to` makes a request signed for one region
useless at another; `created` bounds a request's life to CLOCK_SKEW seconds either way, and the nonce
(remembered by the receiver for longer than that) makes each request count once.

Peers are an allow-list: `FEDERATION_PEERS_PATH` names a JSON file

    {"peers": [{"region": "beijing", "url": "https://beijing.example/", "public_key": "<base64 raw>",
                "role": "region"}, …]}

`role` is `region` (a regional deployment) or `central` (the central office: it may ask for statistics and
audited person searches). Rotating a region's key: every peer first lists the new key as `public_key` and the
old one in `previous_public_keys` (both verify), then the region signs with the new key, then peers drop the
old one. No I/O here beyond reading the two files it is given; `calling_peer` and
`calling_central` tell a service who is calling from the call's context.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kernel import authz, context
from kernel.errors import DomainError, ErrorCode

LABEL = "jc"
TAG = "jiceng-federation"
ALG = "ed25519"
COMPONENTS = ("@method", "@path", "content-digest", "jiceng-to")
CLOCK_SKEW = 300  # seconds a request's `created` may differ from the receiver's clock
NONCE_KEEP = 2 * CLOCK_SKEW + 60  # a receiver remembers nonces at least this long
ROLES = ("region", "central")
_REGION = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Refused(Exception):
    """A request that does not verify; `reason` is a stable code for the audit log and the reply."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Peer:
    region: str
    url: str  # the peer gateway's base address, e.g. https://beijing.example/
    public_key: str  # base64 of the raw 32-byte Ed25519 public key
    role: str = "region"
    previous_keys: tuple[str, ...] = ()  # still accepted while the peer rotates its key

    def keys(self) -> list[Ed25519PublicKey]:
        return [Ed25519PublicKey.from_public_bytes(base64.b64decode(k)) for k in (self.public_key, *self.previous_keys)]


@dataclass(frozen=True)
class Verified:
    peer: Peer
    nonce: str
    created: int


# -- keys and the allow-list -------------------------------------------------------------------------


def generate_key() -> bytes:
    """A new Ed25519 private key as PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def parse_peers(text: str) -> dict[str, Peer]:
    """The allow-list from its JSON text; raises ValueError naming what is wrong."""
    doc = json.loads(text)
    peers: dict[str, Peer] = {}
    for i, raw in enumerate(doc.get("peers", [])):
        peer = Peer(
            region=str(raw.get("region", "")),
            url=str(raw.get("url", "")).rstrip("/") + "/",
            public_key=str(raw.get("public_key", "")),
            role=str(raw.get("role", "region")),
            previous_keys=tuple(str(k) for k in raw.get("previous_public_keys", [])),
        )
        if not _REGION.match(peer.region):
            raise ValueError(f"peers[{i}].region: not a region slug")
        if peer.role not in ROLES:
            raise ValueError(f"peers[{i}].role: one of {', '.join(ROLES)}")
        if not peer.url.startswith(("http://", "https://")):
            raise ValueError(f"peers[{i}].url: not an http(s) address")
        if len(peer.previous_keys) > 2:
            raise ValueError(f"peers[{i}].previous_public_keys: at most 2")
        try:
            peer.keys()
        except ValueError as exc:
            raise ValueError(f"peers[{i}].public_key: {exc}") from None
        if peer.region in peers:
            raise ValueError(f"peers[{i}].region: {peer.region} listed twice")
        peers[peer.region] = peer
    return peers


def load_peers(path: Path | None) -> dict[str, Peer]:
    if path is None or not str(path):
        return {}
    return parse_peers(path.read_text())


# -- signing -----------------------------------------------------------------------------------------


def content_digest(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def _params(created: int, keyid: str, nonce: str) -> str:
    covered = " ".join(f'"{c}"' for c in COMPONENTS)
    return f'({covered});created={created};keyid="{keyid}";nonce="{nonce}";alg="{ALG}";tag="{TAG}"'


def signature_base(method: str, path: str, digest: str, to_region: str, params: str) -> bytes:
    values = {"@method": method.upper(), "@path": path, "content-digest": digest, "jiceng-to": to_region}
    lines = [f'"{c}": {values[c]}' for c in COMPONENTS]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def sign(
    key: Ed25519PrivateKey,
    from_region: str,
    to_region: str,
    method: str,
    path: str,
    body: bytes,
    created: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers that make this request verifiable by to_region."""
    nonce = nonce or secrets.token_urlsafe(24)
    digest = content_digest(body)
    params = _params(created, from_region, nonce)
    signature = key.sign(signature_base(method, path, digest, to_region, params))
    return {
        "Content-Digest": digest,
        "Jiceng-To": to_region,
        "Signature-Input": f"{LABEL}={params}",
        "Signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:",
    }


# -- verifying ---------------------------------------------------------------------------------------

_INPUT = re.compile(
    r'^jc=\((?P<covered>[^)]*)\);created=(?P<created>\d{1,12});keyid="(?P<keyid>[^"]*)";'
    r'nonce="(?P<nonce>[^"]*)";alg="(?P<alg>[^"]*)";tag="(?P<tag>[^"]*)"$'
)
_KEYID = re.compile(r';keyid="([^"]{1,64})"')


def claimed_keyid(signature_input: str) -> str:
    """The region a request says it comes from, verified or not (for the audit entry of a refused one)."""
    found = _KEYID.search(signature_input or "")
    return found.group(1) if found else ""


_SIGNATURE = re.compile(r"^jc=:(?P<sig>[A-Za-z0-9+/=]{1,200}):$")


def verify(
    peers: dict[str, Peer],
    region: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
    now: float,
) -> Verified:
    """Check a request addressed to region; raise Refused with the reason otherwise.

    headers: lower-cased names. The nonce's freshness (not seen before) is the caller's to check: this
    function has no memory."""
    parsed = _INPUT.match(headers.get("signature-input", ""))
    signature = _SIGNATURE.match(headers.get("signature", ""))
    if parsed is None or signature is None:
        raise Refused("signature_missing")
    if parsed["tag"] != TAG or parsed["alg"] != ALG or parsed["covered"] != " ".join(f'"{c}"' for c in COMPONENTS):
        raise Refused("signature_params_invalid")
    peer = peers.get(parsed["keyid"])
    if peer is None:
        raise Refused("peer_unknown")
    if headers.get("jiceng-to", "") != region:
        raise Refused("wrong_region")
    created = int(parsed["created"])
    if abs(now - created) > CLOCK_SKEW:
        raise Refused("signature_expired")
    if not _NONCE.match(parsed["nonce"]):
        raise Refused("signature_params_invalid")
    digest = content_digest(body)
    if headers.get("content-digest", "") != digest:
        raise Refused("digest_mismatch")
    params = _params(created, peer.region, parsed["nonce"])
    base = signature_base(method, path, digest, region, params)
    raw = base64.b64decode(signature["sig"])
    for key in peer.keys():  # the current key, then any still accepted during a rotation
        try:
            key.verify(raw, base)
        except (InvalidSignature, ValueError):
            continue
        return Verified(peer, parsed["nonce"], created)
    raise Refused("signature_invalid")


# -- a service's side: who is calling ------------------------------------------------------------------


def calling_peer() -> str:
    """The region a federation call comes from (identity admitted its signed request and gave the gateway a
    token of the actor "region:<peer>"); PERMISSION_DENIED for anyone else."""
    actor = context.current().require_actor()
    if not actor.account_id.startswith(authz.PEER_PREFIX) or not (
        {authz.FEDERATION_PEER, authz.FEDERATION_CENTRAL} & set(actor.platform_roles)
    ):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "federation_peer_only")
    return actor.account_id.removeprefix(authz.PEER_PREFIX)


def calling_central() -> str:
    """As calling_peer, for what only the central office may ask (statistics, person searches)."""
    region = calling_peer()
    if authz.FEDERATION_CENTRAL not in context.current().require_actor().platform_roles:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "federation_central_only")
    return region
