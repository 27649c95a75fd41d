"""Org micro-websites (创建网站服务) through the gateway, on the real stack: who may build a site and see its
draft, publishing, the public HTML at /{region}/{slug} read without logging in (pages, news, albums, contact),
caching headers, and markup that can carry no script. In a corner of the region of the module's own
(tests/e2e/content_corner.py: R with branches B1 (and its group G1), B2, B3; a sibling S).
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from tests.e2e import content_corner
from tests.e2e.content_corner import World
from tests.e2e.corner import error
from tests.e2e.test_transfers import ok

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(gateway_url, identity_events, stack):
    yield from content_corner.build(gateway_url, identity_events, stack)


@pytest.fixture(scope="module")
def region(stack) -> str:
    return stack.layout.region


def _slug(label: str) -> str:
    return f"{label}-{secrets.token_hex(3)}"


def _site(world: World, who: str, org: str, slug: str, **settings) -> httpx.Response:
    body = {"slug": slug, "title": "和平区第一党支部", "tagline": "不忘初心 牢记使命", **settings}
    return world.post(who, f"/orgs/{world.orgs[org]}/site", body)


def _public(world: World, path: str, **headers) -> httpx.Response:
    return world.http.get(path, headers=headers)  # no Authorization: anyone


def test_who_may_build_a_site(world):
    slug = _slug("b1")
    created = ok(_site(world, "sec1", "B1", slug), 201)
    assert created["slug"] == slug and created["address"].endswith(f"/{slug}") and not created["is_published"]
    assert created["draft"]["template"] == "classic" and created["draft"]["colour_hex"] == "#c8161d"
    for who in ("m4", "sec1", "secS", "loner"):  # a member, a sibling's and a cousin's secretary, no org
        error(_site(world, who, "B2", _slug("x")), 403, "permission_denied")
    error(_site(world, "other", "B2", _slug("x")), 403, "wrong_region")
    error(_site(world, "secR", "B1", _slug("again")), 409, "already_exists", "org_id")  # one site an org
    error(_site(world, "sec2", "B2", slug), 409, "already_exists", "slug")  # the address is taken
    error(_site(world, "sec2", "B2", "api"), 400, "invalid_argument", "slug")
    error(_site(world, "sec2", "B2", "Bad Slug!"), 400, "invalid_argument", "slug")
    error(_site(world, "sec2", "B2", _slug("x"), colour="pink"), 400, "invalid_argument", "colour")
    error(world.put("m1", f"/orgs/{world.orgs['B1']}/site/pages/about", {"title": "关于"}), 403, "permission_denied")
    ok(world.put("secR", f"/orgs/{world.orgs['B1']}/site/pages/about", {"title": "关于我们", "body": "简介"}))


def test_a_draft_is_seen_only_by_those_who_manage_the_site(world, region):
    slug = _slug("b2")
    ok(_site(world, "sec2", "B2", slug), 201)
    ok(world.put("sec2", f"/orgs/{world.orgs['B2']}/site/pages/about", {"title": "关于我们", "body": "**草稿**内容"}))
    assert _public(world, f"/{region}/{slug}").status_code == 404  # not published: nobody outside sees it
    preview = world.get("sec2", f"/orgs/{world.orgs['B2']}/site/preview/about")
    assert preview.status_code == 200 and "<strong>草稿</strong>内容" in preview.text
    assert preview.headers["cache-control"] == "private, no-store" and "草稿预览" in preview.text
    assert world.get("secR", f"/orgs/{world.orgs['B2']}/site/preview").status_code == 200  # the officers above
    for who in ("m4", "sec1", "secS", "loner"):
        error(world.get(who, f"/orgs/{world.orgs['B2']}/site/preview"), 403, "permission_denied")
        error(world.get(who, f"/orgs/{world.orgs['B2']}/site"), 403, "permission_denied")
    assert world.http.get(f"/api/v1/orgs/{world.orgs['B2']}/site/preview").status_code == 401


def test_a_published_site_is_read_without_logging_in(world, region):
    org, slug = world.orgs["B3"], _slug("b3")
    ok(_site(world, "secR", "B3", slug, template="banner", colour="navy", contact={"phone": "022-1234 5678"}), 201)
    about = "# 支部简介\n我们是**第三党支部**。\n\n- 三会一课\n- 主题党日\n\n<script>alert('x')</script>"
    ok(world.put("secR", f"/orgs/{org}/site/pages/about", {"title": "关于我们", "body": about}))
    ok(world.put("secR", f"/orgs/{org}/site/pages/rules", {"title": "规章制度", "body": "支部规章", "in_menu": False}))
    photos = [{"media_id": "photo_1", "caption": "七一主题党日"}, {"media_id": "photo_2"}]
    site = ok(world.post("secR", f"/orgs/{org}/site/albums", {"title": "活动剪影", "photos": photos}), 201)
    album_id = site["draft"]["albums"][0]["id"]
    official = ok(world.post("secR", "/posts", {"text": "支部开展主题党日活动\n欢迎参加", "as_org_id": org}), 201)
    members_only = ok(
        world.post(
            "secR", "/posts", {"text": "内部通知", "as_org_id": org, "visibility": "org", "audience_org_id": org}
        ),
        201,
    )
    published = ok(world.post("secR", f"/orgs/{org}/site/publish"))
    assert published["is_published"] and published["version"] == 1

    home = _public(world, f"/{region}/{slug}")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert home.headers["cache-control"].startswith("public, max-age=60") and home.headers["etag"]
    assert 'class="banner"' in home.text and "--theme: #1d3557" in home.text and "不忘初心" in home.text
    assert "<h2>支部简介</h2>" in home.text and "&lt;script&gt;" in home.text and "<script>" not in home.text
    assert "支部开展主题党日活动<br>欢迎参加" in home.text and "内部通知" not in home.text  # public news only
    assert f'href="/{region}/{slug}/about"' in home.text and f'href="/{region}/{slug}/rules"' not in home.text
    assert official["id"] and members_only["id"]

    again = _public(world, f"/{region}/{slug}", **{"If-None-Match": home.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert "规章制度" in _public(world, f"/{region}/{slug}/rules").text  # out of the menu, still reachable
    assert "支部开展主题党日活动" in _public(world, f"/{region}/{slug}/news").text
    albums = _public(world, f"/{region}/{slug}/albums").text
    assert "活动剪影" in albums and "2 张照片" in albums
    album = _public(world, f"/{region}/{slug}/albums/{album_id}").text
    assert 'src="/media/photo_1"' in album and "七一主题党日" in album
    assert 'href="tel:022-12345678"' in _public(world, f"/{region}/{slug}/contact").text
    english = _public(world, f"/{region}/{slug}", **{"Accept-Language": "en"})
    assert ">Home<" in english.text and ">News<" in english.text

    for missing in (
        f"/{region}/{slug}/nope",
        f"/{region}/{slug}/albums/nope",
        f"/{region}/no-such-site",
        f"/beijing/{slug}",
    ):
        reply = _public(world, missing)
        assert reply.status_code == 404 and "页面不存在" in reply.text, missing
    assert _public(world, "/api/v1/no-such-route").headers["content-type"].startswith("application/json")


def test_readers_see_the_published_copy_until_the_next_publish(world, region):
    org, slug = world.orgs["S"], _slug("s")
    ok(_site(world, "secS", "S", slug), 201)
    ok(world.put("secS", f"/orgs/{org}/site/pages/about", {"title": "关于", "body": "第一版"}))
    ok(world.post("secS", f"/orgs/{org}/site/publish"))
    ok(world.put("secS", f"/orgs/{org}/site/pages/about", {"title": "关于", "body": "第二版"}))
    ok(world.put("secS", f"/orgs/{org}/site", {"title": "新标题", "colour": "forest"}))
    page = _public(world, f"/{region}/{slug}/about").text
    assert "第一版" in page and "第二版" not in page and "新标题" not in page
    republished = ok(world.post("secS", f"/orgs/{org}/site/publish"))
    assert republished["version"] == 2 and republished["published"]["colour"] == "forest"
    page = _public(world, f"/{region}/{slug}/about").text
    assert "第二版" in page and "新标题" in page and "--theme: #2d6a4f" in page
    error(world.delete("secS", f"/orgs/{org}/site/pages/nope"), 404, "not_found", "page_slug")
    error(world.put("secS", f"/orgs/{org}/site/pages/news", {"title": "x"}), 400, "invalid_argument", "page_slug")
    bad_photo = world.post("secS", f"/orgs/{org}/site/albums", {"title": "t", "photos": [{"media_id": "a/b"}]})
    error(bad_photo, 400, "invalid_argument", "photos[0].media_id")
    ok(world.post("secS", f"/orgs/{org}/site/unpublish"))
    assert _public(world, f"/{region}/{slug}").status_code == 404


def test_a_page_of_the_longest_text_fits_through_the_gateway(world):
    long = "党" * 20_000  # 120 KB as escaped JSON: more than the gateway's 64 KiB for ordinary bodies
    site = ok(world.put("sec1", f"/orgs/{world.orgs['B1']}/site/pages/long", {"title": "长文", "body": long}))
    assert any(p["slug"] == "long" and len(p["body"]) == 20_000 for p in site["draft"]["pages"])
    too_long = world.put("sec1", f"/orgs/{world.orgs['B1']}/site/pages/long", {"title": "长文", "body": long + "党"})
    error(too_long, 400, "invalid_argument", "body")
