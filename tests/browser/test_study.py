"""Study (学习) in the browser: a course with lessons and an exam is set up through the API; a member reads a
lesson and marks it done (their points go up), takes the randomized exam and sees the score, then their
points and their branch's leaderboard; a secretary reads an assignment's completion report."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import accessibility_violations, screenshot
from tests.browser.pages import sign_in
from tests.conftest import Person, register
from tests.e2e.corner import add_member, create_org, make_secretary, wait_until

pytestmark = pytest.mark.browser

API = "/api/v1"
QUESTIONS = [
    {
        "kind": "single",
        "text": "党的最高领导机关是？",
        "options": ["全国代表大会", "中央委员会", "中央政治局"],
        "answer": [0],
    },
    {
        "kind": "multiple",
        "text": "“三会一课”中的“三会”包括？",
        "options": ["支部党员大会", "支部委员会", "党小组会", "茶话会"],
        "answer": [0, 1, 2],
        "points": 2,
    },
    {"kind": "true_false", "text": "党员应当按期交纳党费。", "answer": [1]},
    {"kind": "fill_in", "text": "党的根本宗旨是全心全意为____服务。", "accepted": ["人民"]},
]


def ok(reply, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def new_branch(api, identity_events, admin: Person, names: list[str]) -> tuple[dict, list[Person]]:
    branch = create_org(api, admin, "demo-committee", f"学习测试支部{secrets.token_hex(3)}", "branch")
    people = []
    for name in names:
        person = register(api, identity_events, name)
        add_member(api, admin, branch["id"], person, name)
        people.append(person)
    return branch, people


def course_with_exam(api, admin: Person, org_id: str, title: str) -> tuple[dict, dict, dict]:
    """A published course of two text lessons, its final exam (every question of a small bank), and its
    assignment to the org with a deadline a week away."""
    lessons = [
        {
            "title": "党章总纲",
            "kind": "text",
            "body": "中国共产党是中国工人阶级的先锋队。\n\n党的最高理想是实现共产主义。",
        },
        {
            "title": "入党誓词",
            "kind": "text",
            "body": "我志愿加入中国共产党，拥护党的纲领，遵守党的章程。",
            "minutes": 5,
        },
    ]
    body = {"title": title, "summary": "支部专题学习", "lessons": lessons}
    course = ok(api.post(f"{API}/orgs/{org_id}/courses", json=body, headers=admin.auth), 201)
    course = ok(api.post(f"{API}/courses/{course['id']}/publish", headers=admin.auth))
    bank = ok(api.post(f"{API}/orgs/{org_id}/question-banks", json={"title": "党章题库"}, headers=admin.auth), 201)
    ok(api.post(f"{API}/question-banks/{bank['id']}/questions", json={"questions": QUESTIONS}, headers=admin.auth), 201)
    exam_body = {
        "title": f"{title}结业考试",
        "bank_id": bank["id"],
        "course_id": course["id"],
        "counts": [{"kind": q["kind"], "count": 1} for q in QUESTIONS],
        "time_limit_minutes": 30,
        "max_attempts": 3,
    }
    exam = ok(api.post(f"{API}/orgs/{org_id}/exams", json=exam_body, headers=admin.auth), 201)
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).isoformat()
    assignment = ok(
        api.post(
            f"{API}/courses/{course['id']}/assignments",
            json={"org_id": org_id, "deadline": deadline},
            headers=admin.auth,
        ),
        201,
    )
    return course, exam, assignment


def points(api, person: Person) -> int:
    totals = ok(api.get(f"{API}/study-points", headers=person.auth))["totals"]
    return {t["period"]: t["points"] for t in totals}["all"]


def check(page, name: str) -> None:
    """A phone and a desktop screenshot of the view, and no serious accessibility finding on it."""
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"study-{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, f"study-{name}-desktop")
    assert accessibility_violations(page) == []


def test_a_member_completes_a_lesson_takes_the_exam_and_sees_the_score(open_page, api, identity_events, admin):
    name = "周学" + secrets.token_hex(2)
    branch, (member,) = new_branch(api, identity_events, admin, [name])
    title = f"学习党章{secrets.token_hex(2)}"
    course, exam, _ = course_with_exam(api, admin, branch["id"], title)
    before = points(api, member)

    page = open_page("phone").page
    sign_in(page, member.phone, member.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="学习", exact=True).click()
    expect(page.get_by_role("heading", name="学习", exact=True)).to_be_visible()
    assigned = page.get_by_role("region", name="必修课程").get_by_role("link").filter(has_text=title)
    expect(assigned).to_contain_text("截止")
    expect(assigned).to_contain_text("已学 0/2 课时")
    expect(page.get_by_role("region", name="考试")).to_contain_text(f"{title}结业考试")
    check(page, "home")

    assigned.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("党章总纲"))).to_be_visible()
    check(page, "course")

    page.get_by_role("link", name=re.compile("党章总纲")).click()
    expect(page.get_by_role("heading", name="党章总纲")).to_be_visible()
    expect(page.get_by_text("党的最高理想是实现共产主义。")).to_be_visible()
    page.get_by_role("button", name="学完了，标记完成").click()
    expect(page.get_by_role("status").filter(has_text="获得 1 学习积分")).to_be_visible()
    expect(page.get_by_text("已学 1/2 课时")).to_be_visible()
    assert points(api, member) == before + 1  # stored: the lesson paid its point
    check(page, "lesson")

    page.get_by_role("link", name="下一课：入党誓词").click()
    expect(page.get_by_role("heading", name="入党誓词")).to_be_visible()
    page.get_by_role("button", name="学完了，标记完成").click()
    expect(page.get_by_role("status").filter(has_text="学习积分")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="通过结业考试后课程才算完成")).to_be_visible()

    page.get_by_role("link", name="参加考试").click()
    expect(page.get_by_role("heading", name=f"{title}结业考试")).to_be_visible()
    page.get_by_role("button", name="开始考试").click()
    expect(page.get_by_role("group")).to_have_count(4)  # one fieldset per question, in a random order
    page.get_by_label("全国代表大会").check()
    for option in ("支部党员大会", "支部委员会", "党小组会"):
        page.get_by_label(option).check()
    page.get_by_role("group", name=re.compile("按期交纳党费")).get_by_label("正确").check()
    page.get_by_role("group", name=re.compile("根本宗旨")).get_by_role("textbox").fill("人民")
    screenshot(page, "study-exam-paper-phone")
    page.get_by_role("button", name="交卷").click()
    expect(page.get_by_role("status").filter(has_text="100 分 · 通过")).to_be_visible()
    expect(page.get_by_role("heading", name="考试成绩")).to_be_visible()
    check(page, "exam")

    stored = ok(api.get(f"{API}/exams/{exam['id']}", headers=member.auth))["my_attempts"]
    assert [(a["state"], a["score"], a["passed"]) for a in stored] == [("submitted", 100, True)]
    progress = ok(api.get(f"{API}/courses/{course['id']}", headers=member.auth))["progress"]
    assert progress["finished"] and progress["exam_passed"]
    earned = points(api, member) - before
    assert earned > 2  # two lessons, the exam and the finished course

    page.goto("/app/study/points")
    totals = page.get_by_role("region", name="我的积分")
    expect(totals).to_contain_text(str(earned))
    board = page.get_by_role("region", name=re.compile("积分排行"))
    expect(board.get_by_role("status")).to_have_text(f"我排第 1 名，{earned} 分")
    expect(board.get_by_role("row").filter(has_text=name)).to_contain_text(str(earned))
    expect(page.get_by_role("region", name="积分明细")).to_contain_text("学完课时")
    check(page, "points")


def test_a_secretary_reads_who_has_not_finished_an_assignment(open_page, api, identity_events, admin):
    done_name, late_name = "吴勤" + secrets.token_hex(2), "郑迟" + secrets.token_hex(2)
    branch, (done, late) = new_branch(api, identity_events, admin, [done_name, late_name])
    secretary = make_secretary(api, identity_events, admin, branch["id"])
    course = ok(
        api.post(
            f"{API}/orgs/{branch['id']}/courses",
            json={"title": "支部必修课", "lessons": [{"title": "第一课", "body": "学习党章。"}]},
            headers=secretary.auth,
        ),
        201,
    )
    ok(api.post(f"{API}/courses/{course['id']}/publish", headers=secretary.auth))
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    assignment = ok(
        api.post(
            f"{API}/courses/{course['id']}/assignments",
            json={"org_id": branch["id"], "deadline": deadline},
            headers=secretary.auth,
        ),
        201,
    )
    lesson = course["lessons"][0]["id"]
    ok(api.post(f"{API}/courses/{course['id']}/lessons/{lesson}/complete", headers=done.auth))
    report_url = f"{API}/education/assignments/{assignment['id']}/report"
    wait_until(
        lambda: ok(api.get(report_url, headers=secretary.auth))["summary"]["finished"] == 1,
        what="the report to count the finisher",
    )

    page = open_page("desktop").page
    sign_in(page, secretary.phone, secretary.password)
    page.get_by_role("link", name="工作台").click()
    page.get_by_role("link", name="学习完成情况").click()
    expect(page.get_by_role("heading", name="学习完成情况")).to_be_visible()
    page.get_by_label("必修课程").select_option(assignment["id"])
    expect(page.get_by_role("status")).to_have_text("3 名党员中已完成 1 名（33%）")
    unfinished = page.get_by_role("region", name="未完成的党员")
    expect(unfinished).to_contain_text(late_name)
    expect(unfinished).not_to_contain_text(done_name)
    check(page, "report")
