"""A corner of the region for the security tests (built through the gateway; each module builds its own):

    demo-committee
    ├── V (branch): secV (secretary), depV (deputy secretary), comV (committee member), vic (the victim: owns
    │               things), m2 (member)
    └── U (branch, unrelated): secU (secretary), out (member)
    admin (region admin), auditor (central auditor), anon (no token), foreign (a token another region's key
    signed: its own KEYS_DIR made by identity's `manage init-keys`), forged (this region's key, another region)

The victim's things (`World.ids`: path parameter name -> a real id) are created first: a post, a comment, a
direct and an org chat, a meeting, a notice, a poll, a course and a lesson, a board and a thread, a knowledge
article, question and category, a service request, a media object, an SMS send, an app, a site and an album,
a channel, a question bank and an exam, a membership and its dues, a device, a contact, a call room.
`World.secrets` holds every identifier, name and text of them: none may appear in a reply to an outsider.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pymongo
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devstack import demo
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.conftest import EventTap, Person, login, new_phone, register
from tests.e2e.corner import client_for, wait_until

API = "/api/v1"
ROLES = ("anon", "foreign", "forged", "out", "secU", "auditor", "m2", "vic", "comV", "depV", "secV", "admin")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@dataclass
class World:
    http: httpx.Client
    people: dict[str, Person]
    tokens: dict[str, str | None]  # role -> bearer token (None: anonymous)
    orgs: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    region: str = ""
    keys_dir: Path | None = None
    foreign_keys: Path | None = None

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens[role]
        return {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, role: str, method: str, url: str, body=None, **kw) -> httpx.Response:
        if body is not None:
            kw["json"] = body
        url = url if url.startswith(("/api/", "/federation/", "/openapi")) else API + url
        return self.http.request(method, url, headers=self.headers(role), **kw)

    def ok(self, role: str, method: str, url: str, body=None, status: int = 200) -> dict:
        reply = self.call(role, method, url, body)
        assert reply.status_code == status, f"{role} {method} {url}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else {}

    def id(self, who: str) -> str:
        return self.people[who].account_id

    def keep(self, name: str, value: str | dict, secret: bool = True) -> str:
        value = _id_of(value)
        self.ids[name] = value
        if secret:
            self.secrets.add(value)
        return value


def _id_of(thing) -> str:
    """The id of a created thing: its "id", or that of the first thing it holds (a meeting series, a send)."""
    if isinstance(thing, str):
        return thing
    if isinstance(thing, dict):
        if isinstance(thing.get("id"), str):
            return thing["id"]
        thing = [v for v in thing.values() if isinstance(v, dict | list)]
    for item in thing:
        if found := _id_of(item):
            return found
    return ""


def _grant(http: httpx.Client, admin: Person, org_id: str, person: Person, role: str | None) -> str:
    def add():
        reply = http.post(
            f"{API}/orgs/{org_id}/members",
            json={"account_id": person.account_id, "status": "full", "effective_on": "2015-07-01"},
            headers=admin.auth,
        )
        return reply if reply.status_code != 404 else None

    reply = wait_until(add, what="orgs to learn the new account")
    assert reply.status_code == 201, reply.text
    membership = reply.json()["id"]
    if role:
        granted = http.post(f"{API}/memberships/{membership}/roles", json={"role": role}, headers=admin.auth)
        assert granted.status_code == 200, granted.text
    return membership


def _fresh(http: httpx.Client, person: Person, role: str, org_id: str) -> Person:
    def token_with_grant():
        body = login(http, person.phone, person.password)
        return body if (role, org_id) in {(g["role"], g["org_id"]) for g in body["account"]["roles"]} else None

    body = wait_until(token_with_grant, what=f"identity to grant {role}")
    return Person(person.phone, person.password, person.account_id, body["access_token"], body["refresh_token"])


def foreign_keys(tmp: Path) -> Path:
    """Another region's signing keys, made by identity's own key tool in a KEYS_DIR of their own."""
    keys = tmp / "foreign-keys"
    subprocess.run(
        [sys.executable, "-m", "services.identity.manage", "init-keys"],
        env={"KEYS_DIR": str(keys), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return keys


def auditor(stack) -> Person:
    phone, password = new_phone(), "Audit-" + secrets.token_hex(6)
    stack.run_tool(
        "-m",
        "services.identity.manage",
        "create-admin",
        "--phone",
        phone,
        "--password",
        password,
        "--role",
        "central_auditor",
    )
    with client_for(f"http://127.0.0.1:{stack.layout.gateway_port}") as http:
        body = login(http, phone, password)
    return Person(phone, password, body["account"]["id"], body["access_token"], body["refresh_token"])


EVERYONE = ("auditor", "secV", "depV", "comV", "vic", "m2", "secU", "out")


def build(stack, gateway_url: str, events: EventTap, tmp: Path, things: bool = True, only=EVERYONE) -> World:
    """The corner (module docstring); with things, the victim's things too (they need everyone); only: the
    people a module needs (registering fewer is quicker). Tokens of other regions are made in full builds."""
    only = EVERYONE if things else only
    http = client_for(gateway_url, timeout=30)
    body = login(http, demo.ADMIN_PHONE, demo.ADMIN_PASSWORD)
    admin = Person(demo.ADMIN_PHONE, demo.ADMIN_PASSWORD, body["account"]["id"], body["access_token"], "")
    tag = secrets.token_hex(3)
    orgs = {}
    for key, name in (("V", "受害支部"), ("U", "无关支部")):
        reply = http.post(
            f"{API}/orgs",
            json={"parent_id": "demo-committee", "name": f"{name}{tag}", "type": "branch"},
            headers=admin.auth,
        )
        assert reply.status_code == 201, reply.text
        orgs[key] = reply.json()["id"]
    people = {"admin": admin} | ({"auditor": auditor(stack)} if "auditor" in only else {})
    memberships = {}
    homes = {"secV": ("V", "secretary"), "depV": ("V", "deputy_secretary"), "comV": ("V", "committee_member")}
    homes |= {"vic": ("V", None)}
    homes |= {"m2": ("V", None), "secU": ("U", "secretary"), "out": ("U", None)}
    homes = {name: home for name, home in homes.items() if name in only}
    for name, (home, role) in homes.items():
        with client_for(gateway_url, timeout=30) as own:
            person = register(own, events, f"{name}{tag}")
        memberships[name] = _grant(http, admin, orgs[home], person, role)
        people[name] = _fresh(http, person, role, orgs[home]) if role else person
    _wait_for_mirrors(stack, people, orgs, homes)

    region = stack.layout.region
    tokens: dict[str, str | None] = {name: p.access_token for name, p in people.items()}
    tokens["anon"] = None
    world = World(http, people, tokens, orgs, region=region, keys_dir=stack.layout.keys_dir)
    world.keep("org_id", orgs["V"], secret=False)
    if things:
        world.foreign_keys = foreign_keys(tmp)
        victim = Actor(account_id=people["vic"].account_id)
        tokens["foreign"] = TokenIssuer(world.foreign_keys, "beijing", 600).issue(victim).token
        tokens["forged"] = TokenIssuer(stack.layout.keys_dir, "beijing", 600).issue(victim).token
        world.keep("account_id", people["vic"].account_id)
        world.keep("membership_id", memberships["vic"])
        world.secrets |= {f"vic{tag}", people["vic"].phone}
        _things(world, tag)
    return world


def _wait_for_mirrors(stack, people, orgs, homes) -> None:
    region = stack.layout.region.replace("-", "_")
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        for service in ("content", "media"):
            db = client[f"{region}_{service}"]
            for name, (home, _) in homes.items():
                wait_until(
                    lambda d=db, n=name, h=home: d["mirror_people"].find_one(
                        {"account_id": people[n].account_id, "org_id": orgs[h]}
                    ),
                    30,
                    f"{name} in {service}'s mirror",
                )
        content = client[f"{region}_content"]
        for name, (_, role) in homes.items():
            if role:
                wait_until(
                    lambda n=name, r=role: content["role_holders"].find_one(
                        {"account_id": people[n].account_id, "role": r}
                    ),
                    30,
                    f"{name}'s role in content's copy",
                )


def _things(w: World, tag: str) -> None:
    """The victim's things, each kept under the path parameter names that take its id."""
    V = w.orgs["V"]
    mark = f"机密{tag}"  # in every private text: an outsider must never see it
    w.secrets.add(mark)
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0)

    post = w.ok("vic", "POST", "/posts", {"text": f"支部内部 {mark}", "visibility": "org", "audience_org_id": V}, 201)
    w.keep("post_id", post)
    comment = w.ok("secV", "POST", f"/posts/{post['id']}/comments", {"text": f"评论 {mark}"}, 201)
    w.keep("comment_id", comment)
    direct = w.ok("vic", "POST", "/chat/direct", {"account_id": w.id("secV")})
    w.keep("conversation_id", direct)
    w.ok(
        "vic",
        "POST",
        f"/chat/conversations/{direct['id']}/messages",
        {"client_message_id": uuid.uuid4().hex, "text": f"私聊 {mark}"},
        201,
    )
    meeting = w.ok(
        "secV",
        "POST",
        f"/orgs/{V}/meetings",
        {
            "type": "party_lecture",
            "title": f"党课{mark}",
            "place": "会议室",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        },
        201,
    )
    w.keep("meeting_id", meeting)
    notice = w.ok("secV", "POST", f"/orgs/{V}/notices", {"title": f"通知{mark}", "body": f"正文 {mark}"}, 201)
    w.keep("notice_id", notice)
    poll = w.ok(
        "secV",
        "POST",
        f"/orgs/{V}/polls",
        {"title": f"投票{mark}", "deadline": start.isoformat(), "questions": [{"text": "q", "options": ["a", "b"]}]},
        201,
    )
    w.keep("poll_id", poll)
    course = w.ok(
        "secV",
        "POST",
        f"/orgs/{V}/courses",
        {"title": f"课程{mark}", "lessons": [{"title": f"第一课{mark}", "kind": "text", "body": mark}]},
        201,
    )
    w.keep("course_id", course)
    if course.get("lessons"):
        w.keep("lesson_id", course["lessons"][0]["id"])
    board = w.ok("secV", "POST", f"/orgs/{V}/boards", {"name": f"版块{mark}"}, 201)
    w.keep("board_id", board)
    thread = w.ok("vic", "POST", f"/boards/{board['id']}/threads", {"title": f"帖子{mark}", "text": mark}, 201)
    w.keep("thread_id", thread)
    reply = w.ok("vic", "POST", f"/threads/{thread['id']}/replies", {"text": f"回复{mark}"}, 201)
    w.keep("reply_id", reply)
    # an org's knowledge categories are listed to everyone in the region (its public articles use them)
    category = w.ok("secV", "POST", f"/orgs/{V}/knowledge/categories", {"name": f"分类{tag}"}, 201)
    w.keep("category_id", category, secret=False)
    article = w.ok("vic", "POST", f"/orgs/{V}/knowledge/articles", {"title": f"文章{mark}", "body": mark}, 201)
    w.keep("article_id", article)
    question = w.ok("vic", "POST", f"/orgs/{V}/knowledge/questions", {"title": f"问题{mark}", "text": mark}, 201)
    w.keep("question_id", question)
    answer = w.ok("secV", "POST", f"/knowledge/questions/{question['id']}/answers", {"text": f"答{mark}"}, 201)
    w.keep("answer_id", answer)
    w.ok("secV", "POST", f"/orgs/{V}/counsellors", {"category": "legal", "account_id": w.id("comV")}, 201)
    request = w.ok(
        "vic",
        "POST",
        "/service-requests",
        {"category": "legal", "subject": f"咨询{mark}", "text": f"我的隐私 {mark}"},
        201,
    )
    w.keep("request_id", request)
    upload = w.ok(
        "vic",
        "POST",
        "/media/uploads",
        {"org_id": V, "filename": f"{tag}.png", "content_type": "image/png", "size": len(PNG), "visibility": "private"},
        201,
    )
    put = httpx.put(upload["put_url"], content=PNG, headers={"Content-Type": "image/png"}, timeout=30)
    assert put.status_code == 200, put.text
    media = w.ok("vic", "POST", f"/media/{upload['media']['id']}/finalize")
    w.keep("media_id", media)
    w.ok("admin", "PUT", "/sms/templates/sec", {"name": "安全测试", "text": "${org}：${note}"})
    send = w.ok(
        "secV",
        "POST",
        f"/orgs/{V}/sms/sends",
        {"template_code": "sec", "to_subtree": True, "variables": {"org": "支部", "note": mark}},
        201,
    )
    w.keep("send_id", send["send_id"])
    app = w.ok(
        "secV",
        "POST",
        f"/orgs/{V}/apps",
        {"kind": "form", "name": f"表单{mark}", "fields": [{"key": "why", "label": "说明", "type": "text"}]},
        201,
    )
    w.keep("app_id", app)
    w.ok("secV", "POST", f"/orgs/{V}/installed-apps", {"app_id": app["id"]}, 201)
    site = w.ok("secV", "POST", f"/orgs/{V}/site", {"title": f"站点{mark}", "slug": f"v{tag}"}, 201)
    w.keep("slug", site.get("slug", f"v{tag}"), secret=False)
    album = w.ok("secV", "POST", f"/orgs/{V}/site/albums", {"title": f"相册{mark}"}, 201)
    w.keep("album_id", album)
    # a members channel is readable by everyone signed in to the region (services/media/README.md)
    channel = w.ok("secV", "POST", "/channels", {"org_id": V, "kind": "radio", "name": f"电台{tag}"}, 201)
    w.keep("channel_id", channel, secret=False)
    bank = w.ok("secV", "POST", f"/orgs/{V}/question-banks", {"title": f"题库{mark}"}, 201)
    w.keep("bank_id", bank)
    w.ok("secV", "POST", f"/memberships/{w.ids['membership_id']}/dues", {"month": "2026-10", "amount_fen": 1234}, 201)
    key = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    device = w.ok(
        "vic",
        "POST",
        "/geo/devices",
        {"name": f"手机{tag}", "platform": "android", "public_key": base64.b64encode(key).decode()},
        201,
    )
    w.keep("device_id", device)
    contact = w.ok("vic", "POST", "/network/contacts", {"name": f"联系人{mark}", "phone": new_phone()}, 201)
    w.keep("contact_id", contact)
    room = w.ok("vic", "POST", "/calls/rooms", {"invited_ids": [w.id("secV")]}, 201)
    w.keep("room_id", room)
    w.ok(
        "secV",
        "POST",
        f"/question-banks/{bank['id']}/questions",
        {"questions": [{"kind": "true_false", "text": f"判断{mark}", "answer": [0]}]},
        201,
    )
    exam = w.ok(
        "secV",
        "POST",
        f"/orgs/{V}/exams",
        {"title": f"考试{mark}", "bank_id": bank["id"], "counts": [{"kind": "true_false", "count": 1}]},
        201,
    )
    w.keep("exam_id", exam)
    attempt = w.ok("vic", "POST", f"/exams/{exam['id']}/attempts", {}, 201)
    w.keep("attempt_id", attempt)
    report = w.ok("secV", "POST", "/reports", {"target_kind": "post", "target_id": post["id"], "reason": "spam"}, 201)
    w.keep("report_id", report)
    token = w.ok("secV", "POST", f"/orgs/{V}/app-tokens", {"app_id": app["id"], "scopes": ["org.read"]}, 201)
    w.keep("token_id", token)
    w.secrets.add(token.get("token", ""))
    grants = w.ok("admin", "GET", f"/accounts/{w.id('comV')}/roles")
    w.keep("grant_id", grants)
    notifications = wait_until(lambda: w.ok("vic", "GET", "/notifications")["notifications"], what="a notification")
    w.keep("notification_id", notifications[0])
    # names that are not ids: a value the route accepts
    w.ids |= {
        "category": "legal",
        "code": "sec",
        "name": "login",
        "number": "1",
        "page_slug": "about",
        "purpose": "check_in",
        "region": w.region,
        "relation": "followers",
        "role": "committee_member",
        "section": "news",
        "step": "approve",
        "target_kind": "org",
        "target_id": V,
        # required query parameters
        "action": "member.read",
        "as_of_month": "2026-10",
        "period": "2026",
        "to_account_id": w.id("vic"),
        "q": mark,
        "lng": "116.40",
        "lat": "39.90",
    }
