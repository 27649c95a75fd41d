"""Steps the browser tests share: people and orgs made through the API, signing in through the page."""

from __future__ import annotations

import io
import re
import secrets

from PIL import Image
from playwright.sync_api import expect

from tests.conftest import Person, register
from tests.e2e.corner import add_member, create_org


def png(color: tuple[int, int, int], size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def members_of_new_branch(api, identity_events, admin: Person, names: list[str]) -> list[Person]:
    """New full members (colleagues) of a branch of their own under the demo committee."""
    branch = create_org(api, admin, "demo-committee", f"网页测试支部{secrets.token_hex(3)}", "branch")
    people = []
    for name in names:
        person = register(api, identity_events, name)
        add_member(api, admin, branch["id"], person, name)
        people.append(person)
    return people


def sign_in(page, phone: str, password: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/app/login"))
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_label("发动态")).to_be_visible()
