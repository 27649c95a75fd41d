"""Search's entry rules (services/content/domain/search.py) and query text (domain/search_text.py):
events in any order and any number of times give the same entry."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from kernel.errors import DomainError
from services.content.domain import search as rules
from services.content.domain import search_text as text

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def run(kind: str, *steps) -> rules.Entry:
    entry = rules.new_entry(kind, "x")
    for rule in steps:
        entry = rule(entry) or entry
    return entry


PUBLISHED = {"post_id": "x", "author_id": "a1", "text": "第一版", "audience": ["author:a1", "public"], "as_org_id": ""}
EDITED = {"post_id": "x", "author_id": "a1", "text": "第二版", "audience": ["author:a1", "friends-of:a1"]}


def test_an_edit_wins_over_its_publication_in_any_order_and_redelivery():
    steps = [rules.post_published(PUBLISHED, at(0)), rules.post_edited(EDITED, at(5))]
    results = []
    for order in itertools.permutations(steps + steps):
        results.append(run("post", *order))
    assert all(r == results[0] for r in results)
    final = results[0]
    assert final["body"] == "第二版" and final["audience"] == ["author:a1", "friends-of:a1"]
    assert rules.searchable(final)


def test_an_edit_alone_waits_for_the_publication():
    edited = run("post", rules.post_edited(EDITED, at(5)))
    assert not rules.searchable(edited)


def test_a_deleted_post_stays_deleted():
    entry = run(
        "post",
        rules.post_published(PUBLISHED, at(0)),
        rules.remove(),
        rules.post_edited(EDITED, at(5)),
        rules.post_published(PUBLISHED, at(0)),
    )
    assert entry["gone"] and not rules.searchable(entry)
    assert rules.remove()(entry) is None  # a redelivered delete changes nothing


def test_hidden_then_restored_follows_the_later_decision():
    hide = rules.post_hidden({"post_id": "x", "hidden": True}, at(1))
    restore = rules.post_hidden({"post_id": "x", "hidden": False}, at(2))
    assert rules.searchable(run("post", rules.post_published(PUBLISHED, at(0)), restore, hide))
    assert not rules.searchable(run("post", rules.post_published(PUBLISHED, at(0)), hide))


def test_replies_are_kept_once_and_may_come_before_their_thread():
    created = {"thread_id": "x", "board_id": "b1", "org_id": "o1", "author_id": "a1", "title": "标题", "text": "正文"}
    created["audience"] = ["public"]
    reply = rules.add_reply("r1", "回复内容", ["public"], at(3))
    entry = run("thread", reply, reply, rules.thread_created(created, at(0)), reply)
    assert [r["id"] for r in entry["replies"]] == ["r1"]
    assert rules.indexed_body(entry) == "正文\n回复内容"
    moved = rules.thread_moved({"thread_id": "x", "board_id": "b2", "audience": ["org:o2"]}, at(9))
    entry = run("thread", rules.thread_created(created, at(0)), moved, reply)
    assert entry["audience"] == ["org:o2"] and entry["parent_id"] == "b2"  # the older reply keeps the move's


ARTICLE = {
    "article_id": "x",
    "org_id": "o1",
    "author_id": "a1",
    "title": "发展党员工作流程",
    "body": "第一步，递交入党申请书。",
    "tags": ["发展党员", "流程"],
    "audience": ["author:a1", "org:o1"],
}


def test_an_articles_edit_wins_in_any_order_and_its_tags_are_words_of_its_text():
    edited = {**ARTICLE, "title": "发展党员工作流程（修订）", "body": "第一步，递交入党申请书；第二步，谈话。"}
    steps = [rules.knowledge_article_published(ARTICLE, at(0)), rules.knowledge_article_edited(edited, at(5))]
    results = [run("article", *order) for order in itertools.permutations(steps + steps)]
    assert all(r == results[0] for r in results)
    final = results[0]
    assert final["title"] == "发展党员工作流程（修订）" and final["audience"] == ["author:a1", "org:o1"]
    assert final["body"] == "发展党员 流程\n第一步，递交入党申请书；第二步，谈话。"
    assert rules.searchable(final)
    assert not rules.searchable(run("article", rules.knowledge_article_edited(edited, at(5))))  # waits for it
    gone = run("article", rules.knowledge_article_published(ARTICLE, at(0)), rules.remove(), steps[1])
    assert gone["gone"] and not rules.searchable(gone)


def test_a_question_is_found_by_its_answers_until_one_is_removed():
    asked = {"question_id": "x", "org_id": "o1", "author_id": "a1", "title": "党费怎么交", "text": "按月还是按季？"}
    asked |= {"tags": [], "audience": ["author:a1", "public"]}
    answer = rules.add_reply("n1", "按月交纳", ["author:a1", "public"], at(2))
    dropped = rules.drop_reply("n1")
    entry = run("question", answer, rules.knowledge_question_asked(asked, at(0)))
    assert rules.indexed_body(entry) == "按月还是按季？\n按月交纳" and rules.searchable(entry)
    for order in itertools.permutations([answer, dropped, rules.knowledge_question_asked(asked, at(0))]):
        entry = run("question", *order, *order)  # removal before or after the answer, each twice
        assert rules.indexed_body(entry) == "按月还是按季？", order
    assert dropped(run("question", answer, dropped)) is None


def test_a_person_is_found_once_named_and_keeps_the_latest_home_org():
    entry = run("person", rules.home_org("o2", at(5)), rules.home_org("o1", at(1)))
    assert entry["org_id"] == "o2" and not rules.searchable(entry)
    entry = run("person", rules.home_org("o2", at(5)), rules.account_registered({"display_name": "王芳"}, at(0)))
    assert entry["title"] == "王芳" and entry["audience"] == ["public"] and rules.searchable(entry)


@pytest.mark.parametrize(
    ("q", "kinds", "field"),
    [
        ("", [], "q"),
        ("   ", [], "q"),
        ("党" * 101, [], "q"),
        ("，。！", [], "q"),
        ("党费", ["posts"], "kind"),
        ("党费", ["article", "questions"], "kind"),
    ],
)
def test_bad_queries_name_their_field(q, kinds, field):
    with pytest.raises(DomainError) as err:
        rules.check_query(q, kinds)
    assert err.value.field == field


def test_query_words_use_the_party_dictionary():
    assert [t.text for t in text.query_terms("主题党日")] == ["主题党日"]
    assert [t.text for t in text.query_terms("三会一课的要求")] == ["三会一课", "要求"]  # 的 is left out
    assert text.query_terms("的") == [text.Term("的")]  # unless nothing else remains
    assert text.query_terms("支部书记")[0].parts == ((0, "支部"), (2, "书记"))
    assert text.query_terms("主题党日")[0].parts == ()  # no cover: never matched as 主题 … 党日
    assert [t.text for t in text.query_terms("ＡＢＣ２０２４")] == ["abc2024"]  # full-width folded


def test_index_tokens_carry_their_offsets_and_sub_words():
    tokens = {(t.text, t.start) for t in text.index_tokens("党支部书记")}
    assert {("党支部", 0), ("支部", 1), ("书记", 3)} <= tokens


def test_highlights_escape_and_cut_around_the_matches():
    long = "前言" * 100 + "<b>党费</b>" + "后记" * 100
    snippet = text.highlight(long, ["党费"], width=40)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "&lt;b&gt;<em>党费</em>&lt;/b&gt;" in snippet
    assert text.highlight("Ｘ党费", ["党费"]) == "Ｘ<em>党费</em>"  # offsets kept through normalization
    assert text.highlight("没有匹配", ["党费"]) == "没有匹配"


def test_name_grams_cover_every_part_of_a_name():
    assert {g.text for g in text.name_grams("王芳")} == {"王", "芳", "王芳"}
