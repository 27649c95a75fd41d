"""The knowledge base (知识管理) through the gateway, on the real stack: who writes, edits and reads articles;
versions, diffs and the version conflict; tags and categories; questions with an accepted answer; a forum
thread and a question turned into articles that credit their people; ratings and reuse counts; search
finding articles and questions (eventually) and losing them once removed. In a corner of the region of the
module's own (tests/e2e/content_corner.py):

    demo-committee
    ├── R  (general branch): secR (secretary)
    │   ├── B1 (branch): sec1 (secretary), m1, m2
    │   │   └── G1 (group): m3
    │   ├── B2 (branch): sec2 (secretary), m4
    │   └── B3 (branch): m5
    └── S  (general branch): secS (secretary), s1
    (nobody) loner
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e import content_corner
from tests.e2e.content_corner import World
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e

SEARCH_WAIT = 30.0


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack):
    yield from content_corner.build(gateway_url, identity_events, stack)


def _word() -> str:
    return "kb" + secrets.token_hex(4)  # one jieba token (letters and digits): found only where this test put it


def _article(world: World, who: str, org: str, **fields) -> dict:
    body = {"title": "发展党员工作经验", "body": "第一步，递交入党申请书。\n第二步，确定入党积极分子。", **fields}
    return ok(world.post(who, f"/orgs/{world.orgs[org]}/knowledge/articles", body), 201)


def _edit(world: World, who: str, article: dict, **fields):
    body = {k: article[k] for k in ("title", "body", "tags", "category_id")}
    return world.put(
        who, f"/knowledge/articles/{article['id']}", {"based_on_version": article["version"], **body, **fields}
    )


def _question(world: World, who: str, org: str, **fields) -> dict:
    body = {"title": "党费基数怎么算？", "text": "工资里有奖金，党费基数怎么算？", **fields}
    return ok(world.post(who, f"/orgs/{world.orgs[org]}/knowledge/questions", body), 201)


def _answer(world: World, who: str, question: dict, text: str) -> dict:
    return ok(world.post(who, f"/knowledge/questions/{question['id']}/answers", {"text": text}), 201)


def _ids(reply) -> set[str]:
    body = ok(reply)
    return {x["id"] for x in body.get("articles", body.get("questions", []))}


def _found(world: World, who: str, q: str, kind: str) -> list[str]:
    return [h["id"] for h in ok(world.get(who, "/search", q=q, kind=kind))["hits"]]


def _eventually_found(world: World, who: str, q: str, kind: str, check, what: str) -> list[str]:
    deadline = time.monotonic() + SEARCH_WAIT
    while not check(found := _found(world, who, q, kind)):
        assert time.monotonic() < deadline, f"{who} searching {q!r}: never {what}; last {found}"
        time.sleep(0.2)
    return found


# -- who writes, reads, edits ---------------------------------------------------------------------------


def test_who_may_write_in_an_orgs_knowledge_base(world):
    url = f"/orgs/{world.orgs['B1']}/knowledge/articles"
    body = {"title": "支部工作法", "body": "三会一课按时开。"}
    for who in ("m1", "m3", "sec1", "secR", "admin"):  # its members (G1 is below B1), its curators, the admin
        assert ok(world.post(who, url, body), 201)["org_id"] == world.orgs["B1"], who
    for who in ("m4", "sec2", "s1", "secS", "loner"):
        error(world.post(who, url, body), 403, "permission_denied", "org_id")
    error(world.post("other", url, body), 403, "wrong_region")
    error(world.post("m1", "/orgs/no-such-org/knowledge/articles", body), 404, "not_found", "org_id")
    error(world.post("m1", f"/orgs/{world.orgs['G1']}/knowledge/articles", body), 403, "permission_denied", "org_id")
    for who in ("m1", "m4", "loner"):  # questions alike
        reply = world.post(who, f"/orgs/{world.orgs['B1']}/knowledge/questions", {"title": "问", "text": "怎么办"})
        if who == "m1":
            ok(reply, 201)
        else:
            error(reply, 403, "permission_denied", "org_id")


def test_an_org_article_is_read_by_its_subtree_and_a_public_one_by_the_region(world):
    private = _article(world, "m1", "B1", title="支部内部经验")
    public = _article(world, "m2", "B1", title="全区共享经验", scope="public")
    assert private["scope"] == "org" and public["scope"] == "public" and private["version"] == 1
    matrix = {
        "m1": True,
        "m2": True,
        "m3": True,
        "sec1": True,
        "secR": True,  # a curator above reads the org's items
        "admin": True,
        "m4": False,
        "sec2": False,
        "s1": False,
        "secS": False,
        "loner": False,
    }
    for who, readable in matrix.items():
        reply = world.get(who, f"/knowledge/articles/{private['id']}")
        if readable:
            assert ok(reply)["body"] == private["body"], who
        else:
            error(reply, 404, "not_found", "article_id")
        assert ok(world.get(who, f"/knowledge/articles/{public['id']}"))["title"] == "全区共享经验", who
    error(world.get("other", f"/knowledge/articles/{public['id']}"), 403, "wrong_region")

    mine = _ids(world.get("m3", "/knowledge/articles", page_size=200))
    assert {private["id"], public["id"]} <= mine
    theirs = _ids(world.get("s1", "/knowledge/articles", page_size=200))
    assert public["id"] in theirs and private["id"] not in theirs
    of_b1 = _ids(world.get("m4", f"/orgs/{world.orgs['B1']}/knowledge/articles", page_size=200))
    assert public["id"] in of_b1 and private["id"] not in of_b1
    assert private["id"] in _ids(world.get("secR", f"/orgs/{world.orgs['B1']}/knowledge/articles", page_size=200))
    listed = next(
        a for a in ok(world.get("m1", "/knowledge/articles", page_size=200))["articles"] if a["id"] == private["id"]
    )
    assert listed["body"] == "" and listed["excerpt"].startswith("第一步") and listed["author_name"] == "m1"


def test_authors_edit_their_own_and_curators_any(world):
    article = _article(world, "m1", "B1")
    assert article["editable"]
    assert not ok(world.get("m2", f"/knowledge/articles/{article['id']}"))["editable"]
    error(_edit(world, "m2", article, body="别人改的"), 403, "permission_denied", "article_id")
    error(_edit(world, "m4", article, body="外人改的"), 404, "not_found", "article_id")  # can't even read it
    error(_edit(world, "sec2", article, body="邻居改的"), 404, "not_found", "article_id")
    article = ok(_edit(world, "m1", article, body="作者改的"))
    article = ok(_edit(world, "sec1", article, body="书记改的"))
    article = ok(_edit(world, "secR", article, body="总支书记改的"))
    assert (
        article["version"] == 4 and article["updated_by"] == world.id("secR") and article["author_id"] == world.id("m1")
    )

    error(world.delete("m2", f"/knowledge/articles/{article['id']}"), 403, "permission_denied", "article_id")
    ok(world.delete("sec1", f"/knowledge/articles/{article['id']}"))
    error(world.get("m1", f"/knowledge/articles/{article['id']}"), 404, "not_found", "article_id")
    error(_edit(world, "m1", article, body="已删除"), 404, "not_found", "article_id")
    assert article["id"] not in _ids(world.get("m1", f"/orgs/{world.orgs['B1']}/knowledge/articles", page_size=200))
    own = _article(world, "m2", "B1")
    ok(world.delete("m2", f"/knowledge/articles/{own['id']}"))  # an author removes their own
    world.events.wait_for(lambda m: m["type"] == "knowledge_article_removed" and m["data"]["article_id"] == own["id"])


# -- versions --------------------------------------------------------------------------------------------


def test_every_edit_is_a_version_with_a_diff(world):
    lines = [f"第{i}条：要求{i}" for i in range(1, 21)]
    article = _article(world, "m1", "B1", body="\n".join(lines), note="初稿")
    second = ok(_edit(world, "m1", article, body="\n".join(lines).replace("要求5", "新要求5"), note="改第五条"))
    third = ok(
        _edit(
            world, "sec1", second, title="发展党员工作经验（修订）", body=second["body"] + "\n第21条：补充", note="补充"
        )
    )
    assert (second["version"], third["version"]) == (2, 3)
    world.events.wait_for(
        lambda m: (
            m["type"] == "knowledge_article_edited"
            and m["data"]["article_id"] == article["id"]
            and m["data"]["version"] == 3
            and m["data"]["editor_id"] == world.id("sec1")
        )
    )
    same = ok(_edit(world, "sec1", third, note="没改什么"))  # nothing changed: no version
    assert same["version"] == 3

    versions = ok(world.get("m2", f"/knowledge/articles/{article['id']}/versions"))
    assert versions["current"] == 3
    assert [(v["number"], v["note"], v["editor_name"], v["body"]) for v in versions["versions"]] == [
        (3, "补充", "sec1", ""),
        (2, "改第五条", "m1", ""),
        (1, "初稿", "m1", ""),
    ]
    first = ok(world.get("m2", f"/knowledge/articles/{article['id']}/versions/1"))
    assert first["body"] == "\n".join(lines) and first["title"] == "发展党员工作经验"
    page = ok(world.get("m2", f"/knowledge/articles/{article['id']}/versions", page_size=2))
    rest = ok(world.get("m2", f"/knowledge/articles/{article['id']}/versions", page_size=2, cursor=page["next_cursor"]))
    assert [v["number"] for v in page["versions"] + rest["versions"]] == [3, 2, 1] and rest["next_cursor"] == ""

    latest = ok(world.get("m3", f"/knowledge/articles/{article['id']}/diff"))  # 2 → 3
    assert (latest["from_version"]["number"], latest["to_version"]["number"]) == (2, 3)
    assert latest["to_version"]["title"] == "发展党员工作经验（修订）"
    [hunk] = latest["hunks"]
    assert [(x["op"], x["text"]) for x in hunk["lines"]] == [
        ("kept", "第18条：要求18"),
        ("kept", "第19条：要求19"),
        ("kept", "第20条：要求20"),
        ("added", "第21条：补充"),
    ]
    assert (hunk["old_start"], hunk["old_lines"], hunk["new_start"], hunk["new_lines"]) == (18, 3, 18, 4)
    whole = ok(world.get("m3", f"/knowledge/articles/{article['id']}/diff", from_version=1, to_version=3))
    changed = [(x["op"], x["text"]) for h in whole["hunks"] for x in h["lines"] if x["op"] != "kept"]
    assert changed == [("removed", "第5条：要求5"), ("added", "第5条：新要求5"), ("added", "第21条：补充")]
    assert len(whole["hunks"]) == 2  # far apart: each change with its own context

    error(world.get("m3", f"/knowledge/articles/{article['id']}/diff", to_version=9), 404, "not_found", "to_version")
    error(world.get("m3", f"/knowledge/articles/{article['id']}/versions/9"), 404, "not_found", "number")
    error(world.get("m3", f"/knowledge/articles/{article['id']}/versions/0"), 400, "invalid_argument", "number")
    error(world.get("m4", f"/knowledge/articles/{article['id']}/versions"), 404, "not_found", "article_id")
    error(world.get("m4", f"/knowledge/articles/{article['id']}/diff"), 404, "not_found", "article_id")


def test_an_edit_made_from_an_older_version_is_refused(world):
    article = _article(world, "m1", "B1", body="原文")
    read_by_m1 = ok(world.get("m1", f"/knowledge/articles/{article['id']}"))
    read_by_sec1 = ok(world.get("sec1", f"/knowledge/articles/{article['id']}"))
    ok(_edit(world, "m1", read_by_m1, body="作者的修改"))
    conflict = error(
        _edit(world, "sec1", read_by_sec1, body="书记的修改"), 409, "failed_precondition", "based_on_version"
    )
    assert "2" in conflict["message"]  # the current version, so the editor knows to reload
    now = ok(world.get("m1", f"/knowledge/articles/{article['id']}"))
    assert now["body"] == "作者的修改" and now["version"] == 2  # nothing was overwritten
    error(_edit(world, "sec1", read_by_sec1, based_on_version=0), 400, "invalid_argument", "based_on_version")

    # two editors at the same moment, both from version 2: exactly one wins
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda who: _edit(world, who, now, body=f"{who}同时修改"), ["m1", "sec1"]))
    assert sorted(r.status_code for r in replies) == [200, 409], [r.text for r in replies]
    after = ok(world.get("m2", f"/knowledge/articles/{article['id']}"))
    winner = next(r.json() for r in replies if r.status_code == 200)
    assert after["version"] == 3 and after["body"] == winner["body"]
    assert [v["number"] for v in ok(world.get("m2", f"/knowledge/articles/{article['id']}/versions"))["versions"]] == [
        3,
        2,
        1,
    ]


# -- tags and categories -------------------------------------------------------------------------------


def test_tags_are_normalized_and_listed_by(world):
    word = _word()
    article = _article(world, "m1", "B1", tags=[f" {word} ", f"#{word.upper()}", "ＡＩ", "党建"], scope="public")
    assert article["tags"] == [word, "ai", "党建"]
    assert _ids(world.get("s1", "/knowledge/articles", tag=f"#{word}")) == {article["id"]}
    assert _ids(world.get("s1", f"/orgs/{world.orgs['B1']}/knowledge/articles", tag=word)) == {article["id"]}
    assert _ids(world.get("s1", f"/orgs/{world.orgs['B2']}/knowledge/articles", tag=word)) == set()
    url = f"/orgs/{world.orgs['B1']}/knowledge/articles"
    error(
        world.post("m1", url, {"title": "t", "body": "b", "tags": [f"t{i}" for i in range(11)]}),
        400,
        "invalid_argument",
        "tags",
    )
    error(
        world.post("m1", url, {"title": "t", "body": "b", "tags": ["好", "长" * 21]}),
        400,
        "invalid_argument",
        "tags[1]",
    )


def test_categories_are_the_curators_and_go_only_when_unused(world):
    url = f"/orgs/{world.orgs['B1']}/knowledge/categories"
    name = f"工作经验{secrets.token_hex(2)}"
    category = ok(world.post("sec1", url, {"name": name}), 201)
    other = ok(world.post("secR", url, {"name": f"规章制度{secrets.token_hex(2)}"}), 201)
    error(world.post("m1", url, {"name": "党员建的"}), 403, "permission_denied", "org_id")
    error(world.post("sec2", url, {"name": "邻居建的"}), 403, "permission_denied", "org_id")
    error(world.post("sec1", url, {"name": f"  {name} "}), 409, "already_exists", "name")
    error(world.post("sec1", url, {"name": ""}), 400, "invalid_argument", "name")

    article = _article(world, "m1", "B1", category_id=category["id"])
    assert article["category_name"] == name
    listed = {c["id"]: c for c in ok(world.get("m4", url))["categories"]}
    assert listed[category["id"]]["articles"] == 1 and listed[other["id"]]["articles"] == 0
    in_category = world.get("m2", f"/orgs/{world.orgs['B1']}/knowledge/articles", category_id=category["id"])
    assert _ids(in_category) == {article["id"]}
    error(world.delete("sec1", f"/knowledge/categories/{category['id']}"), 409, "failed_precondition", "category_id")
    error(world.delete("m1", f"/knowledge/categories/{other['id']}"), 403, "permission_denied", "category_id")
    error(
        world.post(
            "sec2",
            f"/orgs/{world.orgs['B2']}/knowledge/articles",
            {"title": "t", "body": "b", "category_id": category["id"]},
        ),
        404,
        "not_found",
        "category_id",
    )  # another org's category
    by_both = world.get("m1", f"/orgs/{world.orgs['B1']}/knowledge/articles", tag="党建", category_id=category["id"])
    error(by_both, 400, "invalid_argument", "tag")  # one filter at a time

    renamed = ok(world.patch("sec1", f"/knowledge/categories/{category['id']}", {"name": f"{name}（新）"}))
    assert renamed["name"] == f"{name}（新）"
    moved = ok(_edit(world, "m1", article, category_id=other["id"]))
    assert moved["category_name"] == other["name"]
    ok(world.delete("sec1", f"/knowledge/categories/{category['id']}"))  # unused now
    assert category["id"] not in {c["id"] for c in ok(world.get("m1", url))["categories"]}
    ok(world.delete("m1", f"/knowledge/articles/{moved['id']}"))
    ok(world.delete("sec1", f"/knowledge/categories/{other['id']}"))  # its only article was removed


# -- questions and answers -------------------------------------------------------------------------------


def test_questions_answers_and_the_accepted_answer(world):
    question = _question(world, "m1", "B1")
    assert question["manageable"] and question["answer_count"] == 0 and question["accepted_answer"] is None
    error(world.get("m4", f"/knowledge/questions/{question['id']}"), 404, "not_found", "question_id")
    error(world.post("m4", f"/knowledge/questions/{question['id']}/answers", {"text": "外人答"}), 404, "not_found")
    first = _answer(world, "m2", question, "按月工资算。")
    second = _answer(world, "m3", question, "奖金不计入基数。")
    third = _answer(world, "sec1", question, "以上一年度为准。")
    world.events.wait_for(lambda m: m["type"] == "knowledge_answer_added" and m["data"]["answer_id"] == third["id"])

    url = f"/knowledge/questions/{question['id']}/accepted"
    error(world.put("m2", url, {"answer_id": second["id"]}), 403, "permission_denied", "question_id")
    accepted = ok(world.put("m1", url, {"answer_id": second["id"]}))
    assert accepted["accepted_answer_id"] == second["id"] and accepted["accepted_answer"]["text"] == "奖金不计入基数。"
    world.events.wait_for(
        lambda m: (
            m["type"] == "knowledge_answer_accepted"
            and m["data"]["answer_id"] == second["id"]
            and m["data"]["answer_author_id"] == world.id("m3")
        )
    )
    changed = ok(world.put("m1", url, {"answer_id": first["id"]}))  # the asker changes their mind
    assert changed["accepted_answer"]["author_name"] == "m2"
    assert ok(world.put("sec1", url, {"answer_id": third["id"]}))["accepted_answer_id"] == third["id"]  # a curator

    answers = ok(world.get("m2", f"/knowledge/questions/{question['id']}/answers"))["answers"]
    assert [(a["id"], a["accepted"]) for a in answers] == [
        (first["id"], False),
        (second["id"], False),
        (third["id"], True),
    ]
    assert [a["removable"] for a in answers] == [True, False, False]  # m2's own only

    elsewhere = _question(world, "m2", "B1", title="另一个问题")
    error(
        world.put("m1", url, {"answer_id": _answer(world, "m1", elsewhere, "无关")["id"]}),
        404,
        "not_found",
        "answer_id",
    )
    error(world.delete("m2", f"/knowledge/answers/{third['id']}"), 403, "permission_denied", "answer_id")
    ok(world.delete("sec1", f"/knowledge/answers/{third['id']}"))  # the accepted one goes: nothing is accepted
    now = ok(world.get("m1", f"/knowledge/questions/{question['id']}"))
    assert now["answer_count"] == 2 and now["accepted_answer_id"] == "" and now["accepted_answer"] is None

    listed = ok(world.get("m3", f"/orgs/{world.orgs['B1']}/knowledge/questions", page_size=200))["questions"]
    assert question["id"] in {q["id"] for q in listed} and all(q["text"] == "" for q in listed)
    assert question["id"] not in _ids(world.get("m4", "/knowledge/questions", page_size=200))
    error(world.delete("m2", f"/knowledge/questions/{question['id']}"), 403, "permission_denied", "question_id")
    ok(world.delete("m1", f"/knowledge/questions/{question['id']}"))
    error(world.get("m1", f"/knowledge/questions/{question['id']}"), 404, "not_found", "question_id")


# -- discussions made into articles ----------------------------------------------------------------------


def _thread(world: World, title: str, replies: list[tuple[str, str]]) -> tuple[dict, list[dict]]:
    board = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/boards", {"name": f"经验交流{secrets.token_hex(2)}"}), 201)
    thread = ok(
        world.post(
            "m1", f"/boards/{board['id']}/threads", {"title": title, "text": "我下个月调动工作，组织关系怎么转？"}
        ),
        201,
    )
    made = [ok(world.post(who, f"/threads/{thread['id']}/replies", {"text": text}), 201) for who, text in replies]
    return thread, made


def test_a_forum_thread_becomes_an_article_that_credits_its_people(world):
    thread, replies = _thread(
        world,
        "组织关系转接怎么办",
        [("m2", "先开具介绍信。"), ("m3", "再到新支部报到。"), ("m2", "党费交到转出当月。")],
    )
    url = f"/orgs/{world.orgs['B1']}/knowledge/articles/from-thread"
    article = ok(world.post("sec1", url, {"thread_id": thread["id"], "tags": ["组织关系"]}), 201)
    assert article["title"] == "组织关系转接怎么办" and article["author_id"] == world.id("sec1")
    assert article["sources"] == [{"kind": "thread", "id": thread["id"], "title": "组织关系转接怎么办"}]
    assert [(c["display_name"], c["contributions"]) for c in article["contributors"]] == [
        ("m1", ["thread"]),
        ("m2", ["reply"]),
        ("m3", ["reply"]),
    ]
    body = article["body"]
    assert body.startswith("> 整理自论坛帖子「组织关系转接怎么办」")
    positions = [body.index(x) for x in ("组织关系怎么转", "先开具介绍信", "再到新支部报到", "党费交到转出当月")]
    assert positions == sorted(positions) and "### m3（回复）" in body
    world.events.wait_for(
        lambda m: (
            m["type"] == "knowledge_article_published"
            and m["data"]["article_id"] == article["id"]
            and m["data"]["sources"] == [{"kind": "thread", "id": thread["id"]}]
            and [c["account_id"] for c in m["data"]["contributors"]] == [world.id("m1"), world.id("m2"), world.id("m3")]
        )
    )
    assert ok(world.get("m3", f"/knowledge/articles/{article['id']}"))["contributors"] == article["contributors"]

    error(world.post("sec1", url, {"thread_id": thread["id"]}), 409, "already_exists", "thread_id")  # once an org
    error(
        world.post("m2", url, {"thread_id": thread["id"]}), 403, "permission_denied", "org_id"
    )  # nor curator nor author
    error(world.post("s1", url, {"thread_id": thread["id"]}), 404, "not_found", "thread_id")  # can't read it
    wider = f"/orgs/{world.orgs['R']}/knowledge/articles/from-thread"
    error(world.post("secR", wider, {"thread_id": thread["id"]}), 409, "failed_precondition", "scope")
    error(world.post("secR", url, {"thread_id": thread["id"], "scope": "public"}), 409, "failed_precondition", "scope")

    # its own author, where they write, with the replies they choose and a title of their own
    other, (first, second) = _thread(world, "介绍信去哪开", [("m2", "去组织部。"), ("sec1", "党委办公室也可以。")])
    error(
        world.post("m1", url, {"thread_id": other["id"], "reply_ids": ["0" * 24]}),
        400,
        "invalid_argument",
        "reply_ids[0]",
    )
    mine = ok(
        world.post("m1", url, {"thread_id": other["id"], "reply_ids": [second["id"]], "title": "开介绍信的地方"}), 201
    )
    assert mine["title"] == "开介绍信的地方" and "去组织部" not in mine["body"] and "党委办公室也可以" in mine["body"]
    assert [(c["account_id"], c["contributions"]) for c in mine["contributors"]] == [
        (world.id("m1"), ["thread"]),
        (world.id("sec1"), ["reply"]),
    ]
    ok(world.delete("sec1", f"/knowledge/articles/{article['id']}"))  # removed: the thread may be made again
    again = ok(world.post("sec1", url, {"thread_id": thread["id"], "reply_ids": [replies[0]["id"]]}), 201)
    assert [c["display_name"] for c in again["contributors"]] == ["m1", "m2"]


def test_a_question_becomes_an_article_with_the_accepted_answer_first(world):
    question = _question(world, "m1", "B1", tags=["党费"], title="党费基数怎么定")
    plain = _answer(world, "m2", question, "按月工资算。")
    best = _answer(world, "m3", question, "奖金不计入，以税前工资为准。")
    ok(world.put("m1", f"/knowledge/questions/{question['id']}/accepted", {"answer_id": best["id"]}))
    url = f"/orgs/{world.orgs['B1']}/knowledge/articles/from-question"
    error(world.post("m3", url, {"question_id": question["id"]}), 403, "permission_denied", "org_id")
    article = ok(world.post("sec1", url, {"question_id": question["id"]}), 201)
    assert article["title"] == "党费基数怎么定" and article["tags"] == ["党费"]  # the question's
    assert article["sources"] == [{"kind": "question", "id": question["id"], "title": "党费基数怎么定"}]
    body = article["body"]
    assert body.index("工资里有奖金") < body.index("m3（采纳的回答）") < body.index("m2（回答）")
    assert [(c["display_name"], c["contributions"]) for c in article["contributors"]] == [
        ("m1", ["question"]),
        ("m3", ["accepted_answer"]),
        ("m2", ["answer"]),
    ]
    error(world.post("sec1", url, {"question_id": question["id"]}), 409, "already_exists", "question_id")
    only = ok(
        world.post(
            "secR",
            f"/orgs/{world.orgs['G1']}/knowledge/articles/from-question",  # an org of the question's subtree
            {"question_id": question["id"], "answer_ids": [plain["id"]], "tags": ["党费", "经验"]},
        ),
        201,
    )
    assert "奖金不计入" not in only["body"] and only["tags"] == ["党费", "经验"]
    assert [c["display_name"] for c in only["contributors"]] == ["m1", "m2"]


# -- ratings and reuse -------------------------------------------------------------------------------------


def test_ratings_average_once_a_person_and_reuse_counts_once(world):
    article = _article(world, "m1", "B1", scope="public")
    url = f"/knowledge/articles/{article['id']}"
    assert ok(world.put("m2", f"{url}/rating", {"stars": 4}))["my_rating"] == 4
    rated = ok(world.put("m3", f"{url}/rating", {"stars": 5}))
    assert (rated["rating_average"], rated["rating_count"]) == (4.5, 2)
    again = ok(world.put("m2", f"{url}/rating", {"stars": 2}))  # a change of mind, not a second vote
    assert (again["rating_average"], again["rating_count"], again["my_rating"]) == (3.5, 2, 2)
    ok(world.put("s1", f"{url}/rating", {"stars": 3}))  # a public article: anyone in the region rates it
    error(world.put("m1", f"{url}/rating", {"stars": 5}), 409, "failed_precondition", "article_id")  # its author
    for stars in (0, 6):
        error(world.put("m2", f"{url}/rating", {"stars": stars}), 400, "invalid_argument", "stars")
    seen = ok(world.get("m4", url))
    assert (seen["rating_average"], seen["rating_count"], seen["my_rating"]) == (3.33, 3, 0)

    first = ok(world.post("m2", f"{url}/reuses"))
    assert first["reuse_count"] == 1 and first["reused_by_me"]
    assert ok(world.post("m2", f"{url}/reuses"))["reuse_count"] == 1  # idempotent
    with ThreadPoolExecutor(4) as pool:  # the same person, several clicks at once
        replies = list(pool.map(lambda _: world.post("m3", f"{url}/reuses"), range(4)))
    assert all(r.status_code == 200 for r in replies), [r.text for r in replies]
    now = ok(world.get("m1", url))
    assert now["reuse_count"] == 2 and not now["reused_by_me"]
    error(world.post("m1", f"{url}/reuses"), 409, "failed_precondition", "article_id")
    private = _article(world, "m1", "B1")
    error(world.put("m4", f"/knowledge/articles/{private['id']}/rating", {"stars": 5}), 404, "not_found", "article_id")
    error(world.post("m4", f"/knowledge/articles/{private['id']}/reuses"), 404, "not_found", "article_id")


# -- search ----------------------------------------------------------------------------------------------


def test_search_finds_articles_and_questions_for_their_readers_until_removed(world):
    word, edited_word = _word(), _word()
    article = _article(world, "m1", "B1", title=f"支部经验 {word}", tags=["经验"])
    _eventually_found(world, "m3", word, "article", lambda f: f == [article["id"]], "found the article")
    assert _found(world, "m4", word, "article") == []  # not of its subtree
    assert _found(world, "m3", word, "question") == []
    hit = ok(world.get("m3", "/search", q=word, kind="article"))["hits"][0]
    assert hit["kind"] == "article" and f"<em>{word}</em>" in hit["title_html"] and hit["org_id"] == world.orgs["B1"]

    ok(_edit(world, "m1", article, body=f"修订后的正文 {edited_word}"))
    _eventually_found(world, "m3", edited_word, "article", lambda f: f == [article["id"]], "found the edit")
    ok(world.delete("m1", f"/knowledge/articles/{article['id']}"))
    _eventually_found(world, "m3", word, "article", lambda f: f == [], "lost the removed article")

    ask, answer_word = _word(), _word()
    question = _question(world, "m1", "B1", title=f"请教 {ask}", scope="public")
    answer = _answer(world, "m2", question, f"我的做法 {answer_word}")
    _eventually_found(world, "s1", answer_word, "question", lambda f: f == [question["id"]], "found it by its answer")
    assert _found(world, "s1", ask, "question") == [question["id"]]
    ok(world.delete("m2", f"/knowledge/answers/{answer['id']}"))
    _eventually_found(world, "s1", answer_word, "question", lambda f: f == [], "lost the removed answer")
    ok(world.delete("sec1", f"/knowledge/questions/{question['id']}"))
    _eventually_found(world, "s1", ask, "question", lambda f: f == [], "lost the removed question")


# -- bad input --------------------------------------------------------------------------------------------


def test_a_long_article_passes_the_gateway_and_a_longer_one_is_named(world):
    url = f"/orgs/{world.orgs['B1']}/knowledge/articles"
    long = ok(world.post("m1", url, {"title": "长文", "body": "党" * 50_000}), 201)  # 150 KB of JSON at least
    assert len(ok(world.get("m2", f"/knowledge/articles/{long['id']}"))["body"]) == 50_000
    error(world.post("m1", url, {"title": "长文", "body": "党" * 50_001}), 400, "invalid_argument", "body")
    error(_edit(world, "m1", long, body="党" * 50_001), 400, "invalid_argument", "body")
    question = {"title": "长问题", "text": "党" * 30_000}  # other routes keep the 64 KiB of JSON
    error(world.post("m1", f"/orgs/{world.orgs['B1']}/knowledge/questions", question), 413, "payload_too_large")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "body": "正文"}, "title"),
        ({"title": "题" * 101, "body": "正文"}, "title"),
        ({"title": "标题", "body": "   "}, "body"),
        ({"title": "标题", "body": "正文", "scope": "friends"}, "scope"),
        ({"title": "标题", "body": "正文", "note": "注" * 201}, "note"),
        ({"title": "标题", "body": "正文", "unknown": 1}, "unknown"),
    ],
)
def test_bad_article_input_names_the_field(world, body, field):
    error(world.post("m1", f"/orgs/{world.orgs['B1']}/knowledge/articles", body), 400, "invalid_argument", field)


def test_bad_references_name_the_field(world):
    error(world.get("m1", "/knowledge/articles/not-an-id"), 404, "not_found", "article_id")
    error(world.get("m1", "/knowledge/questions/" + "0" * 24), 404, "not_found", "question_id")
    error(
        world.post("m1", "/knowledge/questions/" + "0" * 24 + "/answers", {"text": "答"}),
        404,
        "not_found",
        "question_id",
    )
    question = _question(world, "m1", "B1")
    error(
        world.post("m2", f"/knowledge/questions/{question['id']}/answers", {"text": " "}),
        400,
        "invalid_argument",
        "text",
    )
    error(
        world.post("m1", f"/orgs/{world.orgs['B1']}/knowledge/questions", {"title": "问", "text": ""}),
        400,
        "invalid_argument",
        "text",
    )
    error(
        world.post("sec1", f"/orgs/{world.orgs['B1']}/knowledge/articles/from-question", {"question_id": "nope"}),
        404,
        "not_found",
        "question_id",
    )
    error(world.get("m1", "/knowledge/articles", page_size=10, cursor="bad"), 400, "invalid_argument", "cursor")
    article = _article(world, "m1", "B1")
    error(
        world.get("m1", f"/knowledge/articles/{article['id']}/versions", cursor="x"), 400, "invalid_argument", "cursor"
    )
    error(
        world.get("m1", f"/orgs/{world.orgs['B1']}/knowledge/articles", category_id="0" * 24),
        404,
        "not_found",
        "category_id",
    )


def test_the_asker_hears_of_answers_and_the_answerer_of_acceptance(world):
    question = _question(world, "m1", "B1", title="流动党员怎么交党费？")
    answer = _answer(world, "m3", question, "可以通过线上缴纳。")

    def notes(who: str, kind: str) -> list[dict]:
        found = ok(world.get(who, "/notifications", page_size=100))["notifications"]
        return [n for n in found if n["kind"] == kind and n["ref_id"] == question["id"]]

    told = content_corner.eventually(lambda: notes("m1", "answer"), "the asker told")[0]
    assert told["ref_kind"] == "question" and told["body"] == "可以通过线上缴纳。" and told["actor_name"] == "m3"
    assert not notes("m3", "answer")  # nobody is told of their own answer
    ok(world.put("m1", f"/knowledge/questions/{question['id']}/accepted", {"answer_id": answer["id"]}))
    accepted = content_corner.eventually(lambda: notes("m3", "answer_accepted"), "the answerer told")[0]
    assert accepted["title"] == "你的回答被采纳了"
