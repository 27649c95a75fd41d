"""Search relevance on a set of Chinese documents: each query's expected top results, as a table.

The index is the real one (tantivy on disk, jieba, the party dictionary), built by the same code the
indexer runs, in a temporary directory; the query is the one SearchService runs.
"""

from __future__ import annotations

import datetime as dt

import pytest

from services.content import search_index
from services.content.domain import search as rules
from services.content.domain import search_text as text
from services.content.domain.visibility import PUBLIC

pytestmark = pytest.mark.unit

T = "relevance"
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# (kind, id, title, text)
DOCUMENTS = [
    (
        "notice",
        "dues",
        "关于缴纳2024年度党费的通知",
        "各党支部：请全体党员于本月底前按标准缴纳党费，党费收缴情况纳入年度考核。",
    ),
    ("post", "theme-day", "", "第二党支部开展主题党日活动，全体党员参观红色教育基地，重温入党誓词。"),
    ("post", "theme-apart", "", "本月学习主题是乡村振兴，党日安排另行通知。"),
    ("post", "theme-education", "", "主题教育读书班开班，周六为党员活动日。"),
    ("thread", "transfer", "组织关系转接需要哪些材料？", "我下个月调到外地工作，组织关系转接怎么办理？"),
    (
        "notice",
        "three-one",
        "三会一课制度落实情况检查的通知",
        "各支部要认真落实三会一课制度，按时召开支部党员大会、支委会、党小组会，上好党课。",
    ),
    ("post", "lecture", "", "今天听了一堂党课，讲得很好。"),
    ("org", "branch-2", "第二党支部", ""),
    ("org", "tower", "科技大厦联合党支部", ""),
    ("person", "wang-fang", "王芳", ""),
    ("person", "wang-jianguo", "王建国", ""),
    ("person", "li-fang", "李芳", ""),
    ("post", "volunteers", "", "志愿服务活动圆满结束，大家还讨论了党费的使用。"),
    ("post", "secretary-study", "", "支部书记带头学习党史，讲述革命故事。"),
    ("post", "secretary-report", "", "党支部书记述职评议会议在会议室召开。"),
    ("thread", "xuexi", "学习强国积分排名", "本周学习强国积分第一名是张伟同志。"),
    (
        "notice",
        "appraisal",
        "关于开展民主评议党员工作的通知",
        "根据党章规定，年底开展民主评议党员，组织生活会同步召开。",
    ),
    ("post", "criticism", "", "组织生活会上大家开展批评与自我批评。"),
    ("post", "mobile", "", "流动党员管理办法解读。"),
    ("post", "activists", "", "入党积极分子培训班第三期开班。"),
    ("post", "candidates", "", "发展对象公示：拟将张三同志列为发展对象。"),
    ("post", "probation", "", "预备党员转正申请书怎么写？分享一下我的思想汇报。"),
    ("thread", "probation-time", "关于转正申请的时间", "预备期满一年可以提出转正申请。"),
    ("post", "villages", "", "乡村振兴调研报告发布。"),
    ("post", "recycling", "", "垃圾分类志愿服务招募开始了。"),
    ("notice", "holiday", "国庆假期值班安排", "国庆期间请各支部做好值班安排。"),
    ("post", "anniversary", "", "中华人民共和国成立七十五周年庆祝活动。"),
    ("post", "markup", "", "<script>alert(1)</script> 党费 & 会费"),
    ("person", "ouyang", "欧阳娜娜", ""),
    ("org", "village", "王庄村党支部", ""),
    # the knowledge base: articles (their tags lead their text) and questions (their answers follow it)
    (
        "article",
        "kb-transfer",
        "组织关系转接经验总结",
        "跨省转接 介绍信\n先到原支部开具组织关系介绍信，再到新单位党组织报到，党费交到转出当月。",
    ),
    ("article", "kb-dues", "每月缴纳标准的计算", "工资\n按月工资计算党费基数，奖金不计入。"),
    (
        "question",
        "kb-q-minutes",
        "支委会会议记录怎么写？",
        "新任组织委员，请教会议记录的格式。\n写清议题、决议和表决情况。",
    ),
    ("question", "kb-q-app", "学习强国积分怎么查？", "找不到入口。"),
]

# (query, kinds, expected at the top in this order, never among the results)
RELEVANCE = [
    ("党费", [], ["dues"], []),
    ("主题党日", [], ["theme-day"], ["theme-apart", "theme-education"]),
    ("三会一课", [], ["three-one"], ["lecture"]),
    ("组织关系转接", [], ["transfer"], []),
    ("民主评议", [], ["appraisal"], ["criticism"]),
    ("学习强国", [], ["xuexi"], []),
    ("中华人民共和国", [], ["anniversary"], []),
    ("第二党支部", ["org"], ["branch-2"], ["tower", "village"]),
    ("志愿服务", [], [], ["dues"]),
    ("王", ["person"], [], ["li-fang", "ouyang"]),
    ("芳", ["person"], [], ["wang-jianguo"]),
    ("娜娜", [], ["ouyang"], []),
    ("转接经验", ["article"], ["kb-transfer"], []),
    ("介绍信", ["article", "question"], ["kb-transfer"], []),  # a tag and the text
    ("会议记录", [], ["kb-q-minutes"], ["kb-transfer"]),
    ("表决", ["question"], ["kb-q-minutes"], []),  # found by its answer
    ("学习强国", ["question"], ["kb-q-app"], ["xuexi"]),
    ("党费基数", [], ["kb-dues"], ["dues"]),
]

# (query, kinds, the set expected as the whole top of the results, in any order)
TOP_SETS = [
    ("支部书记", [], {"secretary-study", "secretary-report"}),  # the second only as 党支部书记
    ("转正申请", [], {"probation", "probation-time"}),
    ("王", ["person"], {"wang-fang", "wang-jianguo"}),
    ("芳", ["person"], {"wang-fang", "li-fang"}),
    ("志愿服务", [], {"volunteers", "recycling"}),
    ("党费", [], {"dues", "volunteers", "markup", "kb-dues", "kb-transfer"}),
    ("组织关系转接", [], {"transfer", "kb-transfer"}),
    ("党费", ["article"], {"kb-dues", "kb-transfer"}),
]


def _entry(kind: str, item_id: str, title: str, body: str, audience: list[str] | None = None) -> rules.Entry:
    entry = rules.new_entry(kind, item_id)
    entry.update(title=title, body=body, audience=audience or [PUBLIC], ready=True, created_at=AT, author_id="a0")
    return entry


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    writer = search_index.Writer(root, heap=15_000_000)
    for kind, item_id, title, body in DOCUMENTS:
        writer.put(T, _entry(kind, item_id, title, body))
    # the same words elsewhere: another tenant, and audiences the test reader is not in
    writer.put("other-region", _entry("notice", "dues-elsewhere", "党费通知", "缴纳党费"))
    writer.put(T, _entry("post", "friends-only", "", "好友可见：党费收据拍照", ["author:a9", "friends-of:a9"]))
    writer.put(T, _entry("post", "subtree-only", "", "组织内可见：党费明细", ["author:a9", "org:branch-9"]))
    writer.close()
    reader = search_index.Reader(root)
    assert reader.ready()
    return reader


def ids(index, query: str, kinds=(), keys=(PUBLIC, "author:reader"), tenant: str = T, limit: int = 20) -> list[str]:
    hits, _ = index.search(tenant, list(keys), text.query_terms(query), list(kinds), 0, limit)
    return [h.item_id for h in hits]


@pytest.mark.parametrize(("query", "kinds", "first", "never"), RELEVANCE, ids=[r[0] for r in RELEVANCE])
def test_a_query_finds_what_it_should_first(index, query, kinds, first, never):
    found = ids(index, query, kinds)
    assert found[: len(first)] == first, found
    assert not set(never) & set(found), found


@pytest.mark.parametrize(("query", "kinds", "top"), TOP_SETS, ids=[r[0] for r in TOP_SETS])
def test_a_query_finds_exactly_these(index, query, kinds, top):
    assert set(ids(index, query, kinds)) == top


def test_what_the_reader_may_not_see_is_never_found(index):
    assert "friends-only" not in ids(index, "党费")
    assert "friends-only" in ids(index, "党费", keys=[PUBLIC, "friends-of:a9"])
    assert "subtree-only" not in ids(index, "党费")
    assert "subtree-only" in ids(index, "党费", keys=[PUBLIC, "org:root", "org:branch-9"])
    assert "subtree-only" in ids(index, "党费", keys=["author:a9"])  # the author always finds their own


def test_another_tenant_is_never_searched(index):
    assert "dues-elsewhere" not in ids(index, "党费")
    assert ids(index, "党费", tenant="other-region") == ["dues-elsewhere"]


def test_pages_are_disjoint_and_say_when_more_follow(index):
    terms, keys = text.query_terms("党支部"), [PUBLIC]
    everything, more = index.search(T, keys, terms, [], 0, 50)
    assert not more and len(everything) >= 4
    first, more_first = index.search(T, keys, terms, [], 0, 2)
    second, _ = index.search(T, keys, terms, [], 2, 2)
    assert more_first
    assert [h.item_id for h in first + second] == [h.item_id for h in everything[:4]]


def test_highlights_mark_the_words_and_escape_the_text(index):
    hits, _ = index.search(T, [PUBLIC], text.query_terms("党费"), [], 0, 20)
    by_id = {h.item_id: h for h in hits}
    assert by_id["dues"].title_html == "关于缴纳2024年度<em>党费</em>的通知"
    markup = by_id["markup"].snippet_html
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "&amp;" in markup
    assert "<em>党费</em>" in markup
    person, _ = index.search(T, [PUBLIC], text.query_terms("芳"), ["person"], 0, 5)
    assert {h.title_html for h in person} == {"王<em>芳</em>", "李<em>芳</em>"}
