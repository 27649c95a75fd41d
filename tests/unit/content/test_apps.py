"""Custom apps' rules: a form's fields, what a member submits, link pages, an org's menu."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import apps as rules

pytestmark = pytest.mark.unit

NAME = rules.Field("name", "姓名", rules.TEXT, required=True, max_length=20)
AGE = rules.Field("age", "党龄", rules.NUMBER, min_value=0, max_value=80)
DAY = rules.Field("day", "参加日期", rules.DATE)
SIZE = rules.Field("size", "服装尺码", rules.CHOICE, options=("S", "M", "L"))
TOPICS = rules.Field("topics", "感兴趣的主题", rules.MULTICHOICE, options=("党史", "理论", "法规"), max_choices=2)
PHONE = rules.Field("phone", "手机", rules.PHONE)
MAIL = rules.Field("mail", "邮箱", rules.EMAIL)
FORM = [NAME, AGE, DAY, SIZE, TOPICS, PHONE, MAIL]


def _field(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code == ErrorCode.INVALID_ARGUMENT
    return err.value.field


def test_a_form_is_checked_naming_the_field():
    assert rules.fields(FORM)[3].options == ("S", "M", "L")
    assert _field(lambda: rules.fields([])) == "fields"
    assert _field(lambda: rules.fields([NAME, rules.Field("name", "又一个", rules.TEXT)])) == "fields[1].key"
    assert _field(lambda: rules.fields([rules.Field("Bad Key", "x", rules.TEXT)])) == "fields[0].key"
    assert _field(lambda: rules.fields([rules.Field("f", "x", "signature")])) == "fields[0].type"
    assert _field(lambda: rules.fields([rules.Field("f", "x", rules.CHOICE, options=("a",))])) == "fields[0].options"
    assert _field(lambda: rules.fields([rules.Field("f", "x", rules.TEXT, options=("a", "b"))])) == "fields[0].options"
    assert _field(lambda: rules.fields([rules.Field("f", "x", rules.TEXT, max_length=9999)])) == "fields[0].max_length"
    backwards = rules.Field("f", "x", rules.NUMBER, min_value=5, max_value=1)
    assert _field(lambda: rules.fields([backwards])) == "fields[0].min_value"
    too_many = rules.Field("f", "x", rules.MULTICHOICE, options=("a", "b"), max_choices=3)
    assert _field(lambda: rules.fields([too_many])) == "fields[0].max_choices"
    assert _field(lambda: rules.fields([rules.Field("f", "", rules.TEXT)])) == "fields[0].label"


def test_a_submission_is_checked_against_the_form():
    ok = rules.submission(
        FORM,
        {
            "name": ["  张三 "],
            "age": ["12"],
            "day": ["2026-07-01"],
            "size": ["M"],
            "topics": ["法规", "党史"],
            "phone": ["138 0000 0000"],
            "mail": [""],
        },
    )
    assert ok == {
        "name": ["张三"],
        "age": ["12"],
        "day": ["2026-07-01"],
        "size": ["M"],
        "topics": ["党史", "法规"],  # in the form's order
        "phone": ["13800000000"],
    }
    assert _field(lambda: rules.submission(FORM, {})) == "values.name"  # required
    bad = [
        ({"age": ["abc"]}, "values.age"),
        ({"age": ["81"]}, "values.age"),
        ({"age": ["nan"]}, "values.age"),
        ({"age": ["inf"]}, "values.age"),
        ({"day": ["2026-02-30"]}, "values.day"),
        ({"size": ["XL"]}, "values.size"),
        ({"size": ["S", "M"]}, "values.size"),
        ({"topics": ["党史", "理论", "法规"]}, "values.topics"),
        ({"topics": ["党史", "党史"]}, "values.topics"),
        ({"phone": ["12345"]}, "values.phone"),
        ({"mail": ["not-an-email"]}, "values.mail"),
        ({"name": ["长" * 21]}, "values.name"),
        ({"unknown": ["x"]}, "values.unknown"),
    ]
    for values, field in bad:
        assert _field(lambda v=values: rules.submission(FORM, {"name": ["张三"], **v})) == field, values
    assert rules.submission(FORM, {"name": ["李四"], "phone": ["022-12345678"]})["phone"] == ["022-12345678"]


def test_links_are_http_addresses():
    checked = rules.links([rules.Link("党建网", " https://www.12371.cn/ ")])
    assert checked == [rules.Link("党建网", "https://www.12371.cn/")]
    assert _field(lambda: rules.links([rules.Link("x", "javascript:alert(1)")])) == "links[0].url"
    assert _field(lambda: rules.links([rules.Link("x", 'https://a.cn/"><script>')])) == "links[0].url"
    assert _field(lambda: rules.links([])) == "links"


def test_a_menu_keeps_the_orgs_order_and_every_pushed_app():
    available = ["own1", "pushed1", "own2", "pushed2"]
    assert rules.menu(available, {"pushed1", "pushed2"}, []) == ["pushed1", "pushed2", "own1", "own2"]
    assert rules.menu(available, {"pushed1", "pushed2"}, ["own2", "gone", "pushed2"]) == [
        "own2",
        "pushed2",
        "pushed1",
        "own1",
    ]
    assert _field(lambda: rules.arrangement([f"a{i}" for i in range(rules.MENU_MAX + 1)])) == "app_ids"
