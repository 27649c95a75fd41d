"""A mixed workload of real user actions through the gateway over HTTP, and a ledger of every write the
server acknowledged — for the fault suite (tests/faults/) and the system benchmark (bench/system.py).

    corner = setup(gateway_url, stack, people=8)           # its own corner of the region, built through the API
    with httpx.Client(...) as http:
        ok = run(http, corner.post())                       # one action, sync; the ledger keeps what was acked
    mix = Mix(corner, async_client, seed=1)                 # the open-loop driver's choose(i, intended)
    stats = asyncio.run(openloop.drive(rate, seconds, mix.choose))
    problems = verify(corner, stack)                        # [] when every acknowledged write is there once

Each action is written once, as a generator of HTTP calls (`Call`) that gets each `Reply` back and returns
True when the answer was the expected one; `run` (httpx.Client) and `run_async` (httpx.AsyncClient) carry
the calls out. A call says whether a client may repeat it: an idempotent one (a chat message with its
client_message_id, a post with its client_post_id, a transfer step, a check-in, an SMS send with its idempotency
key, every read) is repeated on a transport error, 502, 503 or 504 until `retry_for` runs out; one that is not
(a meeting scheduled) only when the connection was refused (the request never left). A write the server never
acknowledged may be absent; an acknowledged one must be there exactly once: that is what `verify` checks.

The corner, under the region's demo-committee:

    R  (general branch): sec (secretary of R: schedules meetings, moves members, sends SMS)
    ├── B1 (branch): the members m0…mN-1, and the movers
    └── B2 (branch): where a mover's transfer takes them (and the next one back)

Each member follows the next two (two followers each: under the tests' CONTENT_PUSH_LIMIT of 3 every post
is pushed into its followers' home inboxes), is friends with a neighbour, and is in sec's group chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import random
import re
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

API = "/api/v1"
RETRY_STATUS = frozenset({502, 503, 504})

# What a region running this workload should set (the fault suite and the system benchmark): an org's
# officers send SMS more often than the production default of 20 sends an hour.
WORKLOAD_ENV = {"SMS_ORG_SENDS_PER_HOUR": "10000"}

_addresses = itertools.count(1 + secrets.randbelow(2**16))


def new_address() -> str:
    """A client address of its own (the gateway's per-address limits; trusted only with TRUST_FORWARDED_FOR)."""
    return f"2001:db8:7::{next(_addresses):x}"


# -- calls and replies -------------------------------------------------------------------------------------


@dataclass
class Person:
    name: str
    phone: str
    password: str
    account_id: str
    token: str
    address: str = field(default_factory=new_address)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Forwarded-For": self.address}


@dataclass
class Call:
    method: str
    path: str  # under /api/v1
    who: Person | None = None
    json: dict | None = None
    params: dict | None = None
    idempotent: bool = True  # False: repeated only when the request never left (connection refused)

    def headers(self) -> dict[str, str]:
        return self.who.headers() if self.who else {"X-Forwarded-For": new_address()}


@dataclass
class Reply:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Unanswered(Exception):
    """No acknowledged answer before the retry window ran out (the last error says why)."""


Action = Generator[Call, Reply, bool]


def _reply(response: httpx.Response) -> Reply:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Reply(response.status_code, body)


def _repeatable(call: Call, error: Exception | None, status: int | None) -> bool:
    if isinstance(error, httpx.ConnectError):
        return True  # refused: the request never left
    if not call.idempotent:
        return False
    return error is not None or status in RETRY_STATUS


def _abandon(action: Action, exc: Unanswered) -> None:
    """Tell the action its call went unanswered (a post notes it may be absent), then close it."""
    with contextlib.suppress(Unanswered, StopIteration):
        action.throw(exc)
    action.close()


def _login_call(who: Person) -> Call:
    return Call("POST", "/auth/login", json={"phone": who.phone, "password": who.password})


Observer = Callable[[Call, Reply], None]


def run(http: httpx.Client, action: Action, retry_for: float = 30.0, observe: Observer | None = None) -> bool:
    """Carry an action out with a blocking client; raises Unanswered when a call never got an answer.
    observe(call, reply) sees each call's final reply."""
    try:
        call = next(action)
        while True:
            try:
                reply = _send_sync(http, call, retry_for)
            except Unanswered as exc:
                _abandon(action, exc)
                raise
            if observe is not None:
                observe(call, reply)
            call = action.send(reply)
    except StopIteration as done:
        return bool(done.value)


def _send_sync(http: httpx.Client, call: Call, retry_for: float) -> Reply:
    deadline, pause, relogged = time.monotonic() + retry_for, 0.1, False
    while True:
        error: Exception | None = None
        status = None
        try:
            response = http.request(
                call.method, API + call.path, json=call.json, params=call.params, headers=call.headers()
            )
            status = response.status_code
            if status == 401 and call.who is not None and not relogged:  # the access token expired: sign in again
                relogged = True
                login = _send_sync(http, _login_call(call.who), retry_for)
                if login.ok:
                    call.who.token = login.body["access_token"]
                    continue
            if status not in RETRY_STATUS or not call.idempotent:
                return _reply(response)
        except httpx.TransportError as exc:
            error = exc
        if not _repeatable(call, error, status) or time.monotonic() + pause > deadline:
            raise Unanswered(f"{call.method} {call.path}: {error or status}")
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


async def run_async(
    http: httpx.AsyncClient, action: Action, retry_for: float = 0.0, observe: Observer | None = None
) -> bool:
    """The same with an asyncio client (the open-loop driver's; by default no call is repeated)."""
    try:
        call = next(action)
        while True:
            try:
                reply = await _send_async(http, call, retry_for)
            except Unanswered as exc:
                _abandon(action, exc)
                raise
            if observe is not None:
                observe(call, reply)
            call = action.send(reply)
    except StopIteration as done:
        return bool(done.value)


async def _send_async(http: httpx.AsyncClient, call: Call, retry_for: float) -> Reply:
    deadline, pause, relogged = time.monotonic() + retry_for, 0.1, False
    while True:
        error: Exception | None = None
        status = None
        try:
            response = await http.request(
                call.method, API + call.path, json=call.json, params=call.params, headers=call.headers()
            )
            status = response.status_code
            if status == 401 and call.who is not None and not relogged:
                relogged = True
                login = await _send_async(http, _login_call(call.who), retry_for)
                if login.ok:
                    call.who.token = login.body["access_token"]
                    continue
            if status not in RETRY_STATUS or not call.idempotent:
                return _reply(response)
        except httpx.TransportError as exc:
            error = exc
        if not _repeatable(call, error, status) or time.monotonic() + pause > deadline:
            raise Unanswered(f"{call.method} {call.path}: {error or status}")
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)


# -- the ledger ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    kind: str  # post, message, transfer_step, attendance, sms
    id: str  # what the server answered (post id, message id, transfer id, meeting id, send id)
    key: str  # what makes it unique (the post's text, client_message_id, step, account, idempotency key)
    who: str  # the account that wrote it
    extra: tuple = ()  # kind-specific: (conversation_id, seq), (phone, text) …
    at: float = 0.0


class Ledger:
    """Every write the server acknowledged, and the posts it did not (which may be absent, never doubled)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.unacknowledged_posts: list[tuple[str, str]] = []  # (author, text)
        self._lock = threading.Lock()

    def add(self, kind: str, id: str, key: str, who: str, *extra) -> None:
        with self._lock:
            self.entries.append(Entry(kind, id, key, who, tuple(extra), time.time()))

    def of(self, kind: str) -> list[Entry]:
        with self._lock:
            return [e for e in self.entries if e.kind == kind]

    def counts(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for e in self.entries:
                out[e.kind] = out.get(e.kind, 0) + 1
            return out


# -- the corner and its actions -------------------------------------------------------------------------------


@dataclass
class Mover:
    """A member who moves between B1 and B2, one transfer step at a time."""

    person: Person
    home: str  # "B1" or "B2"
    transfer_id: str = ""
    next_step: str = "request"  # request → approve_out → accept_in → request …
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Corner:
    region: str
    tag: str
    admin: Person
    sec: Person
    members: list[Person]
    movers: list[Mover]
    orgs: dict[str, str]  # R, B1, B2 → org id
    followers: dict[str, list[str]]  # account id → the corner's accounts following it
    group_id: str  # sec's group chat with every member
    smsc_url: str
    ledger: Ledger = field(default_factory=Ledger)
    meeting_id: str = ""
    meeting_code: str = ""
    _checkins: list[str] = field(default_factory=list)  # members not checked in to the current meeting yet
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _nonce: Iterator[int] = field(default_factory=itertools.count)

    def nonce(self) -> str:
        return f"{self.tag}-{next(self._nonce)}-{secrets.token_hex(3)}"

    # -- writes ---------------------------------------------------------------------------------------------
    def post(self, author: Person | None = None, text: str = "") -> Action:
        """Publish a post (with a client_post_id: a retry after a lost answer is safe)."""
        author = author or random.choice(self.members)
        text = text or f"工作负载 {self.nonce()}"
        body = {"text": text, "visibility": "public", "client_post_id": uuid.uuid4().hex}
        try:
            reply = yield Call("POST", "/posts", author, body)
        except Unanswered:
            self.ledger.unacknowledged_posts.append((author.account_id, text))
            raise
        if reply.status != 201:
            self.ledger.unacknowledged_posts.append((author.account_id, text))
            return False
        self.ledger.add("post", reply.body["id"], text, author.account_id)
        return True

    def message(self, sender: Person | None = None) -> Action:
        """Send a message to the corner's group chat (HTTP, with a client_message_id: a retry is safe)."""
        sender = sender or random.choice(self.members)
        client_id = uuid.uuid4().hex
        body = {"client_message_id": client_id, "text": f"消息 {self.nonce()}"}
        reply = yield Call("POST", f"/chat/conversations/{self.group_id}/messages", sender, body)
        if reply.status != 201:
            return False
        self.ledger.add("message", reply.body["id"], client_id, sender.account_id, self.group_id, reply.body["seq"])
        return True

    def transfer_step(self) -> Action:
        """The next step of a mover's transfer: the mover asks, sec approves it out of one branch and into the other."""
        mover = next((m for m in self.movers if m.lock.acquire(blocking=False)), None)
        if mover is None:  # every mover is mid-step: read instead
            return (yield from self.my_transfers())
        try:
            return (yield from self._step(mover))
        finally:
            mover.lock.release()

    def _step(self, m: Mover) -> Action:
        there = "B2" if m.home == "B1" else "B1"
        if m.next_step == "request":
            reply = yield Call("POST", "/transfers", m.person, {"to_org_id": self.orgs[there], "reason": "工作调动"})
            if reply.status == 409:  # asked before and the answer was lost: the open transfer is that one
                mine = yield Call("GET", "/transfers", m.person)
                open_ = [t for t in mine.body.get("transfers", []) if t["state"] == "requested"] if mine.ok else []
                if not open_:
                    return False
                transfer = open_[0]
            elif reply.status == 201:
                transfer = reply.body
            else:
                return False
            m.transfer_id = transfer["id"]
            self.ledger.add("transfer_step", transfer["id"], "request", m.person.account_id)
            m.next_step = "approve_out"
            return True
        reply = yield Call("POST", f"/transfers/{m.transfer_id}/{m.next_step}", self.sec, {})
        if not reply.ok:
            return False
        self.ledger.add("transfer_step", m.transfer_id, m.next_step, self.sec.account_id)
        if m.next_step == "approve_out":
            m.next_step = "accept_in"
        else:
            m.home, m.next_step, m.transfer_id = there, "request", ""
        return True

    def attendance(self) -> Action:
        """A member checks in to the current meeting with its code; when all have, sec schedules the next."""
        with self._lock:
            who = self._checkins.pop() if self._checkins else None
            meeting, code = self.meeting_id, self.meeting_code
        if who is None:
            return (yield from self._schedule_meeting())
        person = next(p for p in self.members if p.account_id == who)
        reply = yield Call("POST", f"/meetings/{meeting}/check-in", person, {"code": code})
        if not reply.ok:
            with self._lock:
                if meeting == self.meeting_id:
                    self._checkins.append(who)  # try again later
            return False
        self.ledger.add("attendance", meeting, who, who)
        return True

    def _schedule_meeting(self) -> Action:
        starts = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
        body = {
            "type": "party_lecture",
            "title": f"党课 {self.nonce()}",
            "agenda": "学习党章",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=4)).isoformat(),
            "place": "社区党群服务中心",
        }
        reply = yield Call("POST", f"/orgs/{self.orgs['B1']}/meetings", self.sec, body, idempotent=False)
        if reply.status != 201:
            return False
        meeting_id = reply.body["meetings"][0]["id"]
        code = yield Call("GET", f"/meetings/{meeting_id}/check-in-code", self.sec)
        if not code.ok:
            return False
        with self._lock:
            self.meeting_id, self.meeting_code = meeting_id, code.body["code"]
            self._checkins = [p.account_id for p in self.members]
        return True

    def sms(self, to: Person | None = None, note: str = "") -> Action:
        """sec texts a member (with an idempotency key: a retry is the same send)."""
        to = to or random.choice(self.members)
        key, note = uuid.uuid4().hex, note or self.nonce()
        body = {
            "template_code": "wkld",
            "variables": {"org": "支部", "note": note},
            "account_ids": [to.account_id],
            "idempotency_key": key,
        }
        reply = yield Call("POST", f"/orgs/{self.orgs['R']}/sms/sends", self.sec, body)
        if reply.status != 201:
            return False
        self.ledger.add("sms", reply.body["send_id"], key, self.sec.account_id, to.phone, note)
        return True

    def login(self) -> Action:
        """A member signs in again (identity)."""
        who = random.choice(self.members)
        reply = yield _login_call(who)
        if reply.ok:
            who.token = reply.body["access_token"]
        return reply.ok

    # -- reads ----------------------------------------------------------------------------------------------
    def _read(self, path: str, who: Person | None = None, **params) -> Action:
        reply = yield Call("GET", path, who or random.choice(self.members), params=params or None)
        return reply.status == 200

    def home(self) -> Action:
        return self._read("/timelines/home")

    def notices(self) -> Action:
        return self._read("/notices")

    def chat_read(self) -> Action:
        return self._read(f"/chat/conversations/{self.group_id}/messages")

    def meetings(self) -> Action:
        return self._read("/meetings/mine")

    def my_transfers(self) -> Action:
        return self._read("/transfers", self.movers[0].person)

    def sms_usage(self) -> Action:
        return self._read(f"/orgs/{self.orgs['R']}/sms/usage", self.sec)

    def media_list(self) -> Action:
        return self._read(f"/orgs/{self.orgs['R']}/media", self.sec)

    def geo_consents(self) -> Action:
        return self._read("/geo/consents")

    def search(self) -> Action:
        return self._read("/search", q="工作负载", kind="post")

    def action(self, label: str) -> Action:
        return getattr(self, label)()


# The mix: label → weight (reads dominate, as in the product; every service is on some path).
MIX: dict[str, int] = {
    "home": 28,
    "post": 14,
    "message": 18,
    "chat_read": 8,
    "notices": 5,
    "meetings": 5,
    "attendance": 5,
    "transfer_step": 3,
    "sms": 3,
    "sms_usage": 2,
    "media_list": 3,
    "geo_consents": 3,
    "search": 2,
    "login": 3,
}


class Mix:
    """The open-loop driver's chooser (bench/openloop.py): `choose(i, intended)` → (label, request)."""

    def __init__(self, corner: Corner, http: httpx.AsyncClient, seed: int = 1, retry_for: float = 0.0,
                 mix: dict[str, int] | None = None):  # fmt: skip
        self.corner, self.http, self.retry_for = corner, http, retry_for
        self.labels, self.weights = zip(*(mix or MIX).items(), strict=True)
        self.rng = random.Random(seed)

    def choose(self, i: int, intended: float) -> tuple[str, Callable]:
        label = self.rng.choices(self.labels, self.weights)[0]

        async def request() -> bool:
            return await run_async(self.http, self.corner.action(label), self.retry_for)

        return label, request


def background(corner: Corner, gateway_url: str, threads: int = 3, retry_for: float = 30.0,
               mix: dict[str, int] | None = None, seed: int = 7, pause: float = 0.0) -> Background:  # fmt: skip
    """The mix in `threads` blocking clients, each action after the last (and `pause` seconds), until stop();
    for the fault suite."""
    return Background(corner, gateway_url, threads, retry_for, mix or MIX, seed, pause)


class Background:
    def __init__(self, corner, gateway_url, threads, retry_for, mix, seed, pause):
        self.corner, self.url, self.retry_for, self.pause = corner, gateway_url, retry_for, pause
        self.labels, self.weights = zip(*mix.items(), strict=True)
        self.stopping = threading.Event()
        self.done: dict[str, int] = {}
        self.failed: dict[str, int] = {}
        self.unanswered: dict[str, int] = {}
        self.server_errors: dict[str, int] = {}  # "<status> <method> <path>" → answers (after retries)
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._loop, args=(seed + n,), daemon=True) for n in range(threads)]
        for t in self._threads:
            t.start()

    def _count(self, table: dict[str, int], label: str) -> None:
        with self._lock:
            table[label] = table.get(label, 0) + 1

    def _loop(self, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=self.url, timeout=20) as http:
            while not self.stopping.is_set():
                label = rng.choices(self.labels, self.weights)[0]
                try:
                    ok = run(http, self.corner.action(label), self.retry_for, self._observe)
                except Unanswered:
                    self._count(self.unanswered, label)
                    continue
                self._count(self.done if ok else self.failed, label)
                self.stopping.wait(self.pause if ok else max(self.pause, 0.05))

    def _observe(self, call: Call, reply: Reply) -> None:
        if reply.status >= 500:
            path = re.sub(r"/[0-9a-f]{24,32}(?=/|$)", "/{id}", call.path)
            self._count(self.server_errors, f"{reply.status} {call.method} {path}")

    def totals(self) -> tuple[int, int, int]:
        """(done, failed, unanswered) so far, over every label."""
        with self._lock:
            return sum(self.done.values()), sum(self.failed.values()), sum(self.unanswered.values())

    def stop(self, timeout: float = 60.0) -> None:
        self.stopping.set()
        for t in self._threads:
            t.join(timeout)

    def summary(self) -> str:
        with self._lock:
            labels = sorted(set(self.done) | set(self.failed) | set(self.unanswered))
            return ", ".join(
                f"{label} {self.done.get(label, 0)}/{self.failed.get(label, 0)}/{self.unanswered.get(label, 0)}"
                for label in labels
            )


# -- building the corner ------------------------------------------------------------------------------------


def _ok(reply: httpx.Response, status: int = 200) -> dict:
    if reply.status_code != status:
        raise RuntimeError(f"{reply.request.method} {reply.request.url.path}: {reply.status_code} {reply.text}")
    return reply.json()


def _wait(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


def _code_from_phone(smsc: httpx.Client, phone: str, seen: int) -> str | None:
    messages = smsc.get(f"/handsets/{phone}/messages").json()["messages"]
    for message in messages[seen:]:
        found = re.search(r"\d{6}", message["text"])
        if found:
            return found.group(0)
    return None


def register(http: httpx.Client, smsc: httpx.Client, name: str) -> Person:
    """A new account, signed up the way a person does: the code comes to the phone (the local SMSC's handset)."""
    phone = "137" + "".join(secrets.choice("0123456789") for _ in range(8))
    password = "Pass-" + secrets.token_hex(6)
    address = new_address()
    headers = {"X-Forwarded-For": address}
    _ok(http.post(f"{API}/auth/codes", json={"phone": phone, "purpose": "register"}, headers=headers))
    code = _wait(lambda: _code_from_phone(smsc, phone, 0), f"the sign-up code on {phone}", 60)
    body = {"phone": phone, "code": code, "password": password, "display_name": name}
    reply = _ok(http.post(f"{API}/auth/register", json=body, headers=headers), 201)
    return Person(name, phone, password, reply["account"]["id"], reply["access_token"], address)


def _sign_in(http: httpx.Client, person: Person) -> Person:
    body = _ok(http.post(f"{API}/auth/login", json={"phone": person.phone, "password": person.password},
                         headers={"X-Forwarded-For": person.address}))  # fmt: skip
    person.token = body["access_token"]
    return person


def setup(gateway_url: str, stack, people: int = 6, movers: int = 2) -> Corner:
    """Build the corner (module docstring) through the gateway as the demo admin; waits until every service
    has heard of its people (their events are asynchronous). `stack`: the region's devstack.stack.Stack."""
    import pymongo

    from devstack import demo

    region = stack.layout.region
    tag = secrets.token_hex(3)
    with (
        httpx.Client(base_url=gateway_url, timeout=30) as http,
        httpx.Client(base_url=stack.env["SMSC_CONTROL_URL"], timeout=10) as smsc,
        pymongo.MongoClient(stack.env["MONGO_URI"], serverSelectionTimeoutMS=5000) as mongo,
    ):
        admin = _sign_in(http, Person("admin", demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, "", ""))
        a = admin.headers

        def org(parent: str, name: str, kind: str) -> str:
            body = {"parent_id": parent, "name": f"{name} {tag}", "type": kind}
            return _ok(http.post(f"{API}/orgs", json=body, headers=a()), 201)["id"]

        orgs = {"R": org("demo-committee", "负载测试党总支", "general_branch")}
        orgs["B1"] = org(orgs["R"], "负载一支部", "branch")
        orgs["B2"] = org(orgs["R"], "负载二支部", "branch")
        template = {"name": "工作负载", "text": "${org}通知：${note}"}
        _ok(http.put(f"{API}/sms/templates/wkld", json=template, headers=a()))

        def join(org_id: str, person: Person) -> dict:
            body = {"account_id": person.account_id, "status": "full", "effective_on": "2015-07-01"}

            def attempt():  # orgs learns of a new account from identity's event: 404 until then
                reply = http.post(f"{API}/orgs/{org_id}/members", json=body, headers=a())
                return reply if reply.status_code != 404 else None

            return _ok(_wait(attempt, "orgs to learn of the account"), 201)

        sec = register(http, smsc, f"书记{tag}")
        membership = join(orgs["R"], sec)
        _ok(http.post(f"{API}/memberships/{membership['id']}/roles", json={"role": "secretary"}, headers=a()))

        def holds_role() -> bool:
            reply = http.post(f"{API}/auth/login", json={"phone": sec.phone, "password": sec.password},
                              headers={"X-Forwarded-For": sec.address})  # fmt: skip
            roles = {(g["role"], g["org_id"]) for g in _ok(reply)["account"]["roles"]}
            if ("secretary", orgs["R"]) not in roles:
                return False
            sec.token = reply.json()["access_token"]  # a token that carries the grant
            return True

        _wait(holds_role, "identity to grant the secretary's role")
        members = [register(http, smsc, f"党员{i}") for i in range(people)]
        moving = [Mover(register(http, smsc, f"流动党员{i}"), "B1") for i in range(movers)]
        for person in members + [m.person for m in moving]:
            join(orgs["B1"], person)

        # follows: each member follows the next two; friends in pairs (0,1), (2,3) …
        followers: dict[str, list[str]] = {p.account_id: [] for p in members}
        for i, person in enumerate(members):
            for j in (1, 2):
                if people > j:
                    target = members[(i + j) % people]
                    if target is person or person.account_id in followers[target.account_id]:
                        continue
                    body = {"target_kind": "person", "target_id": target.account_id}
                    _ok(http.post(f"{API}/network/follows", json=body, headers=person.headers()), 201)
                    followers[target.account_id].append(person.account_id)
        for left, right in zip(members[::2], members[1::2], strict=False):
            body = {"account_id": right.account_id}
            _ok(http.post(f"{API}/network/friend-requests", json=body, headers=left.headers()), 201)
            _ok(http.post(f"{API}/network/friend-requests/{left.account_id}/accept", headers=right.headers()))

        content = mongo[f"{region}_content"]
        sms_db = mongo[f"{region}_sms"]
        for person in members + [m.person for m in moving] + [sec]:
            _wait(lambda p=person: content["mirror_people"].find_one({"account_id": p.account_id}),
                  f"content to learn of {person.name}")  # fmt: skip
            _wait(lambda p=person: sms_db["mirror_phones"].find_one({"account_id": p.account_id}),
                  f"sms to learn of {person.name}'s phone")  # fmt: skip
            _wait(lambda p=person: sms_db["mirror_people"].find_one({"account_id": p.account_id}),
                  f"sms to learn of {person.name}'s org")  # fmt: skip
        group = {"title": f"负载群 {tag}", "member_ids": [p.account_id for p in members]}
        group_id = _ok(http.post(f"{API}/chat/groups", json=group, headers=sec.headers()), 201)["id"]

    corner = Corner(region, tag, admin, sec, members, moving, orgs, followers, group_id, stack.env["SMSC_CONTROL_URL"])
    with httpx.Client(base_url=gateway_url, timeout=30) as http:
        if not run(http, corner._schedule_meeting()):
            raise RuntimeError("sec could not schedule the corner's meeting")
    return corner


# -- verification -------------------------------------------------------------------------------------------


def broker_backlog(stack) -> dict[str, tuple[int, int]]:
    """Every queue of the region's broker: name → (messages, consumers)."""
    from devstack.stack import RABBIT_CTL

    rabbit = stack.process("rabbitmq")
    argv = [RABBIT_CTL, "-n", stack.layout.rabbit_node, "list_queues", "name", "messages", "consumers"]
    out = subprocess.run(  # noqa: S603 - fixed argv
        [*argv, "--no-table-headers", "--quiet"],
        env={**stack.env, **rabbit.env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    queues = {}
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].isdigit():
            queues[parts[0]] = (int(parts[1]), int(parts[2]))
    return queues


def pending_outboxes(mongo, region: str) -> dict[str, int]:
    """Events not yet published, per service database of the region."""
    found = {}
    for name in mongo.list_database_names():
        if name.startswith(f"{region}_") and "outbox" in mongo[name].list_collection_names():
            pending = mongo[name]["outbox"].count_documents({"pending": True})
            if pending:
                found[name] = pending
    return found


def _eventually(check: Callable[[], list[str]], timeout: float) -> list[str]:
    """check() until it finds no problem or the time runs out; returns its last list of problems."""
    deadline = time.monotonic() + timeout
    while True:
        problems = check()
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(0.5)


def verify(corner: Corner, stack, timeout: float = 60.0) -> list[str]:
    """Every acknowledged write exists exactly once, fan-out is complete, SMS reached each phone once, no
    event waits in an outbox and every queue is consumed and empty. Asynchronous parts are waited for
    (at most `timeout` seconds each). Returns the problems found (none: [])."""
    import pymongo
    from bson import ObjectId

    region, tenant = corner.region, corner.region
    ledger = corner.ledger
    problems: list[str] = []
    with (
        pymongo.MongoClient(stack.env["MONGO_URI"], serverSelectionTimeoutMS=10000) as mongo,
        httpx.Client(base_url=corner.smsc_url, timeout=10) as smsc,
    ):
        content, orgs, sms = mongo[f"{region}_content"], mongo[f"{region}_orgs"], mongo[f"{region}_sms"]

        # posts: each acknowledged one once (by its id and by its text); an unacknowledged one at most once
        by_author: dict[str, list[dict]] = {}

        def posts_of(author: str) -> list[dict]:
            if author not in by_author:
                query = {"tenant": tenant, "source": f"person:{author}"}
                by_author[author] = list(content["posts"].find(query, {"text": 1}))
            return by_author[author]

        for e in ledger.of("post"):
            same = [p for p in posts_of(e.who) if p.get("text") == e.key]
            if [str(p["_id"]) for p in same] != [e.id]:
                problems.append(f"post {e.id} ({e.key}): stored {len(same)} times as {[str(p['_id']) for p in same]}")
        for author, text in ledger.unacknowledged_posts:
            same = [p for p in posts_of(author) if p.get("text") == text]
            if len(same) > 1:
                problems.append(f"unacknowledged post {text!r} stored {len(same)} times")

        # fan-out: each post in its author's and its followers' home inboxes (pushed: ≤ CONTENT_PUSH_LIMIT)
        def missing_fanout() -> list[str]:
            out = []
            for e in ledger.of("post"):
                for owner in [e.who, *corner.followers.get(e.who, [])]:
                    query = {"tenant": tenant, "owner_id": owner, "post_id": ObjectId(e.id)}
                    if content["timeline_entries"].count_documents(query) != 1:
                        out.append(f"post {e.id} not in {owner}'s home inbox")
            return out

        problems += _eventually(missing_fanout, timeout)

        # chat messages: once per (sender, client_message_id), with the id and seq acknowledged
        for e in ledger.of("message"):
            conversation, seq = e.extra
            rows = list(content["chat_messages"].find(
                {"tenant": tenant, "conversation_id": conversation, "sender_id": e.who, "client_message_id": e.key}
            ))  # fmt: skip
            if [(str(r["_id"]), r["seq"]) for r in rows] != [(e.id, seq)]:
                problems.append(f"message {e.key}: stored as {[(str(r['_id']), r['seq']) for r in rows]}")

        # transfers: each acknowledged request one transfer (no other of the mover's); each later step once
        for m in corner.movers:
            asked = [e.id for e in ledger.of("transfer_step") if e.key == "request" and e.who == m.person.account_id]
            stored = list(orgs["transfers"].find({"tenant": tenant, "account_id": m.person.account_id}, {"state": 1}))
            extra = [str(t["_id"]) for t in stored if str(t["_id"]) not in asked and t["state"] != "requested"]
            if sorted(set(asked)) != sorted(asked) or not set(asked) <= {str(t["_id"]) for t in stored} or extra:
                problems.append(f"{m.person.name}'s transfers: asked {asked}, stored {[str(t['_id']) for t in stored]}")
        for e in ledger.of("transfer_step"):
            if e.key == "request":
                continue
            transfer = orgs["transfers"].find_one({"_id": ObjectId(e.id)}, {"steps": 1})
            taken = [s["step"] for s in (transfer or {}).get("steps", [])]
            if taken.count(e.key) != 1:
                problems.append(f"transfer {e.id}: step {e.key} recorded {taken.count(e.key)} times ({taken})")

        # attendance: one row per (meeting, member), present
        for e in ledger.of("attendance"):
            rows = list(orgs["meeting_attendance"].find({"tenant": tenant, "meeting_id": e.id, "account_id": e.key}))
            if len(rows) != 1 or rows[0].get("status") != "present":
                problems.append(f"attendance {e.id}/{e.key}: {[r.get('status') for r in rows]}")

        # SMS: one send per key, one message to the phone, on the handset exactly once
        for e in ledger.of("sms"):
            phone, note = e.extra
            sends = list(sms["sends"].find({"tenant": tenant, "key": f"{e.who}:{e.key}"}, {"_id": 1}))
            if [str(s["_id"]) for s in sends] != [e.id]:
                problems.append(f"sms send {e.key}: stored as {[str(s['_id']) for s in sends]}")

        def unqueued() -> list[str]:  # the sms worker resolves a send into its messages after the answer
            out = []
            for e in ledger.of("sms"):
                phone, _ = e.extra
                queued = sms["messages"].count_documents({"tenant": tenant, "send_id": e.id, "phone": phone})
                if queued != 1:
                    out.append(f"sms send {e.id}: {queued} messages to {phone}, not one")
            return out

        def undelivered() -> list[str]:
            out, inboxes = [], {}
            for e in ledger.of("sms"):
                phone, note = e.extra
                if phone not in inboxes:
                    inboxes[phone] = [m["text"] for m in smsc.get(f"/handsets/{phone}/messages").json()["messages"]]
                got = sum(note in text for text in inboxes[phone])
                if got != 1:
                    out.append(f"sms {e.id} ({note}) reached {phone} {got} times")
            return out

        problems += _eventually(unqueued, timeout)
        problems += _eventually(undelivered, timeout)
        problems += _eventually(
            lambda: [f"{db}: {n} events pending in the outbox" for db, n in pending_outboxes(mongo, region).items()],
            timeout,
        )

    def backlog() -> list[str]:
        out = []
        for queue, (messages, consumers) in broker_backlog(stack).items():
            if messages:
                out.append(f"queue {queue}: {messages} messages waiting")
            if consumers == 0 and not queue.startswith("gateway-live"):
                out.append(f"queue {queue}: no consumer")
        return out

    problems += _eventually(backlog, timeout)
    return problems
