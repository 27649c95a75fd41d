"""Signed cross-region requests (kernel/federation.py): what verifies, and each way a request is refused."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from kernel import federation as fed

pytestmark = pytest.mark.unit

NOW = 1_764_180_000


def key():
    return serialization.load_pem_private_key(fed.generate_key(), password=None)


TIANJIN, BEIJING, STRANGER = key(), key(), key()
PEERS = {
    "tianjin": fed.Peer("tianjin", "http://127.0.0.1:8080/", fed.public_key_b64(TIANJIN)),
    "central": fed.Peer("central", "http://127.0.0.1:8280/", fed.public_key_b64(BEIJING), role="central"),
}
BODY = json.dumps({"message_id": "m1", "kind": "transfer", "body": {"state": "requested"}}).encode()
PATH = "/federation/v1/messages"


def signed(signer=TIANJIN, keyid="tianjin", to="beijing", body=BODY, created=NOW, nonce=None, path=PATH):
    headers = fed.sign(signer, keyid, to, "POST", path, body, created, nonce)
    return {k.lower(): v for k, v in headers.items()}


def verify(headers, body=BODY, path=PATH, now=NOW, method="POST", region="beijing"):
    return fed.verify(PEERS, region, method, path, headers, body, now)


def refused(reason: str, headers, **kwargs) -> None:
    with pytest.raises(fed.Refused) as caught:
        verify(headers, **kwargs)
    assert caught.value.reason == reason


def test_a_signed_request_verifies_and_names_its_peer_and_nonce():
    verified = verify(signed(nonce="n" * 32))
    assert verified.peer.region == "tianjin"
    assert verified.nonce == "n" * 32
    assert verified.created == NOW


def test_a_tampered_body_is_refused():
    refused("digest_mismatch", signed(), body=BODY.replace(b"requested", b"completed"))


def test_a_tampered_digest_matching_the_tampered_body_breaks_the_signature():
    tampered = BODY.replace(b"requested", b"completed")
    headers = signed()
    headers["content-digest"] = fed.content_digest(tampered)
    refused("signature_invalid", headers, body=tampered)


def test_another_path_or_method_is_refused():
    refused("signature_invalid", signed(), path="/federation/v1/people/search")
    refused("signature_invalid", signed(), method="PUT")


def test_a_request_signed_for_another_region_is_refused_here():
    refused("wrong_region", signed(to="shanghai"))


def test_an_unknown_peer_is_refused():
    refused("peer_unknown", signed(signer=STRANGER, keyid="shanghai"))


def test_a_stranger_claiming_a_known_peer_fails_the_signature():
    refused("signature_invalid", signed(signer=STRANGER, keyid="tianjin"))


def test_requests_older_or_newer_than_the_clock_skew_are_refused():
    verify(signed(created=NOW - fed.CLOCK_SKEW), now=NOW)
    refused("signature_expired", signed(created=NOW - fed.CLOCK_SKEW - 1), now=NOW)
    refused("signature_expired", signed(created=NOW + fed.CLOCK_SKEW + 1), now=NOW)


def test_missing_or_mangled_signature_headers_are_refused():
    refused("signature_missing", {})
    headers = signed()
    headers["signature"] = "jc=:not base64!:"
    refused("signature_missing", headers)
    headers = signed()
    headers["signature-input"] = headers["signature-input"].replace('"jiceng-to"', "")
    refused("signature_params_invalid", headers)
    headers = signed(nonce="short")
    refused("signature_params_invalid", headers)


def test_the_signature_base_is_rfc9421_shaped():
    base = fed.signature_base("post", "/p", "sha-256=:x:", "beijing", "(…)").decode().splitlines()
    assert base == [
        '"@method": POST',
        '"@path": /p',
        '"content-digest": sha-256=:x:',
        '"jiceng-to": beijing',
        '"@signature-params": (…)',
    ]


def test_the_peers_file_is_checked():
    good = {"peers": [{"region": "beijing", "url": "http://b/", "public_key": fed.public_key_b64(BEIJING)}]}
    assert fed.parse_peers(json.dumps(good))["beijing"].role == "region"
    for bad, problem in (
        ({"region": "Bei Jing"}, "region"),
        ({"role": "emperor"}, "role"),
        ({"url": "ftp://b/"}, "url"),
        ({"public_key": "AAAA"}, "public_key"),
    ):
        entry = {**good["peers"][0], **bad}
        with pytest.raises(ValueError, match=problem):
            fed.parse_peers(json.dumps({"peers": [entry]}))
    with pytest.raises(ValueError, match="twice"):
        fed.parse_peers(json.dumps({"peers": good["peers"] * 2}))


def test_during_a_rotation_both_the_new_and_the_previous_key_verify():
    new, old, stranger = key(), TIANJIN, STRANGER
    rotating = {
        "tianjin": fed.Peer("tianjin", "http://t/", fed.public_key_b64(new), previous_keys=(fed.public_key_b64(old),))
    }
    for signer in (new, old):
        headers = {k.lower(): v for k, v in fed.sign(signer, "tianjin", "beijing", "POST", PATH, BODY, NOW).items()}
        assert fed.verify(rotating, "beijing", "POST", PATH, headers, BODY, NOW).peer.region == "tianjin"
    headers = {k.lower(): v for k, v in fed.sign(stranger, "tianjin", "beijing", "POST", PATH, BODY, NOW).items()}
    with pytest.raises(fed.Refused, match="signature_invalid"):
        fed.verify(rotating, "beijing", "POST", PATH, headers, BODY, NOW)
    entry = {"region": "tianjin", "url": "http://t/", "public_key": fed.public_key_b64(new)}
    parsed = fed.parse_peers(json.dumps({"peers": [{**entry, "previous_public_keys": [fed.public_key_b64(old)]}]}))
    assert len(parsed["tianjin"].keys()) == 2
    with pytest.raises(ValueError, match="at most 2"):
        fed.parse_peers(json.dumps({"peers": [{**entry, "previous_public_keys": [entry["public_key"]] * 3}]}))
