"""Shared fixtures. Unit tests use none of these; service and e2e tests share one real local region
(SecantusDB, RabbitMQ, localbucket, identity server and worker, gateway) on free ports in a temp dir."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import kombu
import pymongo
import pytest
from pymongo import monitoring

from devstack import demo
from devstack.layout import Layout, free_port_base
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
REGION = "testregion"
ARTIFACTS = ROOT / "test-artifacts"

# Realistic limits; each test speaks from its own client address (X-Forwarded-For, trusted here).
STACK_ENV = {
    "TRUST_FORWARDED_FOR": "true",
    "AUTH_RATE_PER_MINUTE": "30",
    "CODE_RATE_PER_MINUTE": "5",
    "SEARCH_RATE_PER_MINUTE": "300",  # per account: a test polling search for an index update stays under it
    "LOG_LEVEL": "INFO",
    # The microblog pushes posts of authors with at most 3 followers and pulls bigger ones: tests reach
    # both paths with a handful of people (production default 1,000).
    "CONTENT_PUSH_LIMIT": "3",
    # The test region runs 23 processes on this machine's 2 cores, and a burst of events (every service's worker
    # applying orgs' tree changes, content indexing) saturates the local database for seconds: a call that
    # waits that out is slow, not wrong. Tests of behaviour wait up to 15 s (production: 5 s, GRPC_TIMEOUT_SECONDS);
    # speed is measured in bench/. Two fresh-clone runs saw a registration answer 504 after 5 s in such a burst.
    "GRPC_TIMEOUT_SECONDS": "15",
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    layout = Layout(REGION, tmp_path_factory.mktemp("region"), free_port_base())
    region = Stack(layout, ROOT, STACK_ENV)
    try:
        region.up()
        demo.seed(region)
        _people_mirror.append((region.env["MONGO_URI"], f"{REGION}_orgs"))
        yield region
    finally:
        region.down()
        if layout.log_dir.exists():  # keep the logs of the run for whoever reads a failure
            shutil.copytree(layout.log_dir, ARTIFACTS / "logs", dirs_exist_ok=True)


@pytest.fixture(scope="session")
def gateway_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.layout.gateway_port}"


@dataclass
class EventTap:
    """Listens on the real broker to the events a source publishes (bound before the test acts)."""

    messages: list[dict]
    lock: threading.Lock

    def wait_for(self, predicate, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in reversed(self.messages):
                    if predicate(message):
                        return message
            time.sleep(0.05)
        raise AssertionError("no matching event arrived")

    def code_for(self, phone: str, purpose: str, timeout: float = 10.0) -> str:
        """The one-time code identity announced for phone (what the sms service would deliver)."""
        event = self.wait_for(
            lambda m: (
                m["type"] == "otp_requested"
                and m["data"]["phone"] == phone
                and m["data"]["purpose"] == purpose
                and not m.get("_taken")
            ),
            timeout,
        )
        event["_taken"] = True
        return event["data"]["code"]


@contextlib.contextmanager
def tap_events(amqp_uri: str, source: str) -> Iterator[EventTap]:
    """Hear every event source publishes on the real broker, from now until the block ends."""
    tap = EventTap([], threading.Lock())
    stop = threading.Event()
    ready = threading.Event()

    def consume() -> None:
        with kombu.Connection(amqp_uri) as conn:
            exchange = kombu.Exchange(f"{source}.events", type="topic", durable=True, auto_delete=False)
            queue = kombu.Queue(f"test-tap-{source}-{secrets.token_hex(4)}", exchange, routing_key="#", exclusive=True)

            def on_message(body, message):
                with tap.lock:
                    tap.messages.append(json.loads(body) if isinstance(body, str | bytes) else body)
                message.ack()

            with conn.Consumer(queue, callbacks=[on_message], accept=["json"]):
                ready.set()
                while not stop.is_set():
                    try:
                        conn.drain_events(timeout=0.2)
                    except TimeoutError:
                        pass

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    assert ready.wait(10), f"could not bind the test queue to {source}.events"
    try:
        yield tap
    finally:
        stop.set()
        thread.join(5)


def wait_until_bound(amqp_uri: str, queue: str, timeout: float = 20.0) -> None:
    """Until a worker has declared and bound its queue (events published from then on reach it)."""
    deadline = time.monotonic() + timeout
    with kombu.Connection(amqp_uri) as conn:
        while True:
            try:
                conn.default_channel.queue_declare(queue=queue, passive=True)
                return
            except Exception:  # noqa: BLE001 - a passive declare of a missing queue closes the channel
                conn.close()
                conn.connect()
            assert time.monotonic() < deadline, f"no worker bound {queue}"
            time.sleep(0.2)


@pytest.fixture(scope="session")
def identity_events(stack: Stack) -> Iterator[EventTap]:
    with tap_events(stack.env["AMQP_URI"], "identity") as tap:
        yield tap


class CommandLog(monitoring.CommandListener):
    """Counts the database commands a code path sends (to pin round trips on hot paths)."""

    COUNTED = frozenset({"find", "insert", "update", "delete", "aggregate", "count", "distinct", "findAndModify"})

    def __init__(self):
        self.commands: list[str] = []

    def started(self, event):
        if event.command_name in self.COUNTED:
            self.commands.append(f"{event.command_name} {event.command.get(event.command_name)}")

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


# Where orgs mirrors identity's accounts: register() waits until a new account is known there too.
_people_mirror: list[tuple[str, str]] = []


def wait_until_orgs_knows(account_id: str, timeout: float = 15.0) -> None:
    if not _people_mirror:
        return
    uri, database = _people_mirror[0]
    with pymongo.MongoClient(uri) as client:
        people = client[database]["people"]
        deadline = time.monotonic() + timeout
        while people.count_documents({"account_id": account_id}, limit=1) == 0:
            assert time.monotonic() < deadline, f"orgs never heard of account {account_id}"
            time.sleep(0.05)


def new_phone() -> str:
    return "139" + "".join(secrets.choice("0123456789") for _ in range(8))


_client_numbers = itertools.count(1 + secrets.randbelow(2**16))


@pytest.fixture
def api(gateway_url: str) -> Iterator[httpx.Client]:
    """An HTTP client of the gateway, speaking from a client address of its own."""
    address = f"2001:db8::{next(_client_numbers):x}, 10.0.0.1"  # documentation prefix: never a real host
    with httpx.Client(base_url=gateway_url, headers={"X-Forwarded-For": address}, timeout=15) as client:
        yield client


@dataclass
class Person:
    phone: str
    password: str
    account_id: str
    access_token: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def register(api: httpx.Client, tap: EventTap, display_name: str = "测试用户") -> Person:
    phone, password = new_phone(), "Pass-" + secrets.token_hex(6)
    sent = api.post("/api/v1/auth/codes", json={"phone": phone, "purpose": "register"})
    assert sent.status_code == 200, sent.text
    code = tap.code_for(phone, "register")
    reply = api.post(
        "/api/v1/auth/register",
        json={"phone": phone, "code": code, "password": password, "display_name": display_name},
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    wait_until_orgs_knows(body["account"]["id"])
    return Person(phone, password, body["account"]["id"], body["access_token"], body["refresh_token"])


def login(api: httpx.Client, phone: str, password: str) -> dict:
    reply = api.post("/api/v1/auth/login", json={"phone": phone, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture
def admin(api: httpx.Client) -> Person:
    body = login(api, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    return Person(
        demo.ADMIN_PHONE,
        demo.ADMIN_PASSWORD,
        body["account"]["id"],
        body["access_token"],
        body["refresh_token"],
    )


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    """A workbook with one sheet per entry (title -> rows), as bytes: spreadsheets for import tests."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
