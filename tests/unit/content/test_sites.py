"""Micro-websites' rules: addresses, settings, pages, albums, and the page markup that can hold no script."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import sites as rules

pytestmark = pytest.mark.unit


def _field(call) -> str:
    with pytest.raises(DomainError) as err:
        call()
    assert err.value.code in (ErrorCode.INVALID_ARGUMENT, ErrorCode.FAILED_PRECONDITION)
    return err.value.field


def test_an_address_is_a_lowercase_slug_that_is_not_the_gateways_own():
    assert rules.slug(" Heping-Branch-3 ") == "heping-branch-3"
    for bad in ("a", "-ab", "ab-", "a_b", "党支部", "x" * 41, "api", "docs", "metrics", "media"):
        assert _field(lambda b=bad: rules.slug(b)) == "slug", bad
    assert rules.page_slug("about") == "about"
    for reserved in ("news", "albums", "contact"):
        assert _field(lambda r=reserved: rules.page_slug(r)) == "page_slug"


def test_settings_are_checked_naming_the_field():
    ok = rules.settings(rules.Settings("和平区第三党支部", contact=rules.Contact(email="dzb@example.cn")))
    assert ok.template == "classic" and ok.colour == "party-red"
    assert _field(lambda: rules.settings(rules.Settings(""))) == "title"
    assert _field(lambda: rules.settings(rules.Settings("t", template="fancy"))) == "template"
    assert _field(lambda: rules.settings(rules.Settings("t", colour="#ff00ff"))) == "colour"
    bad_email = rules.Settings("t", contact=rules.Contact(email="not an email"))
    assert _field(lambda: rules.settings(bad_email)) == "contact.email"


def test_pages_replace_by_slug_and_are_bounded():
    about = rules.Page("about", "关于我们", "支部简介")
    pages = rules.pages_after_put([], about)
    pages = rules.pages_after_put(pages, rules.Page("history", "支部历史", ""))
    pages = rules.pages_after_put(pages, rules.Page("about", "关于", "新简介"))
    assert [(p.slug, p.title) for p in pages] == [("about", "关于"), ("history", "支部历史")]
    full = [rules.Page(f"p{i}", "t", "") for i in range(rules.PAGES_MAX)]
    assert _field(lambda: rules.pages_after_put(full, rules.Page("one-more", "t", ""))) == "page_slug"
    assert len(rules.pages_after_put(full, rules.Page("p0", "again", ""))) == rules.PAGES_MAX


def test_photos_need_media_ids():
    assert rules.photos([rules.Photo("img_1", "主题党日")]) == [rules.Photo("img_1", "主题党日")]
    assert _field(lambda: rules.photos([rules.Photo("img_1"), rules.Photo("")])) == "photos[1].media_id"
    assert _field(lambda: rules.photos([rules.Photo("../x")])) == "photos[0].media_id"
    assert _field(lambda: rules.photos([rules.Photo("a")] * (rules.PHOTOS_MAX + 1))) == "photos"


def test_the_markup_becomes_html():
    html = rules.render(
        "# 支部简介\n我们是**和平区**第三党支部。\n欢迎加入\n\n- 三会一课\n- 主题党日\n\n见[官网](https://example.cn/a?b=1&c=2)"
    )
    assert html == (
        "<h2>支部简介</h2>\n<p>我们是<strong>和平区</strong>第三党支部。<br>欢迎加入</p>\n"
        "<ul><li>三会一课</li><li>主题党日</li></ul>\n"
        '<p>见<a href="https://example.cn/a?b=1&amp;c=2" rel="nofollow noopener">官网</a></p>'
    )


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[点我](javascript:alert(1))",
        '[x](https://a.cn/"onmouseover="alert(1))',
        "**<b onclick=alert(1)>粗</b>**",
        "## <style>body{display:none}</style>",
    ],
)
def test_nothing_typed_becomes_markup_of_its_own(attack):
    html = rules.render(attack)
    assert "<script" not in html and "<img" not in html and "<style" not in html and "<b " not in html
    assert 'href="javascript' not in html
    assert 'onmouseover="' not in html and 'onerror="' not in html
