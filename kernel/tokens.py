"""Access tokens: short-lived JWTs signed with Ed25519, verified anywhere without calling identity.

Keys live in a directory: `signing/<kid>.pem` (private, identity only) and `jwks.json` (public, every
verifier). Rotation adds a newer key: identity signs with the newest, verifiers accept every key still
in jwks.json, so tokens signed before the rotation stay valid until they expire.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode

ALGORITHM = "EdDSA"
AUDIENCE = "jiceng"


def issuer(region: str) -> str:
    return f"jiceng/{region}"


# -- key files --------------------------------------------------------------------------------------


def generate_signing_key(keys_dir: Path) -> str:
    """Create a new signing key (the newest signs from now on), rewrite jwks.json; return its kid."""
    signing = keys_dir / "signing"
    signing.mkdir(parents=True, exist_ok=True)
    now = time.time()
    kid = time.strftime("k%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}"
    newest = max((p.stem for p in signing.glob("*.pem")), default="")
    if kid <= newest:  # kids must sort by creation: the issuer signs with the greatest
        kid = newest + "1"
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = signing / f"{kid}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    write_jwks(keys_dir)
    return kid


def retire_signing_key(keys_dir: Path, kid: str) -> None:
    """Remove an old key: tokens it signed stop verifying once verifiers reload jwks.json."""
    (keys_dir / "signing" / f"{kid}.pem").unlink()
    write_jwks(keys_dir)


def _private_keys(keys_dir: Path) -> dict[str, Ed25519PrivateKey]:
    keys = {}
    for pem in sorted((keys_dir / "signing").glob("*.pem")):
        key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{pem} is not an Ed25519 key")
        keys[pem.stem] = key
    return keys


def write_jwks(keys_dir: Path) -> Path:
    jwks = {"keys": []}
    for kid, key in _private_keys(keys_dir).items():
        jwk = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": kid, "use": "sig", "alg": ALGORITHM})
        jwks["keys"].append(jwk)
    path = keys_dir / "jwks.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(jwks, indent=2))
    tmp.replace(path)
    return path


# -- issuing (identity only) ------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: float


class TokenIssuer:
    def __init__(self, keys_dir: Path, region: str, ttl_seconds: int):
        keys = _private_keys(keys_dir)
        if not keys:
            raise ValueError(f"no signing key in {keys_dir / 'signing'}: run the key tool first")
        self.kid = max(keys)  # kids sort by creation time
        self._key = keys[self.kid]
        self.region = region
        self.ttl = ttl_seconds

    def issue(self, actor: Actor, ttl_seconds: int | None = None) -> IssuedToken:
        """A signed access token for actor, valid for the issuer's ttl (or a shorter one given here)."""
        now = int(time.time())
        ttl = min(self.ttl, ttl_seconds) if ttl_seconds else self.ttl
        claims = {
            "iss": issuer(self.region),
            "aud": AUDIENCE,
            "sub": actor.account_id,
            "ten": self.region,
            "sid": actor.session_id,
            "pr": list(actor.platform_roles),
            "gr": [list(g) for g in actor.grants],
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})
        return IssuedToken(token, claims["exp"])


# -- verifying (gateway and every service) ----------------------------------------------------------


@dataclass(frozen=True)
class VerifiedToken:
    tenant: str
    actor: Actor
    expires_at: int


class TokenVerifier:
    """Verifies access tokens against jwks.json, reloading it when a token names an unknown key."""

    # At most this often, jwks.json is checked for changes (a new key, or a retired one): checking is
    # a stat() of the file, so a retired key stops verifying within seconds in every process.
    RELOAD_EVERY = 2.0

    def __init__(self, jwks_path: Path, region: str, leeway_seconds: int = 5):
        self.jwks_path = Path(jwks_path)
        self.region = region
        self.leeway = leeway_seconds
        self._lock = threading.Lock()
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._checked_at = 0.0
        self._mtime_ns = -1
        self._load()

    def _load(self) -> None:
        self._mtime_ns = self.jwks_path.stat().st_mtime_ns
        jwks = json.loads(self.jwks_path.read_text())
        keys = {}
        for jwk in jwks.get("keys", []):
            keys[jwk["kid"]] = OKPAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        self._checked_at = time.monotonic()

    def _refresh(self, force: bool = False) -> None:
        """Reload jwks.json if it changed; unless forced, look at most every RELOAD_EVERY seconds."""
        if not force and time.monotonic() - self._checked_at < self.RELOAD_EVERY:
            return
        with self._lock:
            if not force and time.monotonic() - self._checked_at < self.RELOAD_EVERY:
                return
            self._checked_at = time.monotonic()
            try:
                changed = self.jwks_path.stat().st_mtime_ns != self._mtime_ns
            except OSError:
                return  # keep the keys we have while the file is being replaced
            if changed:
                self._load()

    def _key_for(self, kid: str) -> Ed25519PublicKey:
        self._refresh()
        key = self._keys.get(kid)
        if key is None:  # a key newer than our copy? one stat() tells (cheap even for junk kids)
            self._refresh(force=True)
            key = self._keys.get(kid)
        if key is None:
            raise DomainError(ErrorCode.TOKEN_INVALID)
        return key

    def verify(self, token: str) -> VerifiedToken:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise DomainError(ErrorCode.TOKEN_INVALID)
            key = self._key_for(str(header.get("kid", "")))
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise DomainError(ErrorCode.TOKEN_EXPIRED) from None
        except jwt.PyJWTError:
            raise DomainError(ErrorCode.TOKEN_INVALID) from None
        if claims.get("ten") != self.region or claims.get("iss") != issuer(self.region):
            raise DomainError(ErrorCode.WRONG_REGION)
        actor = Actor(
            account_id=str(claims["sub"]),
            session_id=str(claims.get("sid", "")),
            platform_roles=tuple(claims.get("pr", ())),
            grants=tuple((str(r), str(o)) for r, o in claims.get("gr", ())),
        )
        return VerifiedToken(tenant=claims["ten"], actor=actor, expires_at=int(claims["exp"]))


def bearer(header_value: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` value, or None."""
    if not header_value:
        return None
    scheme, _, token = header_value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError(ErrorCode.TOKEN_INVALID)
    return token.strip()
