"""Forums, notices, and polls and surveys through the gateway, on the real stack, in a corner of the region
of the module's own (tests/e2e/content_corner.py: R with branches B1 (and its group G1), B2, B3; a sibling S;
someone in no org; a token of another region).
"""

from __future__ import annotations

import datetime as dt
import secrets

import httpx
import pytest
from bson import ObjectId

from tests.e2e import content_corner
from tests.e2e.content_corner import World, eventually
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e

API = "/api/v1"


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack):
    yield from content_corner.build(gateway_url, identity_events, stack)


# -- forums ---------------------------------------------------------------------------------------------


def _board(world: World, who: str, org: str, name: str, public: bool = False) -> dict:
    return ok(world.post(who, f"/orgs/{world.orgs[org]}/boards", {"name": name, "public": public}), 201)


def test_who_may_create_a_board(world):
    url = f"/orgs/{world.orgs['B1']}/boards"
    assert ok(world.post("sec1", url, {"name": "支部园地"}), 201)["org_id"] == world.orgs["B1"]  # the org's own
    ok(world.post("secR", url, {"name": "总支在支部的版块"}), 201)  # an ancestor's secretary
    ok(world.post("admin", url, {"name": "管理员建的"}), 201)  # the region admin
    error(world.post("secS", url, {"name": "兄弟"}), 403, "permission_denied")  # a sibling's secretary
    error(world.post("sec2", url, {"name": "邻居"}), 403, "permission_denied")
    error(world.post("m1", url, {"name": "普通党员"}), 403, "permission_denied")
    error(world.post("loner", url, {"name": "无组织"}), 403, "permission_denied")
    error(world.post("sec1", f"/orgs/{world.orgs['R']}/boards", {"name": "上级"}), 403, "permission_denied")
    error(world.post("other", url, {"name": "外地"}), 403, "wrong_region")


def test_members_read_the_boards_of_their_org_and_those_above(world):
    r_board = _board(world, "secR", "R", "总支论坛")
    b1_board = _board(world, "sec1", "B1", "一支部论坛")
    public = _board(world, "sec2", "B2", "二支部公开版", public=True)

    mine = {b["id"] for b in ok(world.get("m3", "/forum/boards"))["boards"]}  # G1 below B1 below R
    assert {r_board["id"], b1_board["id"]} <= mine and public["id"] not in mine
    assert b1_board["id"] not in {b["id"] for b in ok(world.get("m4", "/forum/boards"))["boards"]}

    for who, readable in [
        ("m1", True),
        ("m3", True),
        ("secR", True),  # manages the forum of the orgs below
        ("m4", False),
        ("secS", False),
        ("s1", False),
        ("loner", False),
    ]:
        reply = world.get(who, f"/boards/{b1_board['id']}")
        if readable:
            ok(reply)
        else:
            error(reply, 404, "not_found", "board_id")
        listed = {b["id"] for b in ok(world.get(who, f"/orgs/{world.orgs['B1']}/boards"))["boards"]}
        assert (b1_board["id"] in listed) == readable, who
    for who in ("s1", "loner", "m1"):
        ok(world.get(who, f"/boards/{public['id']}"))  # public: the whole region
    error(world.get("other", f"/boards/{public['id']}"), 403, "wrong_region")


def test_threads_replies_in_order_and_mentions_in_the_event(world):
    board = _board(world, "sec1", "B1", "讨论区")
    thread = ok(world.post("m1", f"/boards/{board['id']}/threads", {"title": "学习心得", "text": "大家谈谈"}), 201)
    created = world.events.wait_for(lambda m: m["type"] == "thread_created" and m["data"]["thread_id"] == thread["id"])
    assert created["data"]["audience"] == [f"author:{world.id('m1')}", f"org:{world.orgs['B1']}"]
    assert created["data"]["org_id"] == world.orgs["B1"]

    error(world.post("m4", f"/boards/{board['id']}/threads", {"title": "外人", "text": "x"}), 404, "not_found")
    reply = ok(
        world.post("m2", f"/threads/{thread['id']}/replies", {"text": "同意 @m3", "mention_ids": [world.id("m3")]}),
        201,
    )
    event = world.events.wait_for(lambda m: m["type"] == "thread_replied" and m["data"]["reply_id"] == reply["id"])
    assert event["data"]["mentions"] == [world.id("m3")]
    assert event["data"]["thread_author_id"] == world.id("m1")
    # someone who cannot read the thread cannot be told of it; an unknown account is named
    mention_m4 = {"text": "@m4", "mention_ids": [world.id("m4")]}
    error(world.post("m2", f"/threads/{thread['id']}/replies", mention_m4), 400, "invalid_argument", "mention_ids")
    unknown = {"text": "@?", "mention_ids": ["nobody-" + secrets.token_hex(4)]}
    error(world.post("m2", f"/threads/{thread['id']}/replies", unknown), 404, "not_found", "mention_ids")

    for i in range(4):
        ok(world.post("m3" if i % 2 else "m1", f"/threads/{thread['id']}/replies", {"text": f"第{i}条"}), 201)
    seen, cursor = [], ""
    while True:
        page = ok(world.get("m1", f"/threads/{thread['id']}/replies", page_size=2, cursor=cursor))
        assert len(page["replies"]) <= 2
        seen += [r["text"] for r in page["replies"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["同意 @m3", "第0条", "第1条", "第2条", "第3条"]
    assert ok(world.get("m1", f"/threads/{thread['id']}"))["reply_count"] == 5
    # the newest activity first across the boards one reads
    recent = ok(world.get("m3", "/forum/threads", page_size=5))["threads"]
    assert recent[0]["id"] == thread["id"]
    assert thread["id"] not in {t["id"] for t in ok(world.get("m4", "/forum/threads", page_size=200))["threads"]}
    # pages over the reader's boards (one query a key, merged) are disjoint and complete
    everything = [t["id"] for t in ok(world.get("m3", "/forum/threads", page_size=200))["threads"]]
    paged, cursor = [], ""
    while True:
        page = ok(world.get("m3", "/forum/threads", page_size=2, cursor=cursor))
        paged += [t["id"] for t in page["threads"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert paged == everything and len(set(paged)) == len(paged)


def test_moderators_pin_lock_move_and_remove_within_their_board(world):
    board = _board(world, "sec1", "B1", "版主测试")
    other_board = _board(world, "sec2", "B2", "二支部版块")
    r_board = _board(world, "secR", "R", "总支版块")
    thread = ok(world.post("m1", f"/boards/{board['id']}/threads", {"title": "待管理", "text": "内容"}), 201)
    tid = thread["id"]

    # only the board's forum managers appoint; a moderator must be able to read the board
    error(world.put("m1", f"/boards/{board['id']}/moderators/{world.id('m2')}"), 403, "permission_denied")
    error(
        world.put("sec1", f"/boards/{board['id']}/moderators/{world.id('m4')}"), 400, "invalid_argument", "account_id"
    )
    ok(world.put("sec1", f"/boards/{board['id']}/moderators/{world.id('m2')}"))
    moderators = ok(world.get("m1", f"/boards/{board['id']}/moderators"))["moderators"]
    assert [m["account_id"] for m in moderators] == [world.id("m2")]

    error(world.put("m3", f"/threads/{tid}/pin", {"pinned": True}), 403, "permission_denied", "thread_id")
    assert ok(world.put("m2", f"/threads/{tid}/pin", {"pinned": True}))["pinned"]
    ok(world.post("m3", f"/boards/{board['id']}/threads", {"title": "后来的", "text": "新帖"}), 201)
    listing = ok(world.get("m1", f"/boards/{board['id']}/threads"))
    assert [t["id"] for t in listing["pinned"]] == [tid] and tid not in {t["id"] for t in listing["threads"]}

    assert ok(world.put("m2", f"/threads/{tid}/lock", {"locked": True}))["locked"]
    error(world.post("m1", f"/threads/{tid}/replies", {"text": "锁了吗"}), 409, "failed_precondition", "thread_id")

    # a move needs the right on both boards: m2 moderates only the first; sec1 does not manage B2
    error(
        world.post("m2", f"/threads/{tid}/move", {"to_board_id": r_board["id"]}),
        403,
        "permission_denied",
        "to_board_id",
    )
    error(
        world.post("sec1", f"/threads/{tid}/move", {"to_board_id": other_board["id"]}),
        403,
        "permission_denied",
        "to_board_id",
    )
    moved = ok(world.post("secR", f"/threads/{tid}/move", {"to_board_id": other_board["id"]}))
    assert moved["board_id"] == other_board["id"] and not moved["pinned"]
    event = world.events.wait_for(lambda m: m["type"] == "thread_moved" and m["data"]["thread_id"] == tid)
    assert event["data"]["from_board_id"] == board["id"]
    assert f"org:{world.orgs['B2']}" in event["data"]["audience"]
    # the audience followed the board: B2 reads it now, B1 no longer (its author still does)
    ok(world.get("m4", f"/threads/{tid}"))
    error(world.get("m3", f"/threads/{tid}"), 404, "not_found", "thread_id")
    ok(world.get("m1", f"/threads/{tid}"))
    error(world.put("m2", f"/threads/{tid}/lock", {"locked": False}), 404, "not_found")  # out of m2's sight now

    error(world.delete("m4", f"/threads/{tid}"), 403, "permission_denied")
    ok(world.delete("sec2", f"/threads/{tid}"))
    world.events.wait_for(lambda m: m["type"] == "thread_removed" and m["data"]["thread_id"] == tid)
    error(world.get("m1", f"/threads/{tid}"), 404, "not_found")


def test_a_closed_board_stays_readable_and_takes_nothing_new(world):
    board = _board(world, "sec1", "B1", "将关闭")
    thread = ok(world.post("m1", f"/boards/{board['id']}/threads", {"title": "旧帖", "text": "内容"}), 201)
    error(world.patch("m1", f"/boards/{board['id']}", {"closed": True}), 403, "permission_denied")
    closed = ok(world.patch("sec1", f"/boards/{board['id']}", {"closed": True, "name": "已归档"}))
    assert closed["closed"] and closed["name"] == "已归档"
    error(world.post("m1", f"/boards/{board['id']}/threads", {"title": "新", "text": "x"}), 409, "failed_precondition")
    error(world.post("m2", f"/threads/{thread['id']}/replies", {"text": "x"}), 409, "failed_precondition")
    ok(world.get("m3", f"/threads/{thread['id']}"))


def test_forum_bad_input_names_the_field(world):
    board = _board(world, "sec1", "B1", "输入检查")
    url = f"/boards/{board['id']}/threads"
    error(world.post("m1", url, {"title": "", "text": "x"}), 400, "invalid_argument", "title")
    error(world.post("m1", url, {"title": "标" * 101, "text": "x"}), 400, "invalid_argument", "title")
    error(world.post("m1", url, {"title": "t", "text": "字" * 10_001}), 400, "invalid_argument", "text")
    error(world.post("m1", url, {"title": "t", "text": "x", "extra": 1}), 400, "invalid_argument", "extra")
    error(world.post("sec1", f"/orgs/{world.orgs['B1']}/boards", {"name": "名" * 41}), 400, "invalid_argument", "name")
    error(world.post("admin", "/orgs/no-such-org/boards", {"name": "x"}), 404, "not_found", "org_id")
    error(world.post("m1", f"/boards/{ObjectId()}/threads", {"title": "t", "text": "x"}), 404, "not_found", "board_id")
    error(world.get("m1", "/boards/not-an-id"), 404, "not_found", "board_id")
    error(world.get("m1", f"/boards/{board['id']}/threads", cursor="garbage"), 400, "invalid_argument", "cursor")


# -- notices --------------------------------------------------------------------------------------------


def _notice(world: World, who: str, org: str, **fields) -> httpx.Response:
    body = {"title": fields.pop("title", "学习通知"), "body": fields.pop("body", "请按时参加学习。"), **fields}
    return world.post(who, f"/orgs/{world.orgs[org]}/notices", body)


def test_who_may_publish_a_notice_and_to_whom(world):
    assert ok(_notice(world, "secR", "R"), 201)["recipient_count"] == 8  # everyone in R's subtree
    ok(_notice(world, "admin", "R"), 201)
    assert ok(_notice(world, "sec1", "B1"), 201)["recipient_count"] == 4
    for who in ("sec1", "secS", "m1", "loner"):
        error(_notice(world, who, "R"), 403, "permission_denied")
    error(_notice(world, "other", "R"), 403, "wrong_region")
    # chosen orgs must lie within the sender's subtree
    error(_notice(world, "sec1", "B1", target_org_ids=[world.orgs["B2"]]), 403, "permission_denied", "target_org_ids")
    error(_notice(world, "secR", "R", target_org_ids=[world.orgs["S"]]), 403, "permission_denied", "target_org_ids")
    # only the secretaries of the branches below
    to_secretaries = ok(
        _notice(world, "secR", "R", target_org_ids=[world.orgs["B1"], world.orgs["B2"]], roles=["secretary"]), 201
    )
    assert to_secretaries["recipient_count"] == 2
    event = world.events.wait_for(
        lambda m: m["type"] == "notice_published" and m["data"]["notice_id"] == to_secretaries["id"]
    )
    assert event["data"]["audience"] == [f"author:{world.id('secR')}"]  # not every member of B1 and B2
    ok(world.get("sec2", f"/notices/{to_secretaries['id']}"))
    error(world.get("m1", f"/notices/{to_secretaries['id']}"), 404, "not_found")


def test_read_receipts_per_org_and_reminders(world):
    notice = ok(_notice(world, "secR", "R", title="回执测试", attachment_ids=["media-1", "media-2"]), 201)
    nid = notice["id"]
    assert notice["attachment_ids"] == ["media-1", "media-2"]
    for who in ("m1", "m1", "m3"):  # marking twice counts once
        assert ok(world.post(who, f"/notices/{nid}/read"))["read"]
    assert not ok(world.get("m4", f"/notices/{nid}"))["read"]
    error(world.get("s1", f"/notices/{nid}"), 404, "not_found")
    error(world.post("s1", f"/notices/{nid}/read"), 404, "not_found")

    top = ok(world.get("secR", f"/notices/{nid}/receipts"))
    assert [(o["org_id"], o["recipients"], o["read"], o["unread"]) for o in top["orgs"]] == [(world.orgs["R"], 8, 2, 6)]
    per_branch = ok(world.get("secR", f"/notices/{nid}/receipts", org_id=world.orgs["R"]))
    counts = {o["org_id"]: (o["recipients"], o["read"]) for o in per_branch["below"]}
    assert counts == {world.orgs["B1"]: (4, 2), world.orgs["B2"]: (2, 0), world.orgs["B3"]: (1, 0)}
    below_b1 = ok(world.get("sec1", f"/notices/{nid}/receipts", org_id=world.orgs["B1"]))
    assert [(o["org_id"], o["recipients"], o["read"]) for o in below_b1["below"]] == [(world.orgs["G1"], 1, 1)]

    # the unread of B1's subtree, paged
    unread, cursor = [], ""
    while True:
        page = ok(
            world.get(
                "sec1", f"/notices/{nid}/readers", org_id=world.orgs["B1"], read="false", page_size=1, cursor=cursor
            )
        )
        unread += [p["account_id"] for p in page["people"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(unread) == sorted(world.ids("sec1", "m2"))
    read = ok(world.get("secR", f"/notices/{nid}/readers", org_id=world.orgs["R"], read="true"))["people"]
    assert {p["account_id"] for p in read} == world.ids("m1", "m3") and all(p["read_at"] for p in read)

    # the officers of an org see their part only; members and outsiders nothing
    error(world.get("sec1", f"/notices/{nid}/receipts"), 403, "permission_denied")
    error(world.get("sec1", f"/notices/{nid}/receipts", org_id=world.orgs["B2"]), 403, "permission_denied")
    error(world.get("m1", f"/notices/{nid}/readers", org_id=world.orgs["B1"]), 403, "permission_denied")
    error(world.get("secS", f"/notices/{nid}/receipts", org_id=world.orgs["R"]), 403, "permission_denied")
    ok(world.get("admin", f"/notices/{nid}/receipts"))

    error(world.post("sec1", f"/notices/{nid}/reminders"), 403, "permission_denied")
    assert ok(world.post("secR", f"/notices/{nid}/reminders"))["reminded"] == 6
    reminder = world.events.wait_for(lambda m: m["type"] == "notice_reminder" and m["data"]["notice_id"] == nid)
    assert set(reminder["data"]["account_ids"]) == world.ids("secR", "sec1", "m2", "sec2", "m4", "m5")
    body = error(world.post("secR", f"/notices/{nid}/reminders"), 429, "rate_limited", "notice_id")
    assert 3000 < body["retry_after"] <= 3600

    mine = ok(world.get("m3", "/notices", page_size=200))["notices"]
    assert mine[0]["id"] == nid and mine[0]["read"]
    sent = ok(world.get("secR", f"/orgs/{world.orgs['R']}/notices", page_size=200))["notices"]
    assert nid in {n["id"] for n in sent}
    error(world.get("m1", f"/orgs/{world.orgs['R']}/notices"), 403, "permission_denied")


def test_notice_bad_input_names_the_field(world):
    error(_notice(world, "secR", "R", title=""), 400, "invalid_argument", "title")
    error(_notice(world, "secR", "R", body="字" * 10_001), 400, "invalid_argument", "body")
    many = [f"m{i}" for i in range(10)]
    error(_notice(world, "secR", "R", attachment_ids=many), 400, "invalid_argument", "attachment_ids")
    error(_notice(world, "secR", "R", attachment_ids=["../x"]), 400, "invalid_argument", "attachment_ids")
    error(_notice(world, "secR", "R", roles=["king"]), 400, "invalid_argument", "roles")
    error(_notice(world, "secR", "R", target_org_ids=["no-such-org"]), 404, "not_found", "target_org_ids")
    error(world.get("secR", f"/notices/{ObjectId()}"), 404, "not_found", "notice_id")


# -- polls and surveys ----------------------------------------------------------------------------------


def _deadline(days: int = 7) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def _poll(world: World, who: str, org: str, **fields) -> httpx.Response:
    body = {
        "title": fields.pop("title", "活动时间"),
        "questions": fields.pop("questions", [{"text": "哪天合适？", "kind": "single", "options": ["周六", "周日"]}]),
        "deadline": fields.pop("deadline", _deadline()),
        **fields,
    }
    return world.post(who, f"/orgs/{world.orgs[org]}/polls", body)


def test_who_may_publish_a_poll(world):
    poll_ = ok(_poll(world, "secR", "R"), 201)
    world.events.wait_for(lambda m: m["type"] == "poll_published" and m["data"]["poll_id"] == poll_["id"])
    ok(_poll(world, "sec1", "B1"), 201)
    for who in ("sec1", "secS", "m1", "loner"):
        error(_poll(world, who, "R"), 403, "permission_denied")
    error(_poll(world, "other", "R"), 403, "wrong_region")
    for who in ("m3", "m5"):
        assert poll_["id"] in {p["id"] for p in ok(world.get(who, "/polls", page_size=200))["polls"]}
    for who in ("s1", "loner"):
        assert poll_["id"] not in {p["id"] for p in ok(world.get(who, "/polls", page_size=200))["polls"]}
        error(world.get(who, f"/polls/{poll_['id']}"), 404, "not_found")


def test_an_anonymous_poll_never_tells_who_voted_what(world):
    poll_ = ok(_poll(world, "secR", "R", title="匿名测评", anonymous=True, results_visible_to="voters"), 201)
    pid = poll_["id"]
    choices = {"m1": 0, "m2": 1, "m3": 0, "sec1": 0, "m4": 1}
    error(world.get("m4", f"/polls/{pid}/results"), 403, "permission_denied")  # not before voting
    for who, option in choices.items():
        assert ok(world.post(who, f"/polls/{pid}/votes", {"answers": [[option]]}), 201)["voted"]
    error(world.post("m1", f"/polls/{pid}/votes", {"answers": [[1]]}), 409, "already_exists", "poll_id")  # final
    error(world.post("s1", f"/polls/{pid}/votes", {"answers": [[0]]}), 403, "permission_denied")

    mine = ok(world.get("m1", f"/polls/{pid}"))
    assert mine["voted"] and mine["my_answers"] == [] and mine["results_visible"]
    results = ok(world.get("m4", f"/polls/{pid}/results"))
    assert results["summary"]["voters"] == 5 and results["summary"]["questions"] == [{"counts": [3, 2]}]
    below = {t["org_id"]: t for t in results["below"]}
    assert below[world.orgs["B1"]]["voters"] == 4 and below[world.orgs["B1"]]["questions"] == [{"counts": [3, 1]}]
    # one voter in B2: its counts would be that person's vote
    assert below[world.orgs["B2"]]["withheld"] and below[world.orgs["B2"]]["questions"] == [{"counts": [0, 0]}]
    for who in ("secR", "admin"):
        error(world.get(who, f"/polls/{pid}/ballots"), 409, "failed_precondition", "poll_id")

    # what is stored: that they voted, and numbers; no row holds a voter and a choice together
    markers = list(world.content_db["poll_voters"].find({"poll_id": pid}))
    assert {m["account_id"] for m in markers} == world.ids(*choices)
    assert all(
        set(m) == {"_id", "tenant", "poll_id", "account_id"} and not isinstance(m["_id"], ObjectId) for m in markers
    )
    assert world.content_db["poll_ballots"].count_documents({"poll_id": pid}) == 0
    voter_ids = world.ids(*choices)
    for tally in world.content_db["poll_tallies"].find({"poll_id": pid}):
        assert not voter_ids & set(map(str, _strings(tally)))
    assert not list(world.content_db["outbox"].find({"data.poll_id": pid, "type": {"$ne": "poll_published"}}))


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def test_a_named_survey_shows_its_publisher_who_chose_what_and_closes_at_its_deadline(world):
    questions = [
        {"text": "学习形式", "kind": "multiple", "options": ["线上", "线下", "自学"], "max_choices": 2},
        {"text": "满意度", "kind": "single", "options": ["满意", "一般", "不满意"]},
    ]
    survey = ok(_poll(world, "sec1", "B1", title="学习问卷", questions=questions, results_visible_to="closed"), 201)
    sid = survey["id"]
    ok(world.post("m1", f"/polls/{sid}/votes", {"answers": [[0, 1], [0]]}), 201)
    ok(world.post("m3", f"/polls/{sid}/votes", {"answers": [[2], [1]]}), 201)
    assert ok(world.get("m1", f"/polls/{sid}"))["my_answers"] == [{"options": [0, 1]}, {"options": [0]}]
    error(world.post("m2", f"/polls/{sid}/votes", {"answers": [[0, 1, 2], [0]]}), 400, "invalid_argument", "answers[0]")
    error(world.post("m2", f"/polls/{sid}/votes", {"answers": [[0]]}), 400, "invalid_argument", "answers")
    error(world.get("m1", f"/polls/{sid}/results"), 403, "permission_denied")  # until it closes

    ballots = ok(world.get("sec1", f"/polls/{sid}/ballots"))["ballots"]
    assert {b["display_name"]: b["answers"] for b in ballots} == {
        "m1": [{"options": [0, 1]}, {"options": [0]}],
        "m3": [{"options": [2]}, {"options": [1]}],
    }
    error(world.get("m1", f"/polls/{sid}/ballots"), 403, "permission_denied")
    error(world.get("sec2", f"/polls/{sid}/ballots"), 403, "permission_denied")
    ok(world.get("secR", f"/polls/{sid}/ballots"))  # the officers above

    # the deadline passes (moved into the past in the database: tests do not wait days)
    world.content_db["polls"].update_one(
        {"_id": ObjectId(sid)}, {"$set": {"deadline": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}}
    )
    error(world.post("m2", f"/polls/{sid}/votes", {"answers": [[0], [0]]}), 409, "failed_precondition", "poll_id")
    results = ok(world.get("m2", f"/polls/{sid}/results"))  # closed: the audience sees them
    assert results["closed"] and results["summary"]["voters"] == 2
    assert results["summary"]["questions"] == [{"counts": [1, 1, 1]}, {"counts": [1, 1, 0]}]
    assert [t["org_id"] for t in results["below"]] == [world.orgs["G1"]]


def test_poll_bad_input_names_the_field(world):
    error(_poll(world, "secR", "R", title="标" * 101), 400, "invalid_argument", "title")
    error(_poll(world, "secR", "R", deadline=_deadline(-1)), 400, "invalid_argument", "deadline")
    one_option = [{"text": "?", "kind": "single", "options": ["唯一"]}]
    error(_poll(world, "secR", "R", questions=one_option), 400, "invalid_argument", "questions[0].options")
    error(_poll(world, "secR", "R", questions=[]), 400, "invalid_argument", "questions")
    error(_poll(world, "secR", "R", results_visible_to="all"), 400, "invalid_argument", "results_visible_to")
    error(world.post("m1", f"/polls/{ObjectId()}/votes", {"answers": [[0]]}), 404, "not_found", "poll_id")
    poll_ = ok(_poll(world, "secR", "R"), 201)
    error(world.post("m1", f"/polls/{poll_['id']}/votes", {"answers": [[5]]}), 400, "invalid_argument", "answers[0]")


# -- my orgs' notices in the home timeline ----------------------------------------------------------------


def _home(world: World, who: str, page_size: int = 200, cursor: str = "") -> dict:
    return ok(world.get(who, "/timelines/home", page_size=page_size, cursor=cursor))


def _key(item: dict) -> str:
    return item["post"]["id"] if item["kind"] == "post" else item["notice"]["id"]


def test_my_orgs_notices_come_in_my_home_timeline_between_posts(world):
    def post(text: str) -> str:
        return ok(world.post("m3", "/posts", {"text": text, "visibility": "org"}), 201)["id"]

    older_post = post("先发的微博")
    to_r = ok(_notice(world, "secR", "R", title="总支通知"), 201)["id"]  # m3 (G1 < B1 < R) and m4 (B2) get it
    newer_post = post("后发的微博")
    to_b1 = ok(_notice(world, "sec1", "B1", title="支部通知", attachment_ids=["media-9"]), 201)["id"]
    to_b2 = ok(_notice(world, "sec2", "B2", title="二支部通知"), 201)["id"]  # not m3's
    to_secretaries = ok(_notice(world, "secR", "R", title="书记会", roles=["secretary"]), 201)["id"]
    mine = [to_b1, newer_post, to_r, older_post]  # newest first

    # the posts reach m3's inbox through the worker's fan-out: wait until both are there
    def with_both_posts():
        got = _home(world, "m3")["items"]
        return got if {older_post, newer_post} <= {_key(i) for i in got} else None

    items = eventually(with_both_posts, "m3's posts in the home timeline")
    keys = [_key(i) for i in items]
    assert [k for k in keys if k in mine] == mine
    assert to_b2 not in keys and to_secretaries not in keys
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)  # newest first, each once
    notice = next(i for i in items if _key(i) == to_b1)
    assert notice["post"] is None
    assert notice["notice"]["title"] == "支部通知" and notice["notice"]["org_id"] == world.orgs["B1"]
    assert notice["notice"]["org_name"].startswith("论坛一支部") and notice["notice"]["attachment_count"] == 1
    assert notice["notice"]["author_id"] == world.id("sec1") and not notice["notice"]["read"]
    assert notice["notice"]["published_at"]

    # pages of two are disjoint and complete
    paged, cursor = [], ""
    while True:
        page = _home(world, "m3", page_size=2, cursor=cursor)
        assert len(page["items"]) <= 2
        paged += [_key(i) for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert paged == keys

    # read, it stays, marked read; the others' timelines hold what reached them only
    ok(world.post("m3", f"/notices/{to_b1}/read"))
    read = next(i for i in _home(world, "m3")["items"] if _key(i) == to_b1)
    assert read["notice"]["read"]
    m4 = {_key(i) for i in _home(world, "m4")["items"]}
    assert to_r in m4 and to_b2 in m4 and to_b1 not in m4
    sec2 = {_key(i) for i in _home(world, "sec2")["items"]}
    assert to_secretaries in sec2  # a notice to secretaries reaches B2's
    assert not {to_r, to_b1, to_b2, to_secretaries} & {_key(i) for i in _home(world, "s1")["items"]}
