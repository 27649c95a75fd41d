"""Custom apps (个性化应用) through the gateway, on the real stack: the region's catalog, orgs' own apps, installs
and pushes to a subtree, menus and their order, forms and surveys (checked submissions, once per member for a
survey, the subtree's submissions and their .xlsx export), link pages. In a corner of the region of the
module's own (tests/e2e/content_corner.py: R with branches B1 (and its group G1), B2, B3; a sibling S).
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import io
import json
import threading
import time

import pytest
from openpyxl import load_workbook

from tests.e2e import content_corner
from tests.e2e.content_corner import World
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e

SURVEY = {
    "kind": "form",
    "name": "流动党员信息采集",
    "description": "请如实填写",
    "one_per_member": True,
    "fields": [
        {"key": "workplace", "label": "工作单位", "type": "text", "required": True, "max_length": 60},
        {"key": "phone", "label": "联系电话", "type": "phone", "required": True},
        {"key": "since", "label": "外出时间", "type": "date"},
        {"key": "help", "label": "需要的帮助", "type": "multichoice", "options": ["就业", "法律", "子女入学"]},
    ],
}
LINKS = {"kind": "links", "name": "学习网站", "links": [{"title": "共产党员网", "url": "https://www.12371.cn/"}]}


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack):
    yield from content_corner.build(gateway_url, identity_events, stack)


def _menu(world: World, who: str, org: str | None = None) -> list[tuple[str, str]]:
    url = f"/orgs/{world.orgs[org]}/menu" if org else "/menu"
    return [(a["name"], a["pushed_by"]) for a in ok(world.get(who, url))["apps"]]


@pytest.fixture(scope="module")
def apps(world):
    """A catalog link page (by the region admin) and R's own survey pushed to R's whole subtree."""
    links = ok(world.post("admin", "/apps", LINKS), 201)
    survey = ok(world.post("secR", f"/orgs/{world.orgs['R']}/apps", SURVEY), 201)
    ok(world.post("secR", f"/orgs/{world.orgs['R']}/installed-apps", {"app_id": survey["id"], "subtree": True}), 201)
    ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/installed-apps", {"app_id": links["id"]}), 201)
    return {"links": links, "survey": survey}


def test_the_catalog_is_the_region_admins(world):
    error(world.post("secR", "/apps", LINKS), 403, "permission_denied")
    error(world.post("other", "/apps", LINKS), 403, "wrong_region")
    app = ok(world.post("admin", "/apps", {**LINKS, "name": "目录应用"}), 201)
    assert app["owner_org_id"] == "" and app["manageable"]
    assert app["id"] in {a["id"] for a in ok(world.get("m1", "/apps", page_size=200))["apps"]}
    ok(world.get("loner", f"/apps/{app['id']}"))  # the catalog is open to the region
    bad = {**SURVEY, "fields": [{"key": "sig", "label": "签名", "type": "signature"}]}
    error(world.post("admin", "/apps", bad), 400, "invalid_argument", "fields[0].type")
    error(
        world.post("admin", "/apps", {**LINKS, "links": [{"title": "x", "url": "javascript:alert(1)"}]}),
        400,
        "invalid_argument",
        "links[0].url",
    )
    error(world.post("m1", f"/orgs/{world.orgs['B1']}/apps", SURVEY), 403, "permission_denied")


def test_pushed_apps_reach_the_whole_subtree_in_each_orgs_order(world, apps):
    survey, links = apps["survey"], apps["links"]
    assert _menu(world, "m1") == [("流动党员信息采集", world.orgs["R"]), ("学习网站", "")]
    assert _menu(world, "m3") == [("流动党员信息采集", world.orgs["R"])]  # G1: pushed from R, not B1's link page
    assert _menu(world, "m4") == [("流动党员信息采集", world.orgs["R"])]
    assert _menu(world, "s1") == [] and _menu(world, "loner") == []
    assert _menu(world, "secR", "B1")[0][0] == "流动党员信息采集"  # an officer above reads the menu below
    error(world.get("s1", f"/orgs/{world.orgs['B1']}/menu"), 403, "permission_denied", "org_id")

    arranged = ok(world.put("sec1", f"/orgs/{world.orgs['B1']}/menu", {"app_ids": [links["id"], survey["id"]]}))
    assert [a["name"] for a in arranged["apps"]] == ["学习网站", "流动党员信息采集"]
    assert _menu(world, "m2") == [("学习网站", ""), ("流动党员信息采集", world.orgs["R"])]
    uninstall = world.delete("sec1", f"/orgs/{world.orgs['B1']}/installed-apps/{survey['id']}")
    error(uninstall, 404, "not_found", "app_id")  # pushed from above: B1 can't remove it
    error(
        world.post("secS", f"/orgs/{world.orgs['S']}/installed-apps", {"app_id": survey["id"]}),
        403,
        "permission_denied",
        "app_id",
    )  # R's own app is not S's to install
    error(
        world.post("m1", f"/orgs/{world.orgs['B1']}/installed-apps", {"app_id": links["id"]}), 403, "permission_denied"
    )
    again = world.post("sec1", f"/orgs/{world.orgs['B1']}/installed-apps", {"app_id": links["id"]})
    error(again, 409, "already_exists", "app_id")
    error(world.get("s1", f"/apps/{survey['id']}"), 404, "not_found", "app_id")  # not on S's menu
    assert ok(world.get("m3", f"/apps/{survey['id']}"))["fields"][1]["type"] == "phone"


def test_a_survey_is_filled_in_once_and_its_answers_checked(world, apps):
    sid = apps["survey"]["id"]
    answer = {"workplace": "天津某物流公司", "phone": "138 0000 1111", "since": "2025-03-01", "help": ["就业", "法律"]}
    created = ok(world.post("m1", f"/apps/{sid}/submissions", {"values": answer}), 201)
    assert {v["key"]: v["values"] for v in created["values"]}["phone"] == ["13800001111"]
    error(world.post("m1", f"/apps/{sid}/submissions", {"values": answer}), 409, "already_exists", "app_id")
    bad = {**answer, "phone": "12345"}
    error(world.post("m2", f"/apps/{sid}/submissions", {"values": bad}), 400, "invalid_argument", "values.phone")
    missing = {"phone": "13800001111"}
    error(
        world.post("m2", f"/apps/{sid}/submissions", {"values": missing}), 400, "invalid_argument", "values.workplace"
    )
    error(world.post("s1", f"/apps/{sid}/submissions", {"values": answer}), 404, "not_found", "app_id")
    ok(world.post("m4", f"/apps/{sid}/submissions", {"values": {**answer, "workplace": '=HYPERLINK("x")'}}), 201)
    assert len(ok(world.get("m1", f"/apps/{sid}/submissions/mine"))["submissions"]) == 1

    everyone = ok(world.get("secR", f"/apps/{sid}/submissions", org_id=world.orgs["R"]))["submissions"]
    assert {s["account_id"] for s in everyone} == world.ids("m1", "m4") and all(s["display_name"] for s in everyone)
    b1 = ok(world.get("sec1", f"/apps/{sid}/submissions", org_id=world.orgs["B1"]))["submissions"]
    assert {s["account_id"] for s in b1} == world.ids("m1")  # the subtree's own only
    error(world.get("sec2", f"/apps/{sid}/submissions", org_id=world.orgs["B1"]), 403, "permission_denied", "org_id")
    error(world.get("m1", f"/apps/{sid}/submissions", org_id=world.orgs["B1"]), 403, "permission_denied")

    exported = world.get("secR", f"/apps/{sid}/submissions/export", org_id=world.orgs["R"])
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["提交人", "账号编号", "所在组织", "提交时间"] and rows[0][4:] == [
        "工作单位",
        "联系电话",
        "外出时间",
        "需要的帮助",
    ]
    assert len(rows) == 3 and {r[1] for r in rows[1:]} == world.ids("m1", "m4")
    assert '\'=HYPERLINK("x")' in {r[4] for r in rows[1:]}  # read as text, never as a formula
    assert "就业、法律" in {r[7] for r in rows[1:]}
    record = world.content_db["app_submission_exports"].find_one({"app_id": sid, "org_id": world.orgs["R"]})
    assert record and record["rows"] == 2 and record["account_id"] == world.id("secR")


def test_a_retired_app_leaves_every_menu(world):
    app = ok(
        world.post("sec2", f"/orgs/{world.orgs['B2']}/apps", {**SURVEY, "name": "临时登记", "one_per_member": False}),
        201,
    )
    ok(world.post("sec2", f"/orgs/{world.orgs['B2']}/installed-apps", {"app_id": app["id"]}), 201)
    values = {"workplace": "某厂", "phone": "13800002222"}
    ok(world.post("m4", f"/apps/{app['id']}/submissions", {"values": values}), 201)
    ok(world.post("m4", f"/apps/{app['id']}/submissions", {"values": values}), 201)  # a form, not a survey
    error(world.post("m4", f"/apps/{app['id']}/retire"), 403, "permission_denied", "app_id")
    assert ok(world.post("sec2", f"/apps/{app['id']}/retire"))["state"] == "retired"
    assert "临时登记" not in {name for name, _ in _menu(world, "m4")}
    error(world.post("m4", f"/apps/{app['id']}/submissions", {"values": values}), 404, "not_found", "app_id")
    kept = ok(world.get("sec2", f"/apps/{app['id']}/submissions", org_id=world.orgs["B2"]))["submissions"]
    assert len(kept) == 2  # the answers stay for export


# -- webhook apps ------------------------------------------------------------------------------------------


class Receiver:
    """An endpoint on this machine that records what it is sent; it answers 500 to the first `fail` requests."""

    def __init__(self, fail: int = 0):
        self.requests: list[tuple[dict, bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(500 if len(receiver.requests) <= receiver.fail else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[dict, bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} of {count} requests arrived"
            time.sleep(0.1)
        return self.requests


def _signed(headers: dict, body: bytes, secret: str) -> bool:
    t, v1 = (part.split("=", 1)[1] for part in headers["x-jiceng-signature"].split(","))
    return hmac.compare_digest(v1, hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest())


def test_a_webhook_app_receives_its_subtrees_events_signed_and_retried(world):
    receiver = Receiver(fail=1)
    try:
        hook = {"kind": "webhook", "name": "支部大屏", "endpoint": receiver.url, "events": ["notice_published"]}
        app = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/apps", hook), 201)
        assert app["webhook_endpoint"] == receiver.url and app["webhook_events"] == ["notice_published"]
        bad = {**hook, "events": ["chat_message_sent"]}
        error(world.post("sec1", f"/orgs/{world.orgs['B1']}/apps", bad), 400, "invalid_argument", "events")
        install = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/installed-apps", {"app_id": app["id"]}), 201)
        secret = install["webhook_secret"]
        assert len(secret) >= 40
        assert ok(world.get("m1", f"/apps/{app['id']}"))["webhook_endpoint"] == ""  # managers only

        ok(world.post("secR", f"/orgs/{world.orgs['R']}/notices", {"title": "总支通知", "body": "不在一支部之下"}), 201)
        ok(world.post("sec2", f"/orgs/{world.orgs['B2']}/notices", {"title": "二支部通知", "body": "也不在"}), 201)
        notice = ok(
            world.post("sec1", f"/orgs/{world.orgs['B1']}/notices", {"title": "支部通知", "body": "周五学习"}), 201
        )
        (first_headers, first_body), (headers, body) = receiver.wait_for(2)  # refused once, tried again
        assert first_headers["x-jiceng-delivery"] == headers["x-jiceng-delivery"] and first_body == body
        assert headers["x-jiceng-event"] == "notice_published" and _signed(headers, body, secret)
        assert not _signed(headers, body, "another secret")
        sent = json.loads(body)
        assert sent["type"] == "notice_published" and sent["data"]["notice_id"] == notice["id"]
        assert sent["org_id"] == sent["installed_on"] == world.orgs["B1"] and sent["region"]

        log = ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/installed-apps/{app['id']}/deliveries"))["deliveries"]
        assert [(d["state"], d["failures"], d["last_status"]) for d in log] == [("delivered", 1, 200)]
        error(
            world.get("m1", f"/orgs/{world.orgs['B1']}/installed-apps/{app['id']}/deliveries"), 403, "permission_denied"
        )
        time.sleep(3)  # the other notices never come
        assert len(receiver.requests) == 2
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_a_webhook_app_calls_back_with_a_scoped_revocable_token(world):
    url = f"/orgs/{world.orgs['B1']}/app-tokens"
    body = {"app_id": "dashboard", "label": "支部大屏", "scopes": ["notice.publish"]}
    error(world.post("m1", url, body), 403, "permission_denied")
    error(world.post("sec2", url, body), 403, "permission_denied")
    error(world.post("sec1", url, {**body, "scopes": ["member.manage"]}), 400, "invalid_argument", "scopes")
    issued = ok(world.post("sec1", url, body), 201)
    token, token_id = issued["token"], issued["info"]["id"]
    assert token.startswith("jcapp_") and issued["info"]["scopes"] == ["notice.publish"]
    assert token not in str(ok(world.get("sec1", url))["tokens"])  # the secret is shown once

    app = {"Authorization": f"Bearer {token}"}
    notice = {"title": "系统自动通知", "body": "来自支部大屏"}

    def as_app(org: str, path: str = "notices", payload: dict | None = None):
        return world.http.post(f"/api/v1/orgs/{world.orgs[org]}/{path}", json=payload or notice, headers=app)

    assert ok(as_app("B1"), 201)["org_id"] == world.orgs["B1"]
    ok(as_app("G1"), 201)  # the installing org's subtree
    for outside in ("R", "B2", "S"):  # above it, a sibling, another branch
        error(as_app(outside), 403, "permission_denied")
    poll = {"title": "t", "questions": [{"text": "q", "options": ["a", "b"]}], "deadline": "2030-01-01T00:00:00Z"}
    error(as_app("B1", "polls", poll), 403, "permission_denied")  # not in its scopes
    error(as_app("B1", "app-tokens", body), 403, "permission_denied")  # an app mints no tokens

    ok(world.delete("sec1", f"/app-tokens/{token_id}"))
    time.sleep(2.5)  # the gateway keeps an exchange APP_TOKEN_CACHE_SECONDS (the local stack: 2)
    error(as_app("B1"), 401, "token_invalid")
    error(
        world.http.post(
            f"/api/v1/orgs/{world.orgs['B1']}/notices",
            json=notice,
            headers={"Authorization": "Bearer jcapp_nope.guess"},
        ),
        401,
        "token_invalid",
    )
    listed = {t["id"]: t for t in ok(world.get("sec1", url))["tokens"]}
    assert listed[token_id]["revoked_at"] and listed[token_id]["last_used_at"]
