"""Education (党员教育) through the gateway, on the real stack: courses and lessons, assignments and completion
reports, question banks and exams (randomized papers, time limits, retakes), study points with daily caps,
leaderboards. In a corner of the region of the module's own (tests/e2e/content_corner.py):

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

import datetime as dt

import pytest
from bson import ObjectId

from tests.e2e import content_corner
from tests.e2e.content_corner import World
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack):
    yield from content_corner.build(gateway_url, identity_events, stack)


def _lessons(n: int, prefix: str = "第") -> list[dict]:
    return [{"title": f"{prefix}{i + 1}课", "kind": "text", "body": "学习党章，重温入党誓词。"} for i in range(n)]


def _course(world: World, who: str, org: str, lessons: int = 2, publish: bool = True, **fields) -> dict:
    body = {"title": "学习贯彻党的二十大精神", "summary": "专题学习", "lessons": _lessons(lessons), **fields}
    course = ok(world.post(who, f"/orgs/{world.orgs[org]}/courses", body), 201)
    if publish:
        course = ok(world.post(who, f"/courses/{course['id']}/publish"))
    return course


def _later(days: float = 7) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


def _complete(world: World, who: str, course: dict, lesson: int) -> dict:
    lesson_id = course["lessons"][lesson]["id"]
    return ok(world.post(who, f"/courses/{course['id']}/lessons/{lesson_id}/complete"))


def _points(world: World, who: str) -> dict[str, int]:
    return {t["period"]: t["points"] for t in ok(world.get(who, "/study-points"))["totals"]}


# -- courses --------------------------------------------------------------------------------------------


def test_who_may_publish_a_course_and_who_reads_it(world):
    url = f"/orgs/{world.orgs['B1']}/courses"
    body = {"title": "支部课程", "lessons": _lessons(1)}
    draft = ok(world.post("sec1", url, body), 201)
    assert draft["state"] == "draft" and draft["manageable"] and len(draft["lessons"][0]["id"]) == 12
    ok(world.post("secR", url, body), 201)  # an ancestor's committee
    for who in ("secS", "sec2", "m1", "loner"):
        error(world.post(who, url, body), 403, "permission_denied")
    error(world.post("other", url, body), 403, "wrong_region")

    error(world.get("m1", f"/courses/{draft['id']}"), 404, "not_found", "course_id")  # a draft: managers only
    ok(world.get("secR", f"/courses/{draft['id']}"))
    empty = ok(world.post("sec1", url, {"title": "空课程"}), 201)
    error(world.post("sec1", f"/courses/{empty['id']}/publish"), 409, "failed_precondition", "lessons")

    published = ok(world.post("sec1", f"/courses/{draft['id']}/publish"))
    assert published["state"] == "published"
    for who, readable in [("m1", True), ("m3", True), ("secR", True), ("m4", False), ("s1", False), ("loner", False)]:
        reply = world.get(who, f"/courses/{draft['id']}")
        if readable:
            assert ok(reply)["progress"] == {
                "lessons_done": 0,
                "lessons": 1,
                "percent": 0,
                "exam_passed": False,
                "finished": False,
                "finished_at": None,
            }
        else:
            error(reply, 404, "not_found", "course_id")
    assert draft["id"] in {c["id"] for c in ok(world.get("m3", "/courses", page_size=200))["courses"]}
    assert draft["id"] not in {c["id"] for c in ok(world.get("m4", "/courses", page_size=200))["courses"]}

    public = _course(world, "sec2", "B2", scope="public", title="全区公开课")
    assert public["id"] in {c["id"] for c in ok(world.get("s1", "/courses", page_size=200))["courses"]}
    ok(world.get("loner", f"/courses/{public['id']}"))


def test_editing_keeps_progress_of_the_lessons_kept(world):
    course = _course(world, "sec1", "B1", lessons=3)
    _complete(world, "m2", course, 0)
    _complete(world, "m2", course, 1)
    kept = course["lessons"][0]
    lessons = [
        {**{k: kept[k] for k in ("id", "title", "kind", "body")}, "title": "第一课（修订）"},
        {"title": "新增视频课", "kind": "video", "media_id": "vid-123", "minutes": 20},
    ]
    edited = ok(world.put("sec1", f"/courses/{course['id']}", {"title": course["title"], "lessons": lessons}))
    assert [x["id"] for x in edited["lessons"]][0] == kept["id"] and edited["lessons"][1]["id"] != kept["id"]
    mine = ok(world.get("m2", f"/courses/{course['id']}"))
    assert mine["progress"]["lessons_done"] == 1 and mine["progress"]["lessons"] == 2  # the removed lesson is gone
    assert [x["done"] for x in mine["lessons"]] == [True, False]

    bad = world.put("sec1", f"/courses/{course['id']}", {"title": "x", "lessons": [{"id": "nope", "title": "t"}]})
    error(bad, 400, "invalid_argument", "lessons[0].id")
    no_media = world.put(
        "sec1", f"/courses/{course['id']}", {"title": "x", "lessons": [{"title": "t", "kind": "audio"}]}
    )
    error(no_media, 400, "invalid_argument", "lessons[0].media_id")
    error(world.put("m1", f"/courses/{course['id']}", {"title": "x", "lessons": lessons}), 403, "permission_denied")


def test_lessons_pay_once_and_a_finished_course_pays_its_own(world):
    course = _course(world, "sec1", "B1", lessons=2)
    before = _points(world, "m2")
    first = _complete(world, "m2", course, 0)
    assert first["points"] == 1 and first["progress"]["percent"] == 50 and not first["progress"]["finished"]
    again = _complete(world, "m2", course, 0)
    assert again["points"] == 0 and again["progress"]["lessons_done"] == 1  # done before: nothing pays
    last = _complete(world, "m2", course, 1)
    assert last["points"] == 1 + 5 and last["progress"]["finished"] and last["progress"]["finished_at"]
    after = _points(world, "m2")
    assert all(after[p] - before[p] == 7 for p in ("week", "month", "year", "all")), (before, after)
    history = ok(world.get("m2", "/study-points/history", page_size=3))["awards"]
    assert [(a["rule"], a["points"]) for a in history] == [
        ("course_completed", 5),
        ("lesson_completed", 1),
        ("lesson_completed", 1),
    ]
    error(world.post("m4", f"/courses/{course['id']}/lessons/{course['lessons'][0]['id']}/complete"), 404, "not_found")
    error(world.post("m2", f"/courses/{course['id']}/lessons/nope/complete"), 404, "not_found", "lesson_id")


def test_the_daily_cap_stops_point_farming(world):
    course = _course(world, "sec1", "B1", lessons=12, title="十二课时")
    today = {r["name"]: r["points"] for r in ok(world.get("m1", "/study-points"))["today"]}
    room = 10 - today.get("lesson_completed", 0)  # the default rule: 1 point a lesson, 10 a day
    earned = [_complete(world, "m1", course, i)["points"] for i in range(12)]
    lesson_points = earned[:11] + [earned[11] - 5]  # the last lesson also finishes the course (5, its own cap)
    assert sum(lesson_points) == max(0, room) and all(p in (0, 1) for p in lesson_points)
    assert lesson_points == sorted(lesson_points, reverse=True)  # paid until the cap, then nothing
    capped = ok(world.get("m1", "/study-points/history", page_size=50))["awards"]
    assert any(a["rule"] == "lesson_completed" and a["requested"] == 1 and a["points"] == 0 for a in capped)
    today = {r["name"]: r["points"] for r in ok(world.get("m1", "/study-points"))["today"]}
    assert today["lesson_completed"] == 10


def test_leaderboards_per_org_and_who_sees_them(world):
    course = _course(world, "sec2", "B2", lessons=1)
    _complete(world, "m4", course, 0)
    board = ok(world.get("m4", f"/orgs/{world.orgs['B2']}/leaderboard", period="week"))
    assert board["rows"][0]["account_id"] == world.id("m4") and board["mine"]["rank"] == 1
    assert board["rows"][0]["display_name"]
    region = ok(world.get("secR", f"/orgs/{world.orgs['R']}/leaderboard", period="all", limit=100))
    ranked = {r["account_id"]: r for r in region["rows"]}
    assert world.id("m4") in ranked and world.id("m2") in ranked  # points count on every org of the path
    points = [r["points"] for r in region["rows"]]
    assert points == sorted(points, reverse=True)
    assert ok(world.get("s1", f"/orgs/{world.orgs['S']}/leaderboard"))["mine"]["rank"] == 0  # no points yet
    error(world.get("m4", f"/orgs/{world.orgs['B1']}/leaderboard"), 403, "permission_denied", "org_id")
    error(world.get("m4", f"/orgs/{world.orgs['B2']}/leaderboard", period="decade"), 400, "invalid_argument", "period")


def test_only_region_admins_change_the_rules(world):
    error(world.put("secR", "/study-rules/lesson_completed", {"points": 2, "daily_cap": 10}), 403, "permission_denied")
    error(world.put("admin", "/study-rules/likes", {"points": 2, "daily_cap": 10}), 400, "invalid_argument", "name")
    error(world.put("admin", "/study-rules/exam_score", {"points": 101, "daily_cap": 10}), 400, "invalid_argument")
    rules = {r["name"]: r for r in ok(world.get("m1", "/study-points"))["rules"]}
    current = rules["course_completed"]
    changed = ok(world.put("admin", "/study-rules/course_completed", {"points": 6, "daily_cap": 30}))
    assert changed == {"name": "course_completed", "points": 6, "daily_cap": 30}
    try:
        rules = {r["name"]: r for r in ok(world.get("m1", "/study-points"))["rules"]}
        assert rules["course_completed"]["points"] == 6
    finally:
        ok(world.put("admin", "/study-rules/course_completed", {k: current[k] for k in ("points", "daily_cap")}))


# -- assignments and completion reports -----------------------------------------------------------------


def test_an_assignment_reaches_the_subtree_and_the_report_counts_finishers(world):
    course = _course(world, "secR", "R", lessons=1, title="总支必修课")
    url = f"/courses/{course['id']}/assignments"
    error(world.post("sec1", url, {"org_id": world.orgs["R"], "deadline": _later()}), 403, "permission_denied")
    error(world.post("secR", url, {"org_id": world.orgs["R"], "deadline": _later(-1)}), 400, "invalid_argument")
    assignment = ok(world.post("secR", url, {"org_id": world.orgs["R"], "deadline": _later()}), 201)
    again = world.post("secR", url, {"org_id": world.orgs["R"], "deadline": _later()})
    error(again, 409, "already_exists", "org_id")
    world.events.wait_for(lambda m: m["type"] == "course_assigned" and m["data"]["assignment_id"] == assignment["id"])
    b1_course = _course(world, "sec1", "B1", lessons=1)
    outside = world.post(
        "secS", f"/courses/{b1_course['id']}/assignments", {"org_id": world.orgs["S"], "deadline": _later()}
    )
    error(outside, 409, "failed_precondition", "org_id")  # S's members can't read B1's course

    for who in ("m3", "m4", "m5", "sec1"):
        mine = {a["id"]: a for a in ok(world.get(who, "/education/assignments"))["assignments"]}
        assert assignment["id"] in mine and not mine[assignment["id"]]["overdue"]
    assert assignment["id"] not in {a["id"] for a in ok(world.get("s1", "/education/assignments"))["assignments"]}

    _complete(world, "m4", course, 0)
    world.events.wait_for(
        lambda m: (
            m["type"] == "course_finished"
            and m["data"]["account_id"] == world.id("m4")
            and m["data"]["course_id"] == course["id"]
        )
    )
    report = ok(world.get("secR", f"/education/assignments/{assignment['id']}/report"))
    assert report["summary"]["org_id"] == world.orgs["R"] and report["summary"]["members"] == 8
    assert report["summary"]["finished"] == 1
    below = {r["org_id"]: (r["members"], r["finished"]) for r in report["below"]}
    assert below == {world.orgs["B1"]: (4, 0), world.orgs["B2"]: (2, 1), world.orgs["B3"]: (1, 0)}

    unfinished = ok(world.get("secR", f"/education/assignments/{assignment['id']}/unfinished", page_size=200))
    assert {m["account_id"] for m in unfinished["members"]} == world.ids("secR", "sec1", "m1", "m2", "m3", "sec2", "m5")
    paged, cursor = [], ""
    while True:
        page = ok(
            world.get("secR", f"/education/assignments/{assignment['id']}/unfinished", page_size=3, cursor=cursor)
        )
        paged += [m["account_id"] for m in page["members"]]
        if not (cursor := page["next_cursor"]):
            break
    assert paged == sorted(paged) and set(paged) == world.ids("secR", "sec1", "m1", "m2", "m3", "sec2", "m5")

    b2 = ok(world.get("sec2", f"/education/assignments/{assignment['id']}/report", org_id=world.orgs["B2"]))
    assert (b2["summary"]["members"], b2["summary"]["finished"]) == (2, 1)
    error(world.get("sec2", f"/education/assignments/{assignment['id']}/report"), 403, "permission_denied", "org_id")
    error(
        world.get("m1", f"/education/assignments/{assignment['id']}/report", org_id=world.orgs["B1"]),
        403,
        "permission_denied",
    )
    error(
        world.get("secS", f"/education/assignments/{assignment['id']}/report", org_id=world.orgs["S"]), 404, "not_found"
    )


# -- question banks and exams ---------------------------------------------------------------------------

QUESTIONS = [
    {
        "kind": "single",
        "text": "党的最高领导机关是？",
        "options": ["全国代表大会", "中央委员会", "政治局"],
        "answer": [0],
    },
    {"kind": "single", "text": "入党誓词共有多少字？", "options": ["80", "90", "100"], "answer": [0]},
    {"kind": "single", "text": "党员的预备期为？", "options": ["半年", "一年", "两年"], "answer": [1]},
    {
        "kind": "multiple",
        "text": "三会一课包括？",
        "options": ["支部党员大会", "支部委员会", "党小组会", "茶话会"],
        "answer": [0, 1, 2],
        "points": 2,
    },
    {
        "kind": "multiple",
        "text": "党的优良作风有？",
        "options": ["理论联系实际", "密切联系群众", "好大喜功"],
        "answer": [0, 1],
    },
    {"kind": "true_false", "text": "党员应当按期交纳党费。", "answer": [1]},
    {"kind": "true_false", "text": "预备党员有表决权。", "answer": [0]},
    {"kind": "fill_in", "text": "中国共产党的英文缩写是____。", "accepted": ["CPC"]},
    {"kind": "fill_in", "text": "党的根本宗旨是全心全意为____服务。", "accepted": ["人民"]},
]
COUNTS = [
    {"kind": "single", "count": 2},
    {"kind": "multiple", "count": 1},
    {"kind": "true_false", "count": 1},
    {"kind": "fill_in", "count": 1},
]


@pytest.fixture(scope="module")
def bank(world):
    created = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/question-banks", {"title": "党章题库"}), 201)
    added = ok(world.post("sec1", f"/question-banks/{created['id']}/questions", {"questions": QUESTIONS}), 201)
    assert added["bank"]["questions"] == len(QUESTIONS)
    return created


def _answers(paper: dict, correct: bool) -> list[dict]:
    """Answers to a paper as shown (options shuffled): every one right, or every one wrong."""
    by_text = {q["text"]: q for q in QUESTIONS}
    out = []
    for shown in paper["questions"]:
        source = by_text[shown["text"]]
        if shown["kind"] == "true_false":
            out.append({"truth": bool(source["answer"][0]) == correct})
        elif shown["kind"] == "fill_in":
            out.append({"text": f" {source['accepted'][0].lower()}。" if correct else "不知道"})
        else:
            right = {source["options"][i] for i in source["answer"]}
            chosen = [i for i, text in enumerate(shown["options"]) if (text in right) == correct]
            out.append({"options": chosen[:1] if shown["kind"] == "single" else chosen})
    return out


def _exam(world: World, bank: dict, **fields) -> dict:
    body = {"title": "党章知识测试", "bank_id": bank["id"], "counts": COUNTS, "time_limit_minutes": 30, **fields}
    return ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/exams", body), 201)


def test_question_banks_are_checked_and_kept_from_members(world, bank):
    url = f"/question-banks/{bank['id']}/questions"
    bad_kind = world.post("sec1", url, {"questions": [{"kind": "essay", "text": "论述"}]})
    error(bad_kind, 400, "invalid_argument", "questions[0].kind")
    no_answer = world.post("sec1", url, {"questions": [{"kind": "single", "text": "？", "options": ["a", "b"]}]})
    error(no_answer, 400, "invalid_argument", "questions[0].answer")
    error(world.get("m1", url), 404, "not_found", "bank_id")  # answers are secret
    error(world.get("secS", url), 404, "not_found", "bank_id")
    listed = ok(world.get("secR", url, page_size=100))["questions"]
    assert len(listed) == len(QUESTIONS) and listed[0]["answer"] == [0]
    too_many = world.post(
        "sec1",
        f"/orgs/{world.orgs['B1']}/exams",
        {"title": "题不够", "bank_id": bank["id"], "counts": [{"kind": "true_false", "count": 3}]},
    )
    error(too_many, 409, "failed_precondition", "counts.true_false")


def test_a_randomized_paper_is_scored_and_pays_once(world, bank):
    exam = _exam(world, bank, max_attempts=2, pass_score=60)
    error(world.post("m4", f"/exams/{exam['id']}/attempts"), 404, "not_found", "exam_id")  # another branch's
    paper = ok(world.post("m1", f"/exams/{exam['id']}/attempts"), 201)
    assert len(paper["questions"]) == 5 and paper["expires_at"]
    assert "answer" not in str(paper) and "accepted" not in str(paper)  # no key leaves the service
    assert sorted(q["kind"] for q in paper["questions"]) == ["fill_in", "multiple", "single", "single", "true_false"]
    resumed = ok(world.post("m1", f"/exams/{exam['id']}/attempts"), 201)
    assert resumed["summary"]["id"] == paper["summary"]["id"] and resumed["questions"] == paper["questions"]

    before = _points(world, "m1")["all"]
    done = ok(world.post("m1", f"/exam-attempts/{paper['summary']['id']}/submit", {"answers": _answers(paper, True)}))
    assert done["summary"]["state"] == "submitted" and done["summary"]["score"] == 100 and done["summary"]["passed"]
    assert all(q["correct"] for q in done["questions"]) and done["earned"] == done["possible"]
    assert done["points"] == 10 and _points(world, "m1")["all"] - before == 10
    error(
        world.post("m1", f"/exam-attempts/{paper['summary']['id']}/submit", {"answers": _answers(paper, True)}),
        409,
        "failed_precondition",
        "attempt_id",
    )
    error(world.post("m1", f"/exams/{exam['id']}/attempts"), 409, "failed_precondition")  # already passed
    error(world.post("m2", f"/exam-attempts/{paper['summary']['id']}/submit", {"answers": []}), 404, "not_found")

    wrong = ok(world.post("m2", f"/exams/{exam['id']}/attempts"), 201)
    error(
        world.post("m2", f"/exam-attempts/{wrong['summary']['id']}/submit", {"answers": []}),
        400,
        "invalid_argument",
        "answers",
    )
    failed = ok(
        world.post("m2", f"/exam-attempts/{wrong['summary']['id']}/submit", {"answers": _answers(wrong, False)})
    )
    assert failed["summary"]["score"] == 0 and not failed["summary"]["passed"] and failed["points"] == 0
    second = ok(world.post("m2", f"/exams/{exam['id']}/attempts"), 201)
    assert second["summary"]["number"] == 2
    half = _answers(second, True)[:2] + _answers(second, False)[2:]
    ok(world.post("m2", f"/exam-attempts/{second['summary']['id']}/submit", {"answers": half}))
    used = error(world.post("m2", f"/exams/{exam['id']}/attempts"), 409, "failed_precondition")
    assert used["message"]

    mine = ok(world.get("m2", f"/exams/{exam['id']}"))
    assert [a["number"] for a in mine["my_attempts"]] == [1, 2] and mine["bank_id"] == ""
    results = ok(world.get("sec1", f"/exams/{exam['id']}/results"))["attempts"]
    assert {(a["account_id"], a["number"]) for a in results} == {
        (world.id("m1"), 1),
        (world.id("m2"), 1),
        (world.id("m2"), 2),
    }
    assert all(a["display_name"] for a in results)
    error(world.get("m1", f"/exams/{exam['id']}/results"), 403, "permission_denied", "org_id")


def test_a_submission_after_the_time_limit_is_refused(world, bank):
    exam = _exam(world, bank, time_limit_minutes=5, max_attempts=3)
    attempts = world.content_db["exam_attempts"]

    def started(seconds_ago: float) -> dict:
        paper = ok(world.post("m3", f"/exams/{exam['id']}/attempts"), 201)
        now = dt.datetime.now(dt.UTC)
        attempts.update_one(  # as if it had started long enough ago: the clock, not the test, runs out
            {"_id": ObjectId(paper["summary"]["id"])},
            {
                "$set": {
                    "started_at": now - dt.timedelta(minutes=5, seconds=seconds_ago),
                    "expires_at": now - dt.timedelta(seconds=seconds_ago),
                }
            },
        )
        return paper

    within_grace = started(5)  # 5 s over, within the network grace
    ok(
        world.post(
            "m3", f"/exam-attempts/{within_grace['summary']['id']}/submit", {"answers": _answers(within_grace, False)}
        )
    )
    late = started(30)
    error(
        world.post("m3", f"/exam-attempts/{late['summary']['id']}/submit", {"answers": _answers(late, True)}),
        409,
        "failed_precondition",
        "attempt_id",
    )
    states = [a["state"] for a in ok(world.get("m3", f"/exams/{exam['id']}"))["my_attempts"]]
    assert states == ["submitted", "expired"]
    third = ok(world.post("m3", f"/exams/{exam['id']}/attempts"), 201)  # an expired attempt counts as taken
    assert third["summary"]["number"] == 3
    stale = started(60)  # an open attempt whose time ran out is closed when the member comes back
    assert stale["summary"]["number"] == 3
    error(world.post("m3", f"/exams/{exam['id']}/attempts"), 409, "failed_precondition")  # all three used


def test_a_course_with_an_exam_is_finished_by_passing_it(world, bank):
    course = _course(world, "sec1", "B1", lessons=1, title="带考试的课程")
    exam = _exam(world, bank, course_id=course["id"], title="课程结业考试")
    assert ok(world.get("m3", f"/courses/{course['id']}"))["exam_id"] == exam["id"]
    error(
        world.post(
            "sec1",
            f"/orgs/{world.orgs['B1']}/exams",
            {"title": "第二场", "bank_id": bank["id"], "counts": COUNTS, "course_id": course["id"]},
        ),
        409,
        "already_exists",
        "course_id",
    )
    lesson = _complete(world, "m2", course, 0)
    assert lesson["progress"]["percent"] == 100 and not lesson["progress"]["finished"]
    paper = ok(world.post("m2", f"/exams/{exam['id']}/attempts"), 201)
    done = ok(world.post("m2", f"/exam-attempts/{paper['summary']['id']}/submit", {"answers": _answers(paper, True)}))
    assert done["summary"]["passed"]
    progress = ok(world.get("m2", f"/courses/{course['id']}"))["progress"]
    assert progress["exam_passed"] and progress["finished"]


def test_bad_input_names_the_field(world, bank):
    error(world.get("m1", "/courses/not-an-id"), 404, "not_found", "course_id")
    error(world.get("m1", f"/courses/{ObjectId()}"), 404, "not_found", "course_id")
    error(
        world.post("sec1", f"/orgs/{world.orgs['B1']}/courses", {"title": "长" * 101}), 400, "invalid_argument", "title"
    )
    error(
        world.post("sec1", f"/orgs/{world.orgs['B1']}/courses", {"title": "t", "scope": "world"}),
        400,
        "invalid_argument",
        "scope",
    )
    error(world.post("sec1", "/orgs/no-such-org/courses", {"title": "t"}), 404, "not_found", "org_id")
    error(world.post("m1", f"/exams/{ObjectId()}/attempts"), 404, "not_found", "exam_id")
    error(
        world.post(
            "sec1",
            f"/orgs/{world.orgs['B1']}/exams",
            {"title": "t", "bank_id": bank["id"], "counts": COUNTS, "pass_score": 101},
        ),
        400,
        "invalid_argument",
        "pass_score",
    )
    error(world.get("other", "/study-points"), 403, "wrong_region")


def test_a_course_of_long_lessons_fits_through_the_gateway(world):
    lessons = [{"title": f"第{i + 1}课", "kind": "text", "body": "学" * 20_000} for i in range(2)]
    course = ok(world.post("sec1", f"/orgs/{world.orgs['B1']}/courses", {"title": "长课程", "lessons": lessons}), 201)
    assert [len(x["body"]) for x in course["lessons"]] == [20_000, 20_000]


def _found(world: World, who: str, q: str) -> set[str]:
    hits = ok(world.get(who, "/search", q=q, kind="course"))["hits"]
    return {h["id"] for h in hits}


def test_published_courses_are_found_by_those_who_may_take_them(world):
    draft = ok(
        world.post("sec1", f"/orgs/{world.orgs['B1']}/courses", {"title": "红色家书导读", "lessons": _lessons(1)}), 201
    )
    course = ok(world.post("sec1", f"/courses/{draft['id']}/publish"))
    content_corner.eventually(lambda: course["id"] in _found(world, "m3", "红色家书"), "the course in search")
    assert course["id"] not in _found(world, "m4", "红色家书")  # another branch's members may not take it
    unpublished = ok(
        world.post("sec1", f"/orgs/{world.orgs['B1']}/courses", {"title": "红色家书草稿", "lessons": _lessons(1)}), 201
    )
    lessons = [{"id": x["id"], "title": "抗战家书选读", "kind": "text", "body": "正文"} for x in course["lessons"]]
    ok(world.put("sec1", f"/courses/{course['id']}", {"title": "红色家书导读", "lessons": lessons}))
    content_corner.eventually(lambda: course["id"] in _found(world, "m1", "抗战家书"), "the edit in search")
    assert unpublished["id"] not in _found(world, "sec1", "红色家书")  # a draft is nobody's to find


def test_a_course_of_many_long_lessons_is_written_a_lesson_at_a_time(world):
    course = ok(
        world.post("sec1", f"/orgs/{world.orgs['B1']}/courses", {"title": "长篇学习材料", "lessons": _lessons(1)}), 201
    )
    url = f"/courses/{course['id']}/lessons"
    for i in range(4):  # 4 × 20,000 characters: ~480 KB as escaped JSON, more than one request may carry
        course = ok(world.post("sec1", url, {"title": f"长课{i + 1}", "body": "学" * 20_000}), 201)
    assert [len(x["body"]) for x in course["lessons"]] == [len("学习党章，重温入党誓词。"), *[20_000] * 4]
    first = course["lessons"][0]["id"]
    _complete(world, "m2", ok(world.post("sec1", f"/courses/{course['id']}/publish")), 0)
    replaced = ok(world.put("sec1", f"{url}/{first}", {"title": "第一课（修订）", "body": "新的正文"}))
    assert replaced["lessons"][0]["id"] == first and replaced["lessons"][0]["title"] == "第一课（修订）"
    assert ok(world.get("m2", f"/courses/{course['id']}"))["lessons"][0]["done"]  # progress kept by id
    error(world.put("sec1", f"{url}/nope", {"title": "x", "body": "y"}), 404, "not_found", "lesson_id")
    error(world.post("m1", url, {"title": "x", "body": "y"}), 403, "permission_denied", "course_id")
    error(world.post("sec1", url, {"title": "x", "kind": "video"}), 400, "invalid_argument", "media_id")
    trimmed = ok(world.delete("sec1", f"{url}/{first}"))
    assert first not in [x["id"] for x in trimmed["lessons"]] and len(trimmed["lessons"]) == 4
    for lesson in trimmed["lessons"][:-1]:
        ok(world.delete("sec1", f"{url}/{lesson['id']}"))
    last = trimmed["lessons"][-1]["id"]
    error(world.delete("sec1", f"{url}/{last}"), 409, "failed_precondition", "lessons")  # published: keeps one
