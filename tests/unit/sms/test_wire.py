"""The sms wire layer's pure pieces: delivery receipt parsing, the HTTP API's signature, number normalisation,
SMS parts and their reassembly, status mapping and the provider settings."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
import smpp34

from devstack.smsc import concatenation, receipt_text
from services.sms import providers
from services.sms.domain import segments
from services.sms.providers import signing
from services.sms.providers.base import DELIVERED, EXPIRED, REJECTED, UNDELIVERABLE, PermanentError, TransientError
from services.sms.providers.http import HttpProvider, inbound_of, receipt_of
from services.sms.providers.phones import national
from services.sms.providers.smpp import SmppProvider, decode, parse_receipt, submit_error

pytestmark = pytest.mark.unit


# -- receipts ------------------------------------------------------------------------------------------
def test_receipt_text_is_parsed():
    text = "id:0123456789 sub:001 dlvrd:001 submit date:2406301512 done date:2406301513 stat:DELIVRD err:000 text:hi"
    receipt = parse_receipt(text)
    assert receipt is not None
    assert (receipt.provider_id, receipt.state, receipt.error) == ("0123456789", DELIVERED, "")
    assert receipt.at == dt.datetime(2024, 6, 30, 7, 13, tzinfo=dt.UTC)  # written in Beijing time


@pytest.mark.parametrize(
    ("stat", "state"),
    [("UNDELIV", UNDELIVERABLE), ("EXPIRED", EXPIRED), ("REJECTD", REJECTED), ("DELETED", UNDELIVERABLE)],
)
def test_failed_receipts_carry_their_state_and_error(stat, state):
    text = f"id:abc sub:001 dlvrd:000 submit date:2406301512 done date:240630151344 stat:{stat} err:034"
    receipt = parse_receipt(text)
    assert receipt is not None
    assert (receipt.state, receipt.error) == (state, f"{stat}:034")
    assert receipt.at == dt.datetime(2024, 6, 30, 7, 13, 44, tzinfo=dt.UTC)


def test_receipt_tlvs_win_over_the_text():
    tlvs = {smpp34.TLV_RECEIPTED_MESSAGE_ID: b"real-id\x00", smpp34.TLV_MESSAGE_STATE: bytes([5])}
    receipt = parse_receipt("id:truncated stat:DELIVRD err:000", tlvs)
    assert receipt is not None
    assert (receipt.provider_id, receipt.state) == ("real-id", UNDELIVERABLE)


def test_a_receipt_without_a_final_state_or_an_id_is_none():
    assert parse_receipt("id:abc stat:ENROUTE err:000") is None
    assert parse_receipt("id:abc stat:ACCEPTD err:000") is None
    assert parse_receipt("stat:DELIVRD err:000") is None
    assert parse_receipt("garbage") is None


def test_the_simulators_receipt_reads_back():
    at = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    receipt = parse_receipt(receipt_text("a1b2c3", at, at, "UNDELIV", "001", "hello"))
    assert receipt is not None
    assert (receipt.provider_id, receipt.state, receipt.error) == ("a1b2c3", UNDELIVERABLE, "UNDELIV:001")
    assert receipt.at == at


# -- the HTTP API's signature --------------------------------------------------------------------------
def test_canonical_string_is_method_path_timestamp_nonce_and_body_hash():
    body = b'{"Limit":10}'
    assert signing.canonical("post", "/sms/status/pull", "1700000000", "n0nce", body) == (
        "POST\n/sms/status/pull\n1700000000\nn0nce\n" + hashlib.sha256(body).hexdigest()
    )


def test_signature_is_hmac_sha256_of_the_canonical_string_and_headers_carry_it():
    body = b'{"PhoneNumberSet":["+8613800138000"]}'
    headers = signing.headers("kid", "secret", "POST", "/sms/send", body, now=1700000000.9)
    assert headers[signing.KEY_ID_HEADER] == "kid"
    assert headers[signing.TIMESTAMP_HEADER] == "1700000000"
    nonce = headers[signing.NONCE_HEADER]
    canonical = f"POST\n/sms/send\n1700000000\n{nonce}\n{hashlib.sha256(body).hexdigest()}"
    expected = hmac.new(b"secret", canonical.encode(), hashlib.sha256).hexdigest()
    assert headers[signing.SIGNATURE_HEADER] == expected
    assert signing.signature("other", "POST", "/sms/send", "1700000000", nonce, body) != expected
    assert signing.signature("secret", "POST", "/sms/send", "1700000000", nonce, body + b" ") != expected
    assert signing.headers("kid", "secret", "POST", "/sms/send", body)[signing.NONCE_HEADER] != nonce


def test_pulled_statuses_and_replies():
    ok = receipt_of({"SerialNo": "s1", "ReportStatus": "SUCCESS", "ErrCode": "DELIVRD", "UserReceiveUnixTime": 0})
    assert ok is not None and (ok.state, ok.error, ok.at) == (DELIVERED, "", dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    lost = receipt_of({"SerialNo": "s2", "ReportStatus": "FAIL", "ErrCode": "UNDELIV"})
    assert lost is not None and (lost.state, lost.error) == (UNDELIVERABLE, "UNDELIV")
    assert receipt_of({"ReportStatus": "SUCCESS"}) is None
    reply = inbound_of({"PhoneNumber": "+8613800138000", "ReplyContent": "1", "ReplyUnixTime": 60})
    assert reply is not None and (reply.phone, reply.text) == ("13800138000", "1")
    assert inbound_of({"PhoneNumber": "+14155550100", "ReplyContent": "1"}) is None


# -- numbers -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw", ["13800138000", "8613800138000", "+8613800138000", "008613800138000", "+86 138-0013-8000", "(138)00138000"]
)
def test_mainland_mobile_numbers_normalise_to_national_form(raw):
    assert national(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["", "12345", "12800138000", "1380013800", "138001380000", "+14155550100", "86138"])
def test_other_numbers_are_refused(raw):
    assert national(raw) is None


# -- parts ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "【基层】" + "请于周五下午三点参加支部学习会。" * 12,
        "Meeting on Friday at 3pm, reply 1 to attend or 2 to ask for leave. " * 5,
        "emoji 😀 across a boundary " + "汉" * 60 + "😀" * 10,
    ],
)
def test_split_parts_reassemble_to_the_text(text):
    parts = segments.split(text, 42)
    assert len(parts) == segments.count(text) > 1
    headers = [concatenation(p.short_message, p.esm_class) for p in parts]
    assert headers == [(42, len(parts), seq) for seq in range(1, len(parts) + 1)]
    reference, joined = segments.join([p.short_message for p in parts], parts[0].data_coding)
    assert (reference, joined) == (42, text)


def test_a_short_text_is_one_part_without_a_header():
    [part] = segments.split("会议取消", 7)
    assert concatenation(part.short_message, part.esm_class) is None
    assert decode(part.short_message, part.data_coding) == "会议取消"
    assert decode("回复".encode("gbk"), 0x0F) == "回复"


# -- errors and settings -------------------------------------------------------------------------------
def test_submit_statuses_map_to_transient_or_permanent():
    for status in (smpp34.ESME_RTHROTTLED, smpp34.ESME_RMSGQFUL, smpp34.ESME_RSYSERR, 0x04):
        assert isinstance(submit_error(status), TransientError)
    refused = submit_error(smpp34.ESME_RINVDSTADR)
    assert isinstance(refused, PermanentError) and refused.code == "ESME_RINVDSTADR"
    assert submit_error(0x0401).code == "ESME_0x00000401"


def test_build_reads_the_env():
    env = {"SMPP_PORT": "2775", "SMPP_SYSTEM_ID": "id", "SMPP_PASSWORD": "pw", "SMPP_SOURCE_ADDR": "1069"}
    smpp = providers.build(env | {"SMPP_WINDOW": "4"})
    assert isinstance(smpp, SmppProvider) and (smpp.port, smpp.window, smpp.source_addr) == (2775, 4, "1069")
    http = providers.build(
        {"SMS_PROVIDER": "http", "SMS_HTTP_URL": "http://x/", "SMS_HTTP_KEY_ID": "k", "SMS_HTTP_KEY_SECRET": "s"}
    )
    assert isinstance(http, HttpProvider) and http.base_url == "http://x"
    with pytest.raises(ValueError, match="SMPP_PASSWORD"):
        providers.build({"SMPP_PORT": "2775", "SMPP_SYSTEM_ID": "id", "SMPP_SOURCE_ADDR": "1069"})
    with pytest.raises(ValueError, match="SMPP_PORT"):
        providers.build({"SMPP_PORT": "x", "SMPP_SYSTEM_ID": "id", "SMPP_PASSWORD": "pw", "SMPP_SOURCE_ADDR": "1"})
    with pytest.raises(ValueError, match="SMS_PROVIDER"):
        providers.build({"SMS_PROVIDER": "carrier-pigeon"})
