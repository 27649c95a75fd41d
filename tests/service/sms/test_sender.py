"""The sender in this process against the real local SMSC: over the cloud-style HTTP API (template codes,
pulled receipts) and over SMPP with the SMSC throttling (retries with backoff, nothing lost or doubled),
and a one-time code overtaking a bulk queue. Each test has a tenant of its own in the region's database."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from kernel import home_orgs
from services.sms import messages, sends, templates, usage
from services.sms.domain import rules
from services.sms.providers.http import HttpProvider
from services.sms.providers.smpp import SmppProvider
from services.sms.sender import Sender
from services.sms.settings import SenderConfig

pytestmark = pytest.mark.usefixtures("sms_db")

TEXT = "${org}定于${time}召开党员大会，请准时参加。回复TD退订"


def tenant() -> str:
    t = f"sender-{uuid.uuid4().hex[:8]}"
    home_orgs.org_created(t, "r", "党委", ["r"])
    templates.Template(tenant=t, code="assembly", name="大会", text=TEXT, provider_code="SMS_ASSEMBLY").save()
    return t


def queue(t: str, phones: list[str], kind: str = rules.MANUAL, template: str = "assembly", **values) -> str:
    variables = values or {"org": "党委", "time": "周六上午九点"}
    req = sends.Request(
        org_id="" if kind == rules.OTP else "r", kind=kind, template_code=template, variables=variables, phones=phones
    )
    row = sends.accept(t, req, SenderConfig())
    sends.resolve(t, str(row.id))
    return str(row.id)


@contextlib.contextmanager
def sending(t: str, provider, tps: float) -> Iterator[Sender]:
    """A sender of tenant t running on a loop of its own until the block ends."""
    loop = asyncio.new_event_loop()
    stopping = asyncio.Event()
    sender = Sender(t, provider, SenderConfig(sms_provider_tps=tps, sms_lease_seconds=30))
    thread = threading.Thread(target=lambda: loop.run_until_complete(sender.run(stopping)), daemon=True)
    thread.start()
    try:
        yield sender
    finally:
        loop.call_soon_threadsafe(stopping.set)
        thread.join(30)
        loop.close()


def eventually(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.2)
    return result


def statuses(t: str, send_id: str) -> dict[str, int]:
    c = sends.counts(t, sends.Send.in_tenant(t).get(id=send_id))
    return {"queued": c.queued, "submitted": c.submitted, "delivered": c.delivered, "failed": c.failed}


def test_over_the_http_api_with_template_codes_and_pulled_receipts(sim):
    t = tenant()
    sim.control("PUT", "/templates/SMS_ASSEMBLY", {"text": TEXT})
    phones = ["13700000001", "13700000002", "13700000003"]
    send_id = queue(t, phones)
    provider = HttpProvider(sim.http_url, sim.http_key_id, sim.http_key_secret, poll_seconds=0.5)
    with sending(t, provider, tps=50):
        eventually(lambda: statuses(t, send_id)["delivered"] == 3, "three delivered by pulled receipts")
        eventually(lambda: usage.Usage.in_tenant(t).filter(org_id="r").first().sent == 3, "usage flushed")
    for phone in phones:
        (got,) = sim.messages(phone)
        assert got["text"] == "【基层】党委定于周六上午九点召开党员大会，请准时参加。回复TD退订"
        assert got["via"] == "http"
    row = usage.Usage.in_tenant(t).filter(org_id="r").first()
    assert (row.charged, row.sent, row.messages, row.cost_li) == (3, 3, 3, 3 * 45)


def test_a_throttling_smsc_gets_every_message_once_in_the_end(sim):
    t = tenant()
    sim.control("PUT", "/config", {"tps": 4})
    phones = [f"137100000{i:02d}" for i in range(12)]
    send_id = queue(t, phones)
    provider = SmppProvider("127.0.0.1", sim.smpp_port, sim.system_id, sim.password, "1069000", window=10)
    with sending(t, provider, tps=40):  # ten times faster than the SMSC allows
        eventually(lambda: statuses(t, send_id)["delivered"] == 12, "all delivered despite throttling", 90)
    assert all(len(sim.messages(p)) == 1 for p in phones)
    throttled = sim.control("GET", "/stats")["smpp_throttled"]
    assert throttled > 0
    retried = messages.Message.in_tenant(t).filter(attempts__gt=1).count()
    assert retried > 0  # some went back to the queue and out again


def test_a_login_code_overtakes_a_bulk_queue(sim):
    t = tenant()
    bulk = [f"137200000{i:02d}" for i in range(40)]
    queue(t, bulk)
    code_phone = "13730000000"
    queue(t, [code_phone], kind=rules.OTP, template=rules.OTP, code="246810", minutes="5")
    provider = SmppProvider("127.0.0.1", sim.smpp_port, sim.system_id, sim.password, "1069000", window=10)
    with sending(t, provider, tps=10):  # the bulk queue takes 4 s; the code goes first
        (code,) = eventually(lambda: sim.messages(code_phone), "the code arrives")
        arrived = sum(1 for p in bulk if sim.messages(p))
    assert "246810" in code["text"]
    assert arrived < 20, f"{arrived} bulk messages went before the code"
