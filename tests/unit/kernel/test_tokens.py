"""kernel/tokens.py: Ed25519 access tokens, key files and rotation (keys in tmp_path, no servers)."""

from __future__ import annotations

import base64
import json
import stat
import time
import types
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from kernel import tokens
from kernel.context import Actor
from kernel.errors import DomainError, ErrorCode
from kernel.tokens import TokenIssuer, TokenVerifier, bearer, generate_signing_key, retire_signing_key

pytestmark = pytest.mark.unit

REGION = "tianjin"
ACTOR = Actor(
    account_id="acc-1",
    session_id="sess-1",
    platform_roles=("central_auditor",),
    grants=(("secretary", "org-1"), ("member", "org-2")),
)


class FakeTime:
    """Stands in for the `time` module inside kernel.tokens only: kids get distinct, increasing
    timestamps (one second apart) and the monotonic clock can be moved forward."""

    def __init__(self):
        self.kid_clock = 1_767_225_600  # 2026-01-01T00:00:00Z
        self.kid_step = 1
        self.monotonic_offset = 0.0

    def __getattr__(self, name):
        return getattr(time, name)

    def gmtime(self, secs=None):
        if secs is not None:
            return time.gmtime(secs)
        self.kid_clock += self.kid_step
        return time.gmtime(self.kid_clock)

    def monotonic(self):
        return time.monotonic() + self.monotonic_offset


@pytest.fixture
def clock(monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr(tokens, "time", fake)
    return fake


@pytest.fixture
def keys(tmp_path, clock):
    kid = generate_signing_key(tmp_path)
    return tmp_path, kid


@pytest.fixture
def reload_always(monkeypatch):
    monkeypatch.setattr(TokenVerifier, "RELOAD_EVERY", -1.0)


def issue(keys_dir, region=REGION, ttl=600, actor=ACTOR):
    return TokenIssuer(keys_dir, region, ttl).issue(actor)


def verifier(keys_dir, region=REGION, leeway=5):
    return TokenVerifier(keys_dir / "jwks.json", region, leeway)


def private_key(keys_dir, kid):
    return serialization.load_pem_private_key((keys_dir / "signing" / f"{kid}.pem").read_bytes(), None)


def sign(keys_dir, kid, claims, **headers):
    return jwt.encode(claims, private_key(keys_dir, kid), algorithm="EdDSA", headers={"kid": kid, **headers})


def good_claims(**changes):
    now = int(time.time())
    claims = {
        "iss": tokens.issuer(REGION),
        "aud": tokens.AUDIENCE,
        "sub": "acc-1",
        "ten": REGION,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def assert_rejected(v: TokenVerifier, token: str, code: ErrorCode = ErrorCode.TOKEN_INVALID):
    with pytest.raises(DomainError) as exc:
        v.verify(token)
    assert exc.value.code is code


# -- key files ----------------------------------------------------------------------------------------


def test_key_files(keys):
    keys_dir, kid = keys
    pem = keys_dir / "signing" / f"{kid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    jwks = json.loads((keys_dir / "jwks.json").read_text())
    (jwk,) = jwks["keys"]
    assert jwk["kid"] == kid
    assert jwk["alg"] == "EdDSA" and jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    assert "d" not in jwk  # the public set carries no private material
    assert "PRIVATE" not in (keys_dir / "jwks.json").read_text()


def test_issuer_needs_a_key(tmp_path):
    with pytest.raises(ValueError, match="no signing key"):
        TokenIssuer(tmp_path, REGION, 600)


# -- issue / verify -------------------------------------------------------------------------------------


def test_round_trip_carries_actor_grants_and_platform_roles(keys):
    keys_dir, kid = keys
    issued = issue(keys_dir)
    verified = verifier(keys_dir).verify(issued.token)

    assert verified.tenant == REGION
    assert verified.actor == ACTOR
    assert verified.expires_at == issued.expires_at
    assert issued.expires_at - time.time() == pytest.approx(600, abs=5)
    assert jwt.get_unverified_header(issued.token)["kid"] == kid
    assert jwt.get_unverified_header(issued.token)["alg"] == "EdDSA"


def test_round_trip_of_a_plain_actor(keys):
    keys_dir, _ = keys
    plain = Actor(account_id="acc-2")
    assert verifier(keys_dir).verify(issue(keys_dir, actor=plain).token).actor == plain


def test_tokens_are_unique(keys):
    keys_dir, _ = keys
    issuer = TokenIssuer(keys_dir, REGION, 600)
    a, b = issuer.issue(ACTOR).token, issuer.issue(ACTOR).token
    assert a != b
    assert (
        jwt.decode(a, options={"verify_signature": False})["jti"]
        != jwt.decode(b, options={"verify_signature": False})["jti"]
    )


def test_expired_token_is_token_expired(keys):
    keys_dir, _ = keys
    token = issue(keys_dir, ttl=-60).token
    assert_rejected(verifier(keys_dir, leeway=5), token, ErrorCode.TOKEN_EXPIRED)


def test_leeway_tolerates_a_little_clock_skew(keys):
    keys_dir, _ = keys
    token = issue(keys_dir, ttl=-2).token
    assert verifier(keys_dir, leeway=30).verify(token).actor == ACTOR
    assert_rejected(verifier(keys_dir, leeway=0), token, ErrorCode.TOKEN_EXPIRED)


def test_tampered_payload_is_token_invalid(keys):
    keys_dir, _ = keys
    header, payload, signature = issue(keys_dir).token.split(".")
    claims = json.loads(unb64url(payload))
    claims["sub"] = "acc-admin"
    claims["pr"] = ["region_admin"]
    forged = ".".join((header, b64url(json.dumps(claims).encode()), signature))
    assert_rejected(verifier(keys_dir), forged)


def test_tampered_signature_is_token_invalid(keys):
    keys_dir, _ = keys
    header, payload, signature = issue(keys_dir).token.split(".")
    raw = bytearray(unb64url(signature))
    raw[0] ^= 0x01
    assert_rejected(verifier(keys_dir), ".".join((header, payload, b64url(bytes(raw)))))
    assert_rejected(verifier(keys_dir), ".".join((header, payload, "")))


@pytest.mark.parametrize("junk", ["", "not-a-jwt", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30."])
def test_junk_is_token_invalid(keys, junk):
    keys_dir, _ = keys
    assert_rejected(verifier(keys_dir), junk)


def test_token_from_another_region_is_wrong_region(keys):
    keys_dir, _ = keys
    token = issue(keys_dir, region="beijing").token
    assert_rejected(verifier(keys_dir, region=REGION), token, ErrorCode.WRONG_REGION)
    assert verifier(keys_dir, region="beijing").verify(token).tenant == "beijing"


@pytest.mark.parametrize(
    "changes",
    [{"ten": "beijing"}, {"iss": "jiceng/beijing"}, {"ten": None}],
    ids=["tenant", "issuer", "no-tenant"],
)
def test_tenant_and_issuer_must_both_name_this_region(keys, changes):
    keys_dir, kid = keys
    assert_rejected(verifier(keys_dir), sign(keys_dir, kid, good_claims(**changes)), ErrorCode.WRONG_REGION)


def test_a_correctly_signed_hand_made_token_verifies(keys):
    # the control for the tests around it: sign() and good_claims() make acceptable tokens
    keys_dir, kid = keys
    assert verifier(keys_dir).verify(sign(keys_dir, kid, good_claims())).actor == Actor("acc-1")


@pytest.mark.parametrize(
    "changes",
    [{"exp": None}, {"iat": None}, {"sub": None}, {"aud": None}, {"aud": "someone-else"}],
    ids=["no-exp", "no-iat", "no-sub", "no-aud", "wrong-aud"],
)
def test_missing_or_wrong_registered_claims_are_token_invalid(keys, changes):
    keys_dir, kid = keys
    assert_rejected(verifier(keys_dir), sign(keys_dir, kid, good_claims(**changes)))


def test_alg_none_is_token_invalid(keys):
    keys_dir, kid = keys
    token = jwt.encode(good_claims(), None, algorithm="none", headers={"kid": kid})
    assert_rejected(verifier(keys_dir), token)
    # also with the signature segment of a real token glued on
    real_signature = issue(keys_dir).token.split(".")[2]
    assert_rejected(verifier(keys_dir), token.rstrip(".") + "." + real_signature)


def test_hs256_token_is_token_invalid(keys):
    keys_dir, kid = keys
    token = jwt.encode(good_claims(), "a-shared-secret-of-at-least-32-bytes!", algorithm="HS256", headers={"kid": kid})
    assert_rejected(verifier(keys_dir), token)


def test_token_signed_by_an_unknown_key_is_token_invalid(keys, tmp_path_factory, reload_always):
    keys_dir, _ = keys
    stranger = tmp_path_factory.mktemp("stranger")
    stranger_kid = generate_signing_key(stranger)
    # an unknown kid, and a known kid over a stranger's signature
    assert_rejected(verifier(keys_dir), issue(stranger).token)
    forged = jwt.encode(good_claims(), private_key(stranger, stranger_kid), algorithm="EdDSA", headers={"kid": keys[1]})
    assert_rejected(verifier(keys_dir), forged)


def test_token_without_kid_is_token_invalid(keys):
    keys_dir, kid = keys
    token = jwt.encode(good_claims(), private_key(keys_dir, kid), algorithm="EdDSA")
    assert_rejected(verifier(keys_dir), token)


# -- rotation -------------------------------------------------------------------------------------------


def test_newest_key_signs(keys):
    keys_dir, old = keys
    new = generate_signing_key(keys_dir)
    assert new > old
    assert TokenIssuer(keys_dir, REGION, 600).kid == new
    assert {k["kid"] for k in json.loads((keys_dir / "jwks.json").read_text())["keys"]} == {old, new}


def test_rotation_keeps_old_tokens_valid_and_verifier_learns_the_new_key(keys, reload_always):
    keys_dir, old_kid = keys
    running = verifier(keys_dir)  # loaded before the rotation: knows only the old key
    old_token = issue(keys_dir).token

    new_kid = generate_signing_key(keys_dir)
    new_token = issue(keys_dir).token
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid != old_kid

    assert running.verify(new_token).actor == ACTOR  # reloaded jwks.json on the unknown kid
    assert running.verify(old_token).actor == ACTOR  # the old key is still published
    assert verifier(keys_dir).verify(old_token).actor == ACTOR


def test_an_unknown_kid_reloads_only_when_the_key_file_changed(keys, clock, monkeypatch):
    """A token of a key newer than the verifier's copy verifies at once; junk kids cost a stat, no reload."""
    keys_dir, _ = keys
    running = verifier(keys_dir)
    loads = []
    real_load = TokenVerifier._load
    monkeypatch.setattr(TokenVerifier, "_load", lambda self: (loads.append(1), real_load(self))[1])

    header = base64.urlsafe_b64encode(json.dumps({"alg": "EdDSA", "kid": "no-such-key"}).encode()).rstrip(b"=")
    junk = header.decode() + ".e30.c2ln"
    for _ in range(5):
        assert_rejected(running, junk)
    assert loads == []  # jwks.json did not change: nothing to reload

    generate_signing_key(keys_dir)
    new_token = issue(keys_dir).token
    assert running.verify(new_token).actor == ACTOR
    assert running.verify(new_token).actor == ACTOR
    assert loads == [1]  # one reload, then the key is cached


def test_retired_key_tokens_fail_after_reload(keys, reload_always):
    keys_dir, old_kid = keys
    old_token = issue(keys_dir).token
    generate_signing_key(keys_dir)
    running = verifier(keys_dir)  # knows both keys
    assert running.verify(old_token).actor == ACTOR

    retire_signing_key(keys_dir, old_kid)
    assert not (keys_dir / "signing" / f"{old_kid}.pem").exists()
    assert old_kid not in (keys_dir / "jwks.json").read_text()
    assert_rejected(verifier(keys_dir), old_token)  # a verifier started after the retirement

    # the running verifier drops it at its next reload (prompted here by a newer key's token)
    generate_signing_key(keys_dir)
    assert running.verify(issue(keys_dir).token).actor == ACTOR
    assert_rejected(running, old_token)


def test_running_verifier_stops_accepting_a_retired_key_in_bounded_time(keys, clock, reload_always):
    keys_dir, old_kid = keys
    old_token = issue(keys_dir, ttl=24 * 3600).token
    generate_signing_key(keys_dir)
    running = verifier(keys_dir)
    assert running.verify(old_token).actor == ACTOR

    retire_signing_key(keys_dir, old_kid)  # e.g. because it leaked
    clock.monotonic_offset = 3600.0  # an hour later
    assert_rejected(running, old_token)


def test_newest_key_signs_even_within_the_same_second(tmp_path, clock, monkeypatch):
    clock.kid_step = 0  # both keys made within the same second
    suffixes = iter(["ffffff" + "0" * 26, "000000" + "0" * 26])  # the random part happens to go down
    monkeypatch.setattr(tokens, "uuid", types.SimpleNamespace(uuid4=lambda: uuid.UUID(next(suffixes))))
    generate_signing_key(tmp_path)
    newest = generate_signing_key(tmp_path)
    assert TokenIssuer(tmp_path, REGION, 600).kid == newest


# -- bearer ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("", None),
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("Bearer   abc  ", "abc"),
    ],
)
def test_bearer_parses(header, token):
    assert bearer(header) == token


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer    ", "abc.def.ghi", "Token abc"]
)
def test_bearer_rejects_other_schemes_and_empty_tokens(header):
    with pytest.raises(DomainError) as exc:
        bearer(header)
    assert exc.value.code is ErrorCode.TOKEN_INVALID
