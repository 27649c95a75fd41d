"""A corner of the region for the chat and inbox tests, and a small WebSocket client of `/api/v1/ws`.

    demo-committee
    └── A  (general branch)
        ├── B  (branch): ann, bob, gus
        │   └── G (group): cat
        └── (nobody) loner: registered, in no org
    T  (branch under demo-committee): eve

Friendships: none (the one-to-one rule is met through the tree: ann, bob, gus, cat share A or B).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass

import httpx
import pymongo
from websockets.sync.client import ClientConnection, connect

from devstack import demo
from tests.conftest import Person, login, register
from tests.e2e.corner import add_member, client_for, create_org

API = "/api/v1"


@dataclass
class Corner:
    http: httpx.Client
    admin: Person
    orgs: dict[str, dict]
    people: dict[str, Person]
    ws_url: str

    def auth(self, who: str) -> dict[str, str]:
        return (self.admin if who == "admin" else self.people[who]).auth

    def id(self, who: str) -> str:
        return (self.admin if who == "admin" else self.people[who]).account_id

    def get(self, who: str, url: str, **params) -> httpx.Response:
        return self.http.get(API + url, params=params or None, headers=self.auth(who))

    def post(self, who: str, url: str, body: dict | None = None) -> httpx.Response:
        return self.http.post(API + url, json=body if body is not None else {}, headers=self.auth(who))

    def put(self, who: str, url: str, body: dict) -> httpx.Response:
        return self.http.put(API + url, json=body, headers=self.auth(who))

    def delete(self, who: str, url: str) -> httpx.Response:
        return self.http.delete(API + url, headers=self.auth(who))

    def direct(self, a: str, b: str) -> str:
        reply = self.post(a, "/chat/direct", {"account_id": self.id(b)})
        assert reply.status_code == 200, reply.text
        return reply.json()["id"]

    def send(self, who: str, conversation_id: str, text: str, client_id: str = "") -> dict:
        body = {"client_message_id": client_id or uuid.uuid4().hex, "text": text}
        reply = self.post(who, f"/chat/conversations/{conversation_id}/messages", body)
        assert reply.status_code == 201, reply.text
        return reply.json()

    def live(self, who: str, url: str | None = None, **kwargs) -> Live:
        token = (self.admin if who == "admin" else self.people[who]).access_token
        return Live.open(url or self.ws_url, token, **kwargs)


def build(stack, gateway_url: str, identity_events, names=("ann", "bob", "gus", "cat", "eve", "loner")) -> Corner:
    http = client_for(gateway_url)
    body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
    tag = secrets.token_hex(3)
    a = create_org(http, admin, "demo-committee", f"聊天总支 {tag}", "general_branch")
    b = create_org(http, admin, a["id"], f"聊天支部 {tag}", "branch")
    g = create_org(http, admin, b["id"], f"聊天小组 {tag}", "group")
    t = create_org(http, admin, "demo-committee", f"聊天楼宇支部 {tag}", "branch")
    orgs = {"A": a, "B": b, "G": g, "T": t}
    homes = {"ann": "B", "bob": "B", "gus": "B", "cat": "G", "eve": "T", "loner": None}
    people: dict[str, Person] = {}
    for name in names:
        with client_for(gateway_url) as own:
            people[name] = register(own, identity_events, name)
        if homes[name]:
            add_member(http, admin, orgs[homes[name]]["id"], people[name], name)
    corner = Corner(http, admin, orgs, people, gateway_url.replace("http://", "ws://") + API + "/ws")
    wait_for_homes(stack, corner, {name: homes[name] for name in names if homes[name]})
    return corner


def wait_for_homes(stack, corner: Corner, homes: dict[str, str], timeout: float = 30.0) -> None:
    """content learns of memberships from orgs' events: wait until its copy holds everyone's home org."""
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        people = client[f"{stack.layout.region}_content"]["mirror_people"]
        for who, org in homes.items():
            deadline = time.monotonic() + timeout
            query = {"account_id": corner.id(who), "org_id": corner.orgs[org]["id"]}
            while people.count_documents(query, limit=1) == 0:
                assert time.monotonic() < deadline, f"content's copy never showed {who}'s home org"
                time.sleep(0.1)


class Live:
    """A WebSocket client of the gateway speaking the protocol of docs/websocket.md."""

    def __init__(self, ws: ClientConnection, exits: contextlib.ExitStack):
        self.ws = ws
        self.frames: list[dict] = []
        self._exits = exits

    @classmethod
    def open(cls, url: str, token: str, *, first_frame_auth: bool = False, expect_hello: bool = True) -> Live:
        exits = contextlib.ExitStack()
        if first_frame_auth:
            ws = exits.enter_context(connect(url, open_timeout=10))
            ws.send(json.dumps({"type": "auth", "access_token": token}))
        else:
            ws = exits.enter_context(connect(f"{url}?access_token={token}", open_timeout=10))
        live = cls(ws, exits)
        if expect_hello:
            hello = live.recv()
            assert hello["type"] == "hello", hello
        return live

    def recv(self, timeout: float = 10.0) -> dict:
        frame = json.loads(self.ws.recv(timeout=timeout))
        self.frames.append(frame)
        return frame

    def request(self, frame: dict, timeout: float = 10.0) -> dict:
        """Send a frame with an id and return the ack or error answering it (other frames are kept)."""
        frame = {**frame, "id": frame.get("id") or uuid.uuid4().hex[:8]}
        self.ws.send(json.dumps(frame))
        deadline = time.monotonic() + timeout
        while True:
            answer = self.recv(max(deadline - time.monotonic(), 0.1))
            if answer.get("id") == frame["id"] and answer["type"] in ("ack", "error", "pong", "synced"):
                return answer

    def sync(self, after: dict[str, int] | None = None) -> list[dict]:
        """Catch up; returns the message frames that came (also those that came before `synced`)."""
        start = len(self.frames)
        self.request({"type": "sync", "after": after or {}})
        return [f["message"] for f in self.frames[start:] if f["type"] == "message"]

    def messages(self, conversation_id: str, count: int, timeout: float = 20.0) -> list[dict]:
        """Wait until `count` message frames of the conversation have come in all; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            got = [
                f["message"]
                for f in self.frames
                if f["type"] == "message" and f["message"]["conversation_id"] == conversation_id
            ]
            if len(got) >= count:
                return got
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{len(got)} of {count} messages came: {got}"
            with contextlib.suppress(TimeoutError):
                self.recv(min(remaining, 1.0))

    def wait_for(self, predicate, timeout: float = 20.0) -> dict:
        for frame in self.frames:
            if predicate(frame):
                return frame
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no such frame among {self.frames[-5:]}"
            with contextlib.suppress(TimeoutError):
                frame = self.recv(min(remaining, 1.0))
                if predicate(frame):
                    return frame

    def close(self) -> None:
        self._exits.close()
