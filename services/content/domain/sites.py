"""Org micro-websites' rules (创建网站服务): the site's address, templates and theme colours, pages, photo
albums, contact, and the light markup of a page's text.

A site is edited as a draft and published as a whole: readers see the last published copy, never a half-made
edit. A page's text is written in a small markup (paragraphs, `#`/`##` headings, `-` lists, `**bold**`,
`[text](https://…)` links) and turned into HTML here, once, when it is saved: every character a person typed
is escaped first, so a page can hold no script, style or attribute of its author's making. Pure: no I/O.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs

SLUG_MIN, SLUG_MAX = 2, 40
TITLE_MAX = 60
TAGLINE_MAX = 120
PAGE_TITLE_MAX = 40
PAGE_BODY_MAX = 20_000
PAGES_MAX = 30
ALBUMS_MAX = 20
PHOTOS_MAX = 200
CAPTION_MAX = 100
CONTACT_MAX = 200

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
# The gateway's own first path segments, and the site's own sub-paths: never an org's or a page's address.
RESERVED = frozenset(
    {"api", "docs", "openapi.json", "healthz", "readyz", "metrics", "static", "media", "app", "admin", "ws"}
)
PAGE_RESERVED = frozenset({"news", "albums", "contact"})

TEMPLATES = ("classic", "banner", "compact")
# Theme colours by name (the palette keeps text readable on each: white on the colour).
COLOURS = {
    "party-red": "#c8161d",
    "crimson": "#a4161a",
    "navy": "#1d3557",
    "teal": "#0f6e6e",
    "forest": "#2d6a4f",
    "slate": "#374151",
}
DEFAULT_TEMPLATE, DEFAULT_COLOUR = "classic", "party-red"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    body: str  # the markup as written
    in_menu: bool = True


@dataclass(frozen=True)
class Photo:
    media_id: str
    caption: str = ""


@dataclass(frozen=True)
class Contact:
    address: str = ""
    phone: str = ""
    email: str = ""
    hours: str = ""


@dataclass(frozen=True)
class Settings:
    title: str
    tagline: str = ""
    template: str = DEFAULT_TEMPLATE
    colour: str = DEFAULT_COLOUR
    contact: Contact = field(default_factory=Contact)


def slug(value: str, field_name: str = "slug") -> str:
    value = (value or "").strip().lower()
    if not SLUG_MIN <= len(value) <= SLUG_MAX or not _SLUG.match(value) or value in RESERVED:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "site_slug_invalid", field_name, min=SLUG_MIN, max=SLUG_MAX)
    return value


def page_slug(value: str) -> str:
    value = slug(value, "page_slug")
    if value in PAGE_RESERVED:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "site_slug_invalid", "page_slug", min=SLUG_MIN, max=SLUG_MAX)
    return value


def settings(raw: Settings) -> Settings:
    if raw.template not in TEMPLATES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "site_template_unknown", "template")
    if raw.colour not in COLOURS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "site_colour_unknown", "colour")
    c = raw.contact
    email = inputs.text(c.email, "contact.email", CONTACT_MAX, required=False)
    if email and not re.match(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$", email):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "site_email_invalid", "contact.email")
    return Settings(
        title=inputs.text(raw.title, "title", TITLE_MAX),
        tagline=inputs.text(raw.tagline, "tagline", TAGLINE_MAX, required=False),
        template=raw.template,
        colour=raw.colour,
        contact=Contact(
            address=inputs.text(c.address, "contact.address", CONTACT_MAX, required=False),
            phone=inputs.text(c.phone, "contact.phone", CONTACT_MAX, required=False),
            email=email,
            hours=inputs.text(c.hours, "contact.hours", CONTACT_MAX, required=False),
        ),
    )


def page(raw: Page) -> Page:
    return Page(
        slug=page_slug(raw.slug),
        title=inputs.text(raw.title, "title", PAGE_TITLE_MAX),
        body=inputs.text(raw.body, "body", PAGE_BODY_MAX, required=False),
        in_menu=raw.in_menu,
    )


def pages_after_put(pages: Sequence[Page], new: Page) -> list[Page]:
    """The site's pages with `new` replacing the page of its slug, or added last."""
    if all(p.slug != new.slug for p in pages) and len(pages) >= PAGES_MAX:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "site_pages_full", "page_slug", max=PAGES_MAX)
    replaced = [new if p.slug == new.slug else p for p in pages]
    return replaced if any(p.slug == new.slug for p in pages) else [*pages, new]


def photos(raw: Sequence[Photo]) -> list[Photo]:
    if len(raw) > PHOTOS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "site_photos_count", "photos", max=PHOTOS_MAX)
    out = []
    for i, photo in enumerate(raw):
        if not photo.media_id:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_media_id_invalid", f"photos[{i}].media_id")
        media_id = inputs.media_ids([photo.media_id], f"photos[{i}].media_id")[0]
        out.append(Photo(media_id, inputs.text(photo.caption, f"photos[{i}].caption", CAPTION_MAX, required=False)))
    return out


def album_title(value: str) -> str:
    return inputs.text(value, "title", PAGE_TITLE_MAX)


# -- the page markup ------------------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]\n]{1,200})\]\((https?://[^\s()<>\"']{1,500})\)")


def _inline(escaped: str) -> str:
    """Bold and links inside one escaped line (the URL was escaped too, so it holds no quote)."""
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _LINK.sub(r'<a href="\2" rel="nofollow noopener">\1</a>', escaped)


def render(markup: str) -> str:
    """The page's HTML: blocks split by blank lines; `# ` and `## ` headings, `- ` lists, paragraphs."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", markup.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(html.escape(line[2:].strip()))}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
            continue
        paragraph: list[str] = []
        for line in lines:
            heading = re.match(r"^(#{1,2}) (.+)$", line)
            if heading:
                if paragraph:
                    out.append(f"<p>{'<br>'.join(paragraph)}</p>")
                    paragraph = []
                level = len(heading.group(1)) + 1  # the site's title is the page's h1
                out.append(f"<h{level}>{_inline(html.escape(heading.group(2).strip()))}</h{level}>")
            else:
                paragraph.append(_inline(html.escape(line)))
        if paragraph:
            out.append(f"<p>{'<br>'.join(paragraph)}</p>")
    return "\n".join(out)
