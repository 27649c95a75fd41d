"""Service requests (服务) through the gateway, on the real stack: counsellors per org and category, routing to
the nearest org with counsellors, the privacy matrix of who reads a request (and the audit row each read
leaves), the status flow and its refusals, rating once, the overdue report, bad input. In a corner of the
region of the module's own (tests/e2e/content_corner.py), with these counsellors (`desk`):

    demo-committee
    ├── R  (general branch): secR (secretary)        psychological: s1, m4    policy: m4
    │   ├── B1 (branch): sec1 (secretary), m1, m2     legal: m2, m5
    │   │   └── G1 (group): m3
    │   ├── B2 (branch): sec2 (secretary), m4
    │   └── B3 (branch): m5
    └── S  (general branch): secS (secretary), s1
    (nobody) loner; "auditor": a central auditor's token; "other": a token of another region
"""

from __future__ import annotations

import datetime as dt

import pytest
from bson import ObjectId

from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.conftest import Person
from tests.e2e import content_corner
from tests.e2e.content_corner import World
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e

SUMMARY_FIELDS = {
    "id",
    "category",
    "state",
    "org_id",
    "org_name",
    "counsellor_id",
    "counsellor_name",
    "opened_at",
    "due_at",
    "first_reply_at",
    "closed_at",
    "updated_at",
    "overdue",
    "replies",
    "rating",
}


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack):
    for built in content_corner.build(gateway_url, identity_events, stack):
        # A central auditor (platform role), as identity would issue one: an account of its own, no org.
        issuer = TokenIssuer(stack.layout.keys_dir, stack.layout.region, 600)
        auditor_id = str(ObjectId())
        token = issuer.issue(Actor(account_id=auditor_id, platform_roles=("central_auditor",))).token
        built.people["auditor"] = Person("", "", auditor_id, token, "")
        yield built


@pytest.fixture(scope="module")
def desk(world):
    """The counsellors of the module docstring, appointed by the orgs' secretaries."""
    for who, org, category, counsellor in [
        ("sec1", "B1", "legal", "m2"),
        ("sec1", "B1", "legal", "m5"),  # not a member of B1: a counsellor need not be
        ("secR", "R", "psychological", "s1"),
        ("secR", "R", "psychological", "m4"),
        ("secR", "R", "policy", "m4"),
    ]:
        body = {"category": category, "account_id": world.id(counsellor)}
        ok(world.post(who, f"/orgs/{world.orgs[org]}/counsellors", body), 201)
    return world


def _open(world: World, who: str, category: str = "legal", subject: str = "劳动合同纠纷", **fields) -> dict:
    body = {"category": category, "subject": subject, "text": "公司拖欠工资三个月，应当如何维权？", **fields}
    return ok(world.post(who, "/service-requests", body), 201)


def _reads(world: World, request_id: str) -> list[dict]:
    """The request's audit rows in content's database, oldest first."""
    return list(world.content_db["service_request_reads"].find({"request_id": request_id}).sort("_id", 1))


def _t(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _read(world: World, who: str, request_id: str, role: str | None) -> None:
    """who reads the request in role (and leaves exactly one audit row naming this call), or gets NOT_FOUND."""
    before = len(_reads(world, request_id))
    reply = world.get(who, f"/service-requests/{request_id}")
    if role is None:
        if who == "other":
            error(reply, 403, "wrong_region")
        else:
            error(reply, 404, "not_found", "request_id")
        assert len(_reads(world, request_id)) == before, who
        return
    body = ok(reply)
    assert body["role"] == role and body["text"] and body["summary"]["id"] == request_id, who
    rows = _reads(world, request_id)
    assert len(rows) == before + 1, who
    row = rows[-1]
    assert (row["reader_id"], row["role"], row["view"]) == (world.people[who].account_id, role, "request"), who
    assert row["call_id"] == reply.headers["x-request-id"]


def _metadata_only(items: list[dict], *secrets: str) -> None:
    for item in items:
        assert set(item) == SUMMARY_FIELDS, item
    for secret in secrets:
        assert secret not in str(items)


# -- counsellors ---------------------------------------------------------------------------------------


def test_counsellors_are_appointed_and_removed_by_the_orgs_officers(desk):
    world = desk
    url = f"/orgs/{world.orgs['B2']}/counsellors"
    body = {"category": "business", "account_id": world.id("s1")}  # of another general branch: allowed
    for who in ("m4", "sec1", "secS", "loner", "auditor"):
        error(world.post(who, url, body), 403, "permission_denied")
    error(world.post("other", url, body), 403, "wrong_region")
    appointed = ok(world.post("sec2", url, body), 201)
    assert (appointed["category"], appointed["account_id"], appointed["org_id"]) == (
        "business",
        world.id("s1"),
        world.orgs["B2"],
    )
    assert appointed["appointed_by"] == world.id("sec2") and appointed["org_name"]
    error(world.post("secR", url, body), 409, "already_exists", "account_id")
    error(world.post("sec2", url, {**body, "account_id": "nobody-here"}), 404, "not_found", "account_id")
    error(world.post("sec2", url, {**body, "category": "medical"}), 400, "invalid_argument", "category")

    # the org's members and its managers see its counsellors; others don't
    listed = ok(world.get("m4", url))["counsellors"]
    assert [(c["category"], c["account_id"]) for c in listed] == [("business", world.id("s1"))]
    assert listed[0]["display_name"] == "s1"
    ok(world.get("secR", url))
    error(world.get("m1", url), 403, "permission_denied", "org_id")
    b1 = ok(world.get("m3", f"/orgs/{world.orgs['B1']}/counsellors", category="legal"))["counsellors"]
    assert {c["account_id"] for c in b1} == world.ids("m2", "m5")

    gone = f"{url}/business/{world.id('s1')}"
    error(world.delete("m4", gone), 403, "permission_denied")
    assert ok(world.delete("sec2", gone)) == {"requeued": 0}
    error(world.delete("sec2", gone), 404, "not_found", "account_id")
    assert ok(world.get("m4", url))["counsellors"] == []


# -- routing -------------------------------------------------------------------------------------------


def test_a_request_goes_to_the_nearest_org_with_counsellors_of_its_category(desk):
    world = desk
    home = _open(world, "m1", "legal")
    assert (home["org_id"], home["state"], home["category"]) == (world.orgs["B1"], "open", "legal")
    assert set(home) == SUMMARY_FIELDS and home["counsellor_id"] == "" and not home["overdue"]
    assert _t(home["due_at"]) - _t(home["opened_at"]) == dt.timedelta(hours=48)
    event = world.events.wait_for(
        lambda m: m["type"] == "service_request_opened" and m["data"]["request_id"] == home["id"]
    )
    assert event["data"] == {"request_id": home["id"], "category": "legal", "org_id": world.orgs["B1"]}

    assert _open(world, "m3", "legal")["org_id"] == world.orgs["B1"]  # G1 has none: its branch's
    psychological = _open(world, "m1", "psychological", subject="工作压力大，失眠")
    assert psychological["org_id"] == world.orgs["R"]  # B1 has none: the general branch's
    assert _t(psychological["due_at"]) - _t(psychological["opened_at"]) == dt.timedelta(hours=24)
    assert _open(world, "m5", "policy")["org_id"] == world.orgs["R"]

    for who, category in [("m1", "business"), ("s1", "legal"), ("loner", "legal")]:
        body = {"category": category, "subject": "咨询", "text": "请问……"}
        error(world.post(who, "/service-requests", body), 409, "failed_precondition", "category")
    error(
        world.post("other", "/service-requests", {"category": "legal", "subject": "s", "text": "t"}),
        403,
        "wrong_region",
    )


# -- who reads a request -------------------------------------------------------------------------------

EVERYONE = ("m1", "m2", "m5", "sec1", "secR", "admin", "auditor", "m3", "m4", "s1", "loner", "other")


def test_who_reads_a_legal_request_before_and_after_it_is_taken(desk):
    world = desk
    request = _open(world, "m1", "legal", subject="房屋租赁合同")
    url = f"/service-requests/{request['id']}"
    waiting = {"m1": "member", "m2": "counsellor", "m5": "counsellor", "auditor": "auditor"}
    for who in EVERYONE:
        _read(world, who, request["id"], waiting.get(who))

    taken = ok(world.post("m2", f"{url}/take"))
    assert (taken["state"], taken["counsellor_id"], taken["counsellor_name"]) == ("assigned", world.id("m2"), "m2")
    assigned = {"m1": "member", "m2": "counsellor", "auditor": "auditor"}
    for who in EVERYONE:
        _read(world, who, request["id"], assigned.get(who))
    assert ok(world.get("m1", url))["summary"]["counsellor_id"] == world.id("m2")


def test_a_psychological_request_shows_its_queue_only_metadata_until_taken(desk):
    world = desk
    subject, text = "情绪低落，想找人聊聊", "最近家里变故，整夜睡不着。"
    request = ok(
        world.post("m1", "/service-requests", {"category": "psychological", "subject": subject, "text": text}), 201
    )
    queued = [r for r in ok(world.get("s1", "/service-requests/queue"))["requests"] if r["id"] == request["id"]]
    assert len(queued) == 1 and queued[0]["category"] == "psychological" and queued[0]["org_id"] == world.orgs["R"]
    _metadata_only(queued, subject, text, world.id("m1"))
    for who in EVERYONE:
        _read(world, who, request["id"], "member" if who == "m1" else None)

    ok(world.post("s1", f"/service-requests/{request['id']}/take"))
    error(world.post("m4", f"/service-requests/{request['id']}/take"), 409, "failed_precondition", "request_id")
    for who in EVERYONE:
        _read(world, who, request["id"], {"m1": "member", "s1": "counsellor"}.get(who))
    mine = ok(world.get("s1", "/service-requests/queue"))["requests"]
    assert request["id"] not in {r["id"] for r in mine}


def test_the_member_auditors_and_region_admins_list_who_read_a_request(desk):
    world = desk
    request = _open(world, "m1", "legal", subject="继承纠纷")
    url = f"/service-requests/{request['id']}"
    for who in ("m2", "auditor", "m1"):
        ok(world.get(who, url))
    reads = ok(world.get("m1", f"{url}/reads"))["reads"]
    assert [(r["reader_id"], r["role"], r["view"]) for r in reads] == [
        (world.id("m1"), "member", "request"),
        (world.id("auditor"), "auditor", "request"),
        (world.id("m2"), "counsellor", "request"),
    ]
    assert reads[-1]["reader_name"] == "m2" and all(r["call_id"] and r["at"] for r in reads)
    assert ok(world.get("auditor", f"{url}/reads"))["reads"] == reads
    assert ok(world.get("admin", f"{url}/reads"))["reads"] == reads
    paged = ok(world.get("admin", f"{url}/reads", page_size=2))
    assert len(paged["reads"]) == 2 and paged["next_cursor"]
    rest = ok(world.get("admin", f"{url}/reads", page_size=2, cursor=paged["next_cursor"]))
    assert paged["reads"] + rest["reads"] == reads and not rest["next_cursor"]
    error(world.get("m2", f"{url}/reads"), 403, "permission_denied", "request_id")  # a counsellor: not the audit
    for who in ("sec1", "m4", "loner"):
        error(world.get(who, f"{url}/reads"), 404, "not_found", "request_id")

    # a psychological request's audit rows too (the rows name readers, never the content)
    psychological = _open(world, "m3", "psychological")
    assert len(ok(world.get("auditor", f"/service-requests/{psychological['id']}/reads"))["reads"]) == 0
    error(world.get("auditor", f"/service-requests/{psychological['id']}"), 404, "not_found", "request_id")


def test_listings_are_metadata_or_audited(desk):
    world = desk
    subject, text = "个体户营业执照变更", "经营范围想增加餐饮，需要哪些手续？"
    request = ok(world.post("m3", "/service-requests", {"category": "legal", "subject": subject, "text": text}), 201)

    queue = ok(world.get("m5", "/service-requests/queue", page_size=200))
    assert request["id"] in {r["id"] for r in queue["requests"]}
    _metadata_only(queue["requests"], subject, text, world.id("m3"))
    opened = [_t(r["opened_at"]) for r in queue["requests"]]
    assert opened == sorted(opened)
    managed = ok(world.get("sec1", "/service-requests/queue", org_id=world.orgs["B1"], category="legal"))
    assert request["id"] in {r["id"] for r in managed["requests"]}
    _metadata_only(managed["requests"], subject, text)
    error(world.get("m1", "/service-requests/queue", org_id=world.orgs["B1"]), 403, "permission_denied", "org_id")
    assert ok(world.get("m1", "/service-requests/queue"))["requests"] == []  # counsels nothing

    before = len(_reads(world, request["id"]))
    mine = ok(world.get("m3", "/service-requests", page_size=200))["requests"]
    listed = next(r for r in mine if r["id"] == request["id"])
    assert listed["subject"] == subject and "text" not in listed
    rows = _reads(world, request["id"])
    assert len(rows) == before + 1 and (rows[-1]["role"], rows[-1]["view"]) == ("member", "list")
    assert request["id"] not in {r["id"] for r in ok(world.get("m1", "/service-requests"))["requests"]}

    ok(world.post("m5", f"/service-requests/{request['id']}/take"))
    assigned = ok(world.get("m5", "/service-requests/assigned"))["requests"]
    assert next(r for r in assigned if r["id"] == request["id"])["subject"] == subject
    row = _reads(world, request["id"])[-1]
    assert (row["reader_id"], row["role"], row["view"]) == (world.id("m5"), "counsellor", "list")
    assert request["id"] not in {r["id"] for r in ok(world.get("m2", "/service-requests/assigned"))["requests"]}


# -- the status flow -----------------------------------------------------------------------------------


def test_the_status_flow_and_its_refusals(desk):
    world = desk
    request = _open(world, "m1", "legal", subject="交通事故赔偿")
    url = f"/service-requests/{request['id']}"
    reply = {"text": "补充：对方全责。", "attachment_ids": ["img_01"]}
    error(world.post("m2", f"{url}/replies", reply), 409, "failed_precondition", "request_id")  # take it first
    assert ok(world.post("m1", f"{url}/replies", reply), 201)["state"] == "open"  # more detail while waiting
    error(world.post("sec1", f"{url}/take"), 404, "not_found", "request_id")
    error(world.post("m1", f"{url}/take"), 403, "permission_denied", "request_id")
    error(world.post("m1", f"{url}/rating", {"rating": 5}), 409, "failed_precondition", "rating")

    assert ok(world.post("m2", f"{url}/take"))["state"] == "assigned"
    error(world.post("m5", f"{url}/take"), 409, "failed_precondition", "request_id")
    error(world.post("m5", f"{url}/replies", reply), 404, "not_found", "request_id")

    answer = {"text": "可以要求对方赔偿医疗费、误工费，建议先保留证据。", "attachment_ids": ["doc-1"]}
    answered = ok(world.post("m2", f"{url}/replies", answer), 201)
    assert answered["state"] == "answered" and answered["first_reply_at"] and answered["replies"] == 2
    event = world.events.wait_for(
        lambda m: m["type"] == "service_request_answered" and m["data"]["request_id"] == request["id"]
    )
    assert event["data"] == {"request_id": request["id"], "account_id": world.id("m1")}
    assert ok(world.post("m1", f"{url}/replies", {"text": "保险公司不赔怎么办？"}), 201)["state"] == "assigned"
    again = ok(world.post("m2", f"{url}/replies", {"text": "可以起诉。"}), 201)
    assert again["state"] == "answered" and again["first_reply_at"] == answered["first_reply_at"]

    error(world.post("auditor", f"{url}/replies", reply), 403, "permission_denied", "request_id")
    error(world.post("auditor", f"{url}/close"), 403, "permission_denied", "request_id")
    error(world.post("m2", f"{url}/rating", {"rating": 5}), 403, "permission_denied", "request_id")
    error(world.post("m1", f"{url}/rating", {"rating": 6}), 400, "invalid_argument", "rating")
    error(world.post("m1", f"{url}/rating", {"rating": 4, "comment": "长" * 501}), 400, "invalid_argument", "comment")
    rated = ok(world.post("m1", f"{url}/rating", {"rating": 5, "comment": "解答及时、专业"}))
    assert rated["rating"] == 5 and rated["state"] == "answered"
    error(world.post("m1", f"{url}/rating", {"rating": 1}), 409, "failed_precondition", "rating")

    closed = ok(world.post("m2", f"{url}/close"))
    assert closed["state"] == "closed" and closed["closed_at"]
    error(world.post("m1", f"{url}/close"), 409, "failed_precondition", "request_id")
    error(world.post("m1", f"{url}/replies", reply), 409, "failed_precondition", "request_id")
    full = ok(world.get("m1", url))
    assert [(x["role"], x["author_id"]) for x in full["replies"]] == [
        ("member", world.id("m1")),
        ("counsellor", world.id("m2")),
        ("member", world.id("m1")),
        ("counsellor", world.id("m2")),
    ]
    assert full["replies"][1]["attachment_ids"] == ["doc-1"] and full["replies"][1]["author_name"] == "m2"
    assert full["rating_comment"] == "解答及时、专业" and full["member_name"] == "m1"
    assert full["attachment_ids"] == [] and full["summary"]["rating"] == 5

    # the member closes an unanswered request, and may still rate it
    withdrawn = _open(world, "m1", "legal", subject="已自行解决")
    assert ok(world.post("m1", f"/service-requests/{withdrawn['id']}/close"))["state"] == "closed"
    ok(world.post("m1", f"/service-requests/{withdrawn['id']}/rating", {"rating": 3}))


def test_managers_assign_the_counsellors_of_the_queue(desk):
    world = desk
    request = _open(world, "m3", "legal", subject="借款纠纷")
    url = f"/service-requests/{request['id']}/assign"
    error(world.post("m2", url, {"account_id": world.id("m5")}), 403, "permission_denied", "request_id")
    for who in ("m1", "sec2"):
        error(world.post(who, url, {"account_id": world.id("m5")}), 404, "not_found", "request_id")
    error(world.post("auditor", url, {"account_id": world.id("m5")}), 403, "permission_denied", "request_id")
    error(world.post("sec1", url, {"account_id": world.id("m4")}), 409, "failed_precondition", "account_id")
    assert ok(world.post("sec1", url, {"account_id": world.id("m5")}))["counsellor_id"] == world.id("m5")
    error(world.post("sec1", url, {"account_id": world.id("m5")}), 409, "failed_precondition", "account_id")
    handed = ok(world.post("secR", url, {"account_id": world.id("m2")}))  # an officer above: manages it too
    assert (handed["state"], handed["counsellor_id"]) == ("assigned", world.id("m2"))
    _read(world, "m5", request["id"], None)
    _read(world, "m2", request["id"], "counsellor")
    _read(world, "sec1", request["id"], None)  # assigning is not reading
    ok(world.post("admin", url, {"account_id": world.id("m5")}))


def test_removing_a_counsellor_puts_their_requests_back_in_the_queue(desk):
    world = desk
    b3 = f"/orgs/{world.orgs['B3']}/counsellors"
    for counsellor in ("m4", "s1"):  # B3 has no secretary: the general branch's appoints
        ok(world.post("secR", b3, {"category": "legal", "account_id": world.id(counsellor)}), 201)
    request = _open(world, "m5", "legal", subject="合伙协议")
    assert request["org_id"] == world.orgs["B3"]
    url = f"/service-requests/{request['id']}"
    ok(world.post("m4", f"{url}/take"))
    ok(world.post("m4", f"{url}/replies", {"text": "请提供协议原件。"}), 201)
    _read(world, "s1", request["id"], None)

    assert ok(world.delete("secR", f"{b3}/legal/{world.id('m4')}")) == {"requeued": 1}
    _read(world, "m4", request["id"], None)
    _read(world, "s1", request["id"], "counsellor")  # open again in the queue
    back = ok(world.get("m5", url))["summary"]
    assert (back["state"], back["counsellor_id"]) == ("open", "")
    assert request["id"] in {r["id"] for r in ok(world.get("s1", "/service-requests/queue"))["requests"]}
    assert ok(world.post("s1", f"{url}/take"))["counsellor_id"] == world.id("s1")


# -- the overdue report --------------------------------------------------------------------------------


def _back(world: World, request: dict, hours: float) -> None:
    """Move the request's times hours back (opened, due, first reply), as if all had happened that much earlier."""
    shift = dt.timedelta(hours=hours)
    row = world.content_db["service_requests"].find_one({"_id": ObjectId(request["id"])})
    moved = {k: row[k] - shift for k in ("opened_at", "due_at", "first_reply_at") if row.get(k)}
    world.content_db["service_requests"].update_one({"_id": row["_id"]}, {"$set": moved})


def test_the_overdue_report(desk):
    world = desk
    waiting = _open(world, "m3", "psychological", subject="孩子厌学")  # → R, due in 24 h
    _back(world, waiting, 30)
    late = _open(world, "m1", "legal", subject="工伤认定")  # → B1, due in 48 h
    _back(world, late, 50)
    ok(world.post("m2", f"/service-requests/{late['id']}/take"))
    ok(world.post("m2", f"/service-requests/{late['id']}/replies", {"text": "先申请工伤认定。"}), 201)
    in_time = _open(world, "m1", "legal", subject="遗嘱公证")
    _back(world, in_time, 47)
    ok(world.post("m5", f"/service-requests/{in_time['id']}/take"))
    ok(world.post("m5", f"/service-requests/{in_time['id']}/replies", {"text": "到公证处办理。"}), 201)
    _back(world, in_time, 5)  # answered 47 h after opening: in time, however long ago that was
    not_due = _open(world, "m1", "legal", subject="不着急")
    _back(world, not_due, 47)

    report = ok(world.get("secR", f"/orgs/{world.orgs['R']}/service-requests/overdue", page_size=200))
    rows = {r["request"]["id"]: r for r in report["requests"]}
    assert waiting["id"] in rows and late["id"] in rows
    assert in_time["id"] not in rows and not_due["id"] not in rows
    assert 5.9 <= rows[waiting["id"]]["hours_overdue"] <= 6.2 and rows[waiting["id"]]["request"]["overdue"]
    assert 1.9 <= rows[late["id"]]["hours_overdue"] <= 2.2
    assert rows[late["id"]]["request"]["state"] == "answered"
    _metadata_only([r["request"] for r in report["requests"]], "孩子厌学", "工伤认定", world.id("m1"))
    dues = [_t(r["request"]["due_at"]) for r in report["requests"]]
    assert dues == sorted(dues)

    b1 = {
        r["request"]["id"]
        for r in ok(world.get("sec1", f"/orgs/{world.orgs['B1']}/service-requests/overdue"))["requests"]
    }
    assert late["id"] in b1 and waiting["id"] not in b1  # routed to R: above B1
    first = ok(world.get("admin", f"/orgs/{world.orgs['R']}/service-requests/overdue", page_size=1))
    assert len(first["requests"]) == 1 and first["next_cursor"]
    second = ok(
        world.get(
            "admin", f"/orgs/{world.orgs['R']}/service-requests/overdue", page_size=1, cursor=first["next_cursor"]
        )
    )
    assert second["requests"][0]["request"]["id"] != first["requests"][0]["request"]["id"]
    for who in ("m1", "sec2", "auditor", "m2"):
        error(world.get(who, f"/orgs/{world.orgs['B1']}/service-requests/overdue"), 403, "permission_denied")
    # still waiting, the member sees it is overdue too
    assert ok(world.get("m3", f"/service-requests/{waiting['id']}"))["summary"]["overdue"]


# -- bad input -----------------------------------------------------------------------------------------


def test_bad_input_names_the_field(desk):
    world = desk
    base = {"category": "legal", "subject": "咨询", "text": "请问……"}
    for change, field in [
        ({"category": "medical"}, "category"),
        ({"subject": ""}, "subject"),
        ({"subject": "长" * 101}, "subject"),
        ({"text": "  "}, "text"),
        ({"text": "长" * 5001}, "text"),
        ({"attachment_ids": [f"m{i}" for i in range(10)]}, "attachment_ids"),
        ({"attachment_ids": ["not a media id"]}, "attachment_ids"),
        ({"member_id": world.id("m2")}, "member_id"),  # the member is the caller, never the body
    ]:
        error(world.post("m1", "/service-requests", {**base, **change}), 400, "invalid_argument", field)
    error(world.get("m1", "/service-requests/not-an-id"), 404, "not_found", "request_id")
    error(world.get("m1", f"/service-requests/{ObjectId()}"), 404, "not_found", "request_id")
    error(world.post("m2", f"/service-requests/{ObjectId()}/take"), 404, "not_found", "request_id")
    request = _open(world, "m1")
    url = f"/service-requests/{request['id']}"
    error(world.post("m1", f"{url}/replies", {"text": "长" * 5001}), 400, "invalid_argument", "text")
    error(world.post("m1", f"{url}/rating", {"rating": "five"}), 400, "invalid_argument", "rating")
    error(world.get("m2", "/service-requests/queue", category="medical"), 400, "invalid_argument", "category")
    error(world.get("m2", "/service-requests", page_size=0), 400, "invalid_argument", "page_size")
    no_org = world.post("sec1", "/orgs/no-such-org/counsellors", {"category": "legal", "account_id": "x"})
    error(no_org, 404, "not_found", "org_id")
    error(world.get("other", "/service-requests"), 403, "wrong_region")


def test_the_routes_are_in_the_openapi_document(desk):
    paths = desk.http.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/orgs/{org_id}/counsellors",
        "/api/v1/orgs/{org_id}/counsellors/{category}/{account_id}",
        "/api/v1/service-requests",
        "/api/v1/service-requests/queue",
        "/api/v1/service-requests/assigned",
        "/api/v1/service-requests/{request_id}",
        "/api/v1/service-requests/{request_id}/take",
        "/api/v1/service-requests/{request_id}/assign",
        "/api/v1/service-requests/{request_id}/replies",
        "/api/v1/service-requests/{request_id}/close",
        "/api/v1/service-requests/{request_id}/rating",
        "/api/v1/service-requests/{request_id}/reads",
        "/api/v1/orgs/{org_id}/service-requests/overdue",
    ):
        assert path in paths, path


def _service_notes(world: World, who: str, request_id: str) -> list[dict]:
    notes = ok(world.get(who, "/notifications", page_size=100))["notifications"]
    return [n for n in notes if n["kind"] == "service" and n["ref_id"] == request_id]


def test_the_queue_and_the_member_are_notified_without_the_content(desk):
    world = desk
    request = _open(world, "m1", "legal", subject="工伤认定咨询")
    url = f"/service-requests/{request['id']}"
    for counsellor in ("m2", "m5"):  # B1's legal queue
        note = content_corner.eventually(lambda c=counsellor: _service_notes(world, c, request["id"]), "told")[0]
        assert note["ref_kind"] == "service_request" and note["title"] == "服务申请有新进展"
        assert "工伤" not in str(note) and "工资" not in str(note)  # nothing of what it says
    assert not _service_notes(world, "s1", request["id"])  # another queue's counsellor
    ok(world.post("m2", f"{url}/take"))
    ok(world.post("m2", f"{url}/replies", {"text": "请准备劳动合同和医疗记录。"}), 201)
    note = content_corner.eventually(lambda: _service_notes(world, "m1", request["id"]), "the member told")[0]
    assert note["count"] == 1 and not note["read"] and "劳动合同" not in str(note)
    ok(world.post("m1", f"{url}/replies", {"text": "好的，还需要什么？"}), 201)
    ok(world.post("m2", f"{url}/replies", {"text": "单位的考勤记录。"}), 201)
    counted = content_corner.eventually(
        lambda: [n for n in _service_notes(world, "m1", request["id"]) if n["count"] == 2], "counted again"
    )
    assert counted[0]["title"] == "服务申请有 2 条新进展"
