"""The SMS providers against the real local SMSC (devstack/smsc.py) over SMPP 3.4 and the signed HTTP API:
what a handset shows, which receipts and replies come back, and how refusals and outages surface."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from devstack import smsc
from services.sms.domain import segments
from services.sms.providers import signing
from services.sms.providers.base import (
    DELIVERED,
    UNDELIVERABLE,
    Inbound,
    Outgoing,
    PermanentError,
    Receipt,
    Submitted,
    TransientError,
)
from services.sms.providers.http import HttpProvider
from services.sms.providers.smpp import SmppProvider

pytestmark = pytest.mark.service

LONG_CHINESE = "【基层】" + "各位同志：请于本周五下午三点到二楼会议室参加支部学习会，回复1参加，回复2请假。" * 4


@dataclass
class Heard:
    receipts: list[Receipt] = field(default_factory=list)
    inbound: list[Inbound] = field(default_factory=list)

    async def on_receipt(self, receipt: Receipt) -> None:
        self.receipts.append(receipt)

    async def on_inbound(self, inbound: Inbound) -> None:
        self.inbound.append(inbound)

    def of(self, submitted: Submitted) -> list[Receipt]:
        """The receipts for this message (a bind also gets receipts an earlier test left waiting)."""
        return [r for r in self.receipts if r.provider_id in submitted.provider_ids]


def run(test: Callable[[], Awaitable[None]], timeout: float = 60) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout))


async def until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def smpp_provider(sim: smsc.Running, password: str | None = None, **options) -> SmppProvider:
    options = {"backoff_initial": 0.2, "backoff_max": 1.0, "connect_timeout": 1.0, **options}
    return SmppProvider("127.0.0.1", sim.smpp_port, sim.system_id, password or sim.password, "1069000", **options)


def outgoing(phone: str, text: str, message_id: str = "m-1") -> Outgoing:
    return Outgoing(message_id=message_id, phone=phone, text=text, signature="基层", template_code="")


async def bound(sim: smsc.Running, heard: Heard, **options) -> SmppProvider:
    provider = smpp_provider(sim, **options)
    await provider.start(heard.on_receipt, heard.on_inbound)
    await until(lambda: provider.ready, what="the bind")
    return provider


# -- SMPP ----------------------------------------------------------------------------------------------
def test_long_chinese_message_arrives_whole_and_every_part_is_receipted(sim):
    assert segments.count(LONG_CHINESE) >= 3

    async def test():
        heard = Heard()
        provider = await bound(sim, heard)
        try:
            submitted = await provider.submit(outgoing("13800138001", LONG_CHINESE, "msg-long"))
            assert submitted.message_id == "msg-long"
            assert len(submitted.provider_ids) == segments.count(LONG_CHINESE)
            await until(lambda: len(heard.of(submitted)) >= len(submitted.provider_ids), what="receipts")
        finally:
            await provider.close()
        receipts = heard.of(submitted)
        assert sorted(r.provider_id for r in receipts) == sorted(submitted.provider_ids)
        assert {r.state for r in receipts} == {DELIVERED}
        assert all(r.at is not None and r.error == "" for r in receipts)
        [shown] = sim.messages("13800138001")
        assert shown["text"] == LONG_CHINESE
        assert shown["parts"] == len(submitted.provider_ids)
        assert shown["via"] == "smpp"
        assert shown["provider_ids"] == list(submitted.provider_ids)

    run(test)


def test_unreachable_number_gets_undeliverable_receipts_and_nothing_on_the_handset(sim):
    sim.control("PUT", "/config", {"unreachable": ["+86 139 0000 0002"]})

    async def test():
        heard = Heard()
        provider = await bound(sim, heard)
        try:
            submitted = await provider.submit(outgoing("13900000002", "Your code is 123456"))
            await until(lambda: heard.of(submitted), what="a receipt")
        finally:
            await provider.close()
        [receipt] = heard.of(submitted)
        assert receipt.provider_id == submitted.provider_ids[0]
        assert receipt.state == UNDELIVERABLE
        assert receipt.error == "UNDELIV:001"

    run(test)
    assert sim.messages("13900000002") == []


def test_over_the_rate_the_excess_is_transient(sim):
    sim.control("PUT", "/config", {"tps": 5})

    async def test():
        provider = await bound(sim, Heard())
        try:
            results = await asyncio.gather(
                *(provider.submit(outgoing("13800138003", f"hello {i}", f"m{i}")) for i in range(20)),
                return_exceptions=True,
            )
        finally:
            await provider.close()
        accepted = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, BaseException)]
        assert 5 <= len(accepted) <= 6  # the bucket holds 5; a sixth token may refill meanwhile
        assert refused and all(isinstance(e, TransientError) for e in refused)

    run(test)
    assert len(sim.messages("13800138003")) <= 6
    assert sim.control("GET", "/stats")["smpp_throttled"] >= 14


def test_down_makes_submits_transient_and_up_rebinds_by_itself(sim):
    async def test():
        provider = await bound(sim, Heard())
        try:
            sim.control("POST", "/down")
            await until(lambda: not provider.ready, what="the link to drop")
            with pytest.raises(TransientError):
                await provider.submit(outgoing("13800138004", "while down"))
            await asyncio.sleep(1.5)  # a few refused rebinds
            assert not provider.ready
            sim.control("POST", "/up")
            await until(lambda: provider.ready, timeout=10, what="the rebind")
            submitted = await provider.submit(outgoing("13800138004", "after up"))
            assert len(submitted.provider_ids) == 1
        finally:
            await provider.close()

    run(test)
    assert [m["text"] for m in sim.messages("13800138004")] == ["after up"]


def test_bad_number_is_permanent_and_nothing_is_delivered(sim):
    async def test():
        provider = await bound(sim, Heard())
        try:
            for number in ("12345", "+1 415 555 0100", "10800138000"):
                with pytest.raises(PermanentError) as refused:
                    await provider.submit(outgoing(number, "hello"))
                assert refused.value.code == "ESME_RINVDSTADR"
        finally:
            await provider.close()

    before = sim.control("GET", "/stats")["smpp_submits_accepted"]
    run(test)
    assert sim.control("GET", "/stats")["smpp_submits_accepted"] == before


def test_the_smsc_refuses_an_invalid_destination_itself(sim):
    """The provider's own check aside, the SMSC's ESME_RINVDSTADR maps to PermanentError too."""

    async def test():
        provider = await bound(sim, Heard())
        try:
            part = segments.split("hello", 1)[0]
            with pytest.raises(PermanentError) as refused:
                await provider._submit_part("12345", part, retry_throttled=False)
            assert refused.value.code == "ESME_RINVDSTADR"
        finally:
            await provider.close()

    run(test)


def test_wrong_password_never_binds(sim):
    binds = sim.control("GET", "/stats")["binds"]

    async def test():
        provider = smpp_provider(sim, password="wrong")
        await provider.start(Heard().on_receipt, Heard().on_inbound)
        try:
            await asyncio.sleep(2.5)
            assert not provider.ready
            with pytest.raises(TransientError):
                await provider.submit(outgoing("13800138005", "hello"))
        finally:
            await provider.close()

    run(test)
    stats = sim.control("GET", "/stats")
    assert stats["binds"] == binds
    assert stats["binds_refused"] >= 1


def test_handset_reply_in_chinese_reaches_on_inbound(sim):
    long_reply = "2 " + "家里有事，明天下午需要请假，会议内容请发我一份，谢谢。" * 3

    async def test():
        heard = Heard()
        provider = await bound(sim, heard)
        try:
            sim.control("POST", "/handsets/13800138006/reply", {"text": "1 参加"})
            sim.control("POST", "/handsets/+8613800138006/reply", {"text": long_reply})
            await until(lambda: len([i for i in heard.inbound if i.phone == "13800138006"]) >= 2, what="replies")
        finally:
            await provider.close()
        assert [i.text for i in heard.inbound if i.phone == "13800138006"] == ["1 参加", long_reply]

    run(test)


def test_receipts_wait_while_unbound_and_arrive_on_the_next_bind(sim):
    sim.control("PUT", "/config", {"receipt_delay_ms": 500})

    async def test():
        first = await bound(sim, Heard())
        submitted = await first.submit(outgoing("13800138007", "hello"))
        await first.close()
        await asyncio.sleep(0.8)  # the receipt is due while no one is bound
        heard = Heard()
        second = await bound(sim, heard)
        try:
            await until(lambda: any(r.provider_id == submitted.provider_ids[0] for r in heard.receipts))
        finally:
            await second.close()

    run(test)


# -- HTTP ----------------------------------------------------------------------------------------------
def http_provider(sim: smsc.Running, secret: str | None = None) -> HttpProvider:
    return HttpProvider(sim.http_url, sim.http_key_id, secret or sim.http_key_secret, poll_seconds=0.1)


def template_message(phone: str, message_id: str = "h-1") -> Outgoing:
    return Outgoing(
        message_id=message_id,
        phone=phone,
        text="",  # the HTTP provider renders the template itself
        signature="基层通知",
        template_code="MEETING_INVITE",
        params={"title": "支部学习会", "time": "周五15:00"},
    )


def test_http_send_renders_the_template_and_receipts_and_replies_are_pulled(sim):
    sim.control("PUT", "/templates/MEETING_INVITE", {"text": "请参加${title}，时间${time}。回复1参加，回复2请假。"})
    sim.control("PUT", "/config", {"unreachable": ["13900000009"]})

    async def test():
        heard = Heard()
        provider = http_provider(sim)
        await provider.start(heard.on_receipt, heard.on_inbound)
        try:
            assert provider.ready
            ok = await provider.submit(template_message("13800138008", "h-ok"))
            lost = await provider.submit(template_message("+86 139 0000 0009", "h-lost"))
            await until(lambda: len(heard.of(ok) + heard.of(lost)) >= 2, what="two receipts")
            sim.control("POST", "/handsets/13800138008/reply", {"text": "2 出差"})
            await until(lambda: any(i.phone == "13800138008" for i in heard.inbound), what="the reply")
        finally:
            await provider.close()
        states = {r.provider_id: r.state for r in heard.of(ok) + heard.of(lost)}
        assert states == {ok.provider_ids[0]: DELIVERED, lost.provider_ids[0]: UNDELIVERABLE}
        # replies from earlier tests' handsets may be pulled too: the simulator keeps them until pulled
        assert [i.text for i in heard.inbound if i.phone == "13800138008"] == ["2 出差"]

    run(test)
    [shown] = sim.messages("13800138008")
    assert shown["text"] == "【基层通知】请参加支部学习会，时间周五15:00。回复1参加，回复2请假。"
    assert shown["via"] == "http"
    assert sim.messages("13900000009") == []


def test_http_refusals(sim):
    sim.control("PUT", "/templates/MEETING_INVITE", {"text": "请参加${title}，时间${time}。"})

    async def test():
        wrong = http_provider(sim, secret="not-the-secret")
        await wrong.start(Heard().on_receipt, Heard().on_inbound)
        try:
            with pytest.raises(PermanentError) as refused:
                await wrong.submit(template_message("13800138010"))
            assert refused.value.code.startswith("AuthFailure")
        finally:
            await wrong.close()

        provider = http_provider(sim)
        await provider.start(Heard().on_receipt, Heard().on_inbound)
        try:
            unknown = Outgoing("h-2", "13800138010", "", "基层", "NO_SUCH_TEMPLATE", {})
            with pytest.raises(PermanentError, match="TemplateNotFound"):
                await provider.submit(unknown)
            with pytest.raises(PermanentError, match="MissingTemplateParam"):
                await provider.submit(Outgoing("h-3", "13800138010", "", "基层", "MEETING_INVITE", {"title": "x"}))
            sim.control("PUT", "/config", {"tps": 2})
            results = await asyncio.gather(
                *(provider.submit(template_message("13800138010", f"h{i}")) for i in range(5)),
                return_exceptions=True,
            )
            assert any(isinstance(r, TransientError) and "LimitExceeded" in str(r) for r in results)
            assert all(not isinstance(r, BaseException) or isinstance(r, TransientError) for r in results)
            sim.control("POST", "/down")
            with pytest.raises(TransientError):
                await provider.submit(template_message("13800138010", "h-down"))
            assert not provider.ready
        finally:
            sim.control("POST", "/up")
            await provider.close()

    run(test)
    assert all(m["text"].startswith("【基层通知】") for m in sim.messages("13800138010"))


def test_the_http_api_refuses_stale_replayed_and_tampered_requests(sim):
    body = b'{"Limit":10}'

    def post(headers: dict[str, str], content: bytes = body) -> httpx.Response:
        return httpx.post(f"{sim.http_url}/sms/status/pull", content=content, headers=headers, timeout=5)

    fresh = signing.headers(sim.http_key_id, sim.http_key_secret, "POST", "/sms/status/pull", body)
    assert post(fresh).status_code == 200
    replayed = post(fresh)
    assert (replayed.status_code, replayed.json()["Code"]) == (401, "AuthFailure.NonceReused")
    stale = signing.headers(sim.http_key_id, sim.http_key_secret, "POST", "/sms/status/pull", body, time.time() - 301)
    assert (post(stale).status_code, post(stale).json()["Code"]) == (401, "AuthFailure.SignatureExpire")
    other = signing.headers(sim.http_key_id, sim.http_key_secret, "POST", "/sms/status/pull", body)
    tampered = post(other, b'{"Limit":11}')
    assert (tampered.status_code, tampered.json()["Code"]) == (401, "AuthFailure.SignatureFailure")
    unknown = signing.headers("someone", sim.http_key_secret, "POST", "/sms/status/pull", body)
    assert post(unknown).json()["Code"] == "AuthFailure.SecretIdNotFound"


def test_stats_count_binds_sessions_and_the_busiest_second(sim):
    before = sim.control("GET", "/stats")

    async def test():
        provider = await bound(sim, Heard())
        try:
            await asyncio.gather(*(provider.submit(outgoing("13800138011", f"n{i}", f"s{i}")) for i in range(8)))
            assert sim.control("GET", "/stats")["sessions"] >= 1
        finally:
            await provider.close()

    run(test)
    after = sim.control("GET", "/stats")
    assert after["binds"] == before["binds"] + 1
    assert after["smpp_submits_accepted"] == before["smpp_submits_accepted"] + 8
    assert after["max_submits_per_second"] >= 8
