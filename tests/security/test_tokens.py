"""Access tokens that were tampered with, expired, or belong to a session logged out everywhere."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from kernel.context import Actor
from kernel.tokens import AUDIENCE, TokenIssuer, _private_keys, issuer
from tests.conftest import register
from tests.e2e.corner import client_for, error
from tests.security.world import foreign_keys

pytestmark = pytest.mark.security
ME = "/api/v1/me"


@pytest.fixture(scope="module")
def member(gateway_url, identity_events):
    with client_for(gateway_url) as http:
        return register(http, identity_events, "令牌测试")


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict, dict, str]:
    head, body, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(head))), json.loads(base64.urlsafe_b64decode(pad(body))), signature


def _dead(reply) -> None:
    assert reply.status_code == 401, reply.text
    assert reply.json()["error"]["code"] in {"unauthenticated", "refresh_token_reused"}, reply.text


def _refused(api, token: str, code: str = "token_invalid") -> None:
    reply = api.get(ME, headers={"Authorization": f"Bearer {token}"})
    error(reply, 401, code)
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_a_changed_payload_or_a_missing_signature_is_refused(api, member):
    header, claims, signature = _parts(member.access_token)
    assert api.get(ME, headers=member.auth).status_code == 200
    for change in ({"pr": ["region_admin"]}, {"sub": uuid.uuid4().hex}, {"exp": claims["exp"] + 86400}):
        _refused(api, f"{_b64(header)}.{_b64(claims | change)}.{signature}")
    _refused(api, f"{_b64(header)}.{_b64(claims)}.")
    _refused(api, f"{_b64(header)}.{_b64(claims)}")


def test_alg_none_and_hs256_with_the_public_key_are_refused(api, stack, member):
    header, claims, _ = _parts(member.access_token)
    _refused(api, f"{_b64(header | {'alg': 'none'})}.{_b64(claims)}.")
    jwks = json.loads((stack.layout.keys_dir / "jwks.json").read_text())
    public_x = base64.urlsafe_b64decode(jwks["keys"][0]["x"] + "==")
    key = _private_keys(stack.layout.keys_dir)[header["kid"]].public_key()
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for secret in (public_x, pem, json.dumps(jwks["keys"][0]).encode()):
        # PyJWT will not sign HS256 with a public key, as an attacker's own code would: by hand
        signing_input = f"{_b64(header | {'alg': 'HS256'})}.{_b64(claims)}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        _refused(api, f"{signing_input}.{_b64(mac)}")


def test_an_unknown_kid_or_another_regions_key_is_refused(api, stack, member, tmp_path):
    header, claims, _ = _parts(member.access_token)
    other = foreign_keys(tmp_path)
    (kid, key), *_ = _private_keys(other).items()
    # another key under our kid, and under its own kid (this region never published it)
    _refused(api, jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": header["kid"]}))
    _refused(api, jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid}))
    _refused(api, jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "../../jwks"}))
    # our own key, another region's claims: the wrong region (403)
    wrong = TokenIssuer(stack.layout.keys_dir, "beijing", 600).issue(Actor(account_id=member.account_id)).token
    error(api.get(ME, headers={"Authorization": f"Bearer {wrong}"}), 403, "wrong_region")


def test_an_expired_token_is_refused(api, stack, member):
    """Signed with the region's real key from KEYS_DIR, claims as identity makes them, exp in the past."""
    keys = _private_keys(stack.layout.keys_dir)
    kid = max(keys)
    now = int(time.time())
    claims = {"iss": issuer(stack.layout.region), "aud": AUDIENCE, "sub": member.account_id}
    claims |= {"ten": stack.layout.region, "sid": "", "pr": [], "gr": [], "jti": uuid.uuid4().hex}
    fresh = jwt.encode(claims | {"iat": now, "exp": now + 60}, keys[kid], algorithm="EdDSA", headers={"kid": kid})
    assert api.get(ME, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200  # the forgery is faithful
    stale = jwt.encode(claims | {"iat": now - 700, "exp": now - 60}, keys[kid], algorithm="EdDSA", headers={"kid": kid})
    _refused(api, stale, "token_expired")


def test_logout_everywhere_ends_refresh_and_access_tokens_live_out_their_ten_minutes(api, gateway_url, identity_events):
    """services/identity/README.md: logout revokes refresh tokens; an access token already issued stays valid
    until it expires (at most 10 minutes). A spent refresh token presented again revokes its whole family."""
    person = register(api, identity_events, "注销测试")
    with client_for(gateway_url) as other_device:
        second = other_device.post("/api/v1/auth/login", json={"phone": person.phone, "password": person.password})
        assert second.status_code == 200, second.text
    rotated = api.post("/api/v1/auth/refresh", json={"refresh_token": person.refresh_token})
    assert rotated.status_code == 200, rotated.text
    # the spent one again: refused, and the family (the rotated one) with it
    _dead(api.post("/api/v1/auth/refresh", json={"refresh_token": person.refresh_token}))
    _dead(api.post("/api/v1/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]}))

    access = second.json()["access_token"]
    out = api.post("/api/v1/auth/logout-everywhere", headers={"Authorization": f"Bearer {access}"})
    assert out.status_code == 200 and out.json()["sessions_revoked"] >= 1, out.text
    _dead(api.post("/api/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}))
    _, claims, _ = _parts(access)
    assert claims["exp"] - claims["iat"] <= 600
    assert api.get(ME, headers={"Authorization": f"Bearer {access}"}).status_code == 200  # as promised, until exp
