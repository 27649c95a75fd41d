"""Custom apps' rules (个性化应用): what an app is (a form or survey, a page of links), the fields of a form and
the checks of what a member submits, an org's menu.

An app is defined once — in the region's catalog by its admins, or by an org for itself — and installed on
orgs. Installing on an org with `subtree` pushes it to every org below (a superior org's campaign form); an
org's menu is its own installs and what the orgs above pushed, in the order the org arranged (pushed apps it
cannot remove). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs

NAME_MAX = 30
DESCRIPTION_MAX = 200
FIELDS_MAX = 50
LABEL_MAX = 60
OPTIONS_MAX = 30
OPTION_MAX = 60
LINKS_MAX = 50
TEXT_MAX, TEXTAREA_MAX = 500, 5_000
MENU_MAX = 100

FORM, LINKS, WEBHOOK = "form", "links", "webhook"
KINDS = (FORM, LINKS, WEBHOOK)
TEXT, TEXTAREA, NUMBER, DATE, CHOICE, MULTICHOICE, PHONE, EMAIL = (
    "text",
    "textarea",
    "number",
    "date",
    "choice",
    "multichoice",
    "phone",
    "email",
)
FIELD_TYPES = (TEXT, TEXTAREA, NUMBER, DATE, CHOICE, MULTICHOICE, PHONE, EMAIL)

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")  # a mainland mobile, or a landline with its area code
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_URL = re.compile(r"^https?://[^\s<>\"']{1,500}$")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    required: bool = False
    options: tuple[str, ...] = ()
    max_length: int = 0  # text, textarea: 0 means the type's own limit
    min_value: float | None = None  # number
    max_value: float | None = None
    max_choices: int = 0  # multichoice: 0 means any number


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    description: str = ""


def name(value: str) -> str:
    return inputs.text(value, "name", NAME_MAX)


def description(value: str) -> str:
    return inputs.text(value, "description", DESCRIPTION_MAX, required=False)


def kind(value: str) -> str:
    if value not in KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_kind_invalid", "kind", kinds=", ".join(KINDS))
    return value


def fields(raw: Sequence[Field]) -> list[Field]:
    """A form's fields, checked (named fields[i].…): distinct keys, known types, options where needed."""
    if not 1 <= len(raw) <= FIELDS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_fields_count", "fields", max=FIELDS_MAX)
    seen: set[str] = set()
    out = []
    for i, f in enumerate(raw):
        at = f"fields[{i}]"
        if not _KEY.match(f.key) or f.key in seen:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_field_key_invalid", f"{at}.key")
        seen.add(f.key)
        if f.type not in FIELD_TYPES:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_field_type_invalid", f"{at}.type")
        options: tuple[str, ...] = ()
        if f.type in (CHOICE, MULTICHOICE):
            options = tuple(inputs.text(o, f"{at}.options", OPTION_MAX) for o in f.options)
            if not 2 <= len(options) <= OPTIONS_MAX or len(set(options)) != len(options):
                raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_field_options", f"{at}.options", max=OPTIONS_MAX)
        elif f.options:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_field_options", f"{at}.options", max=OPTIONS_MAX)
        limit = TEXTAREA_MAX if f.type == TEXTAREA else TEXT_MAX
        if f.max_length and not (f.type in (TEXT, TEXTAREA) and 1 <= f.max_length <= limit):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_field_limit", f"{at}.max_length", max=limit)
        if f.min_value is not None and f.max_value is not None and f.min_value > f.max_value:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_field_limit", f"{at}.min_value", max=f.max_value)
        if f.max_choices and not (f.type == MULTICHOICE and 1 <= f.max_choices <= len(options)):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_field_limit", f"{at}.max_choices", max=len(options))
        out.append(
            Field(
                f.key,
                inputs.text(f.label, f"{at}.label", LABEL_MAX),
                f.type,
                f.required,
                options,
                f.max_length,
                f.min_value if f.type == NUMBER else None,
                f.max_value if f.type == NUMBER else None,
                f.max_choices,
            )
        )
    return out


def links(raw: Sequence[Link]) -> list[Link]:
    if not 1 <= len(raw) <= LINKS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_links_count", "links", max=LINKS_MAX)
    out = []
    for i, link in enumerate(raw):
        url = (link.url or "").strip()
        if not _URL.match(url):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_link_url_invalid", f"links[{i}].url")
        out.append(
            Link(
                inputs.text(link.title, f"links[{i}].title", LABEL_MAX),
                url,
                inputs.text(link.description, f"links[{i}].description", DESCRIPTION_MAX, required=False),
            )
        )
    return out


def submission(form: Sequence[Field], values: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """What a member filled in, checked against the form (errors name values.<key>): every value as text,
    a list per field (one item but for multiple choice); unknown keys are refused, empty optional ones dropped."""
    known = {f.key: f for f in form}
    for key in values:
        if key not in known:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_unknown", f"values.{key}")
    out: dict[str, list[str]] = {}
    for f in form:
        given = [v.strip() for v in values.get(f.key, ()) if v.strip()]
        at = f"values.{f.key}"
        if not given:
            if f.required:
                raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_required", at)
            continue
        if f.type != MULTICHOICE and len(given) > 1:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_invalid", at)
        out[f.key] = _checked(f, given, at)
    return out


def _checked(f: Field, given: list[str], at: str) -> list[str]:
    value = given[0]
    if f.type in (TEXT, TEXTAREA):
        limit = f.max_length or (TEXTAREA_MAX if f.type == TEXTAREA else TEXT_MAX)
        return [inputs.text(value, at, limit)]
    if f.type == NUMBER:
        try:
            number = float(value)
        except ValueError:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_invalid", at) from None
        too_low = f.min_value is not None and number < f.min_value
        too_high = f.max_value is not None and number > f.max_value
        if not math.isfinite(number) or too_low or too_high:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_out_of_range", at)
        return [value]
    if f.type == DATE:
        try:
            return [dt.date.fromisoformat(value).isoformat()]
        except ValueError:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_invalid", at) from None
    if f.type in (CHOICE, MULTICHOICE):
        if any(v not in f.options for v in given) or len(set(given)) != len(given):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_invalid", at)
        if f.max_choices and len(given) > f.max_choices:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_out_of_range", at)
        return [o for o in f.options if o in given]  # in the form's order
    pattern = _PHONE if f.type == PHONE else _EMAIL
    compact = value.replace(" ", "") if f.type == PHONE else value
    if not pattern.match(compact):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_value_invalid", at)
    return [compact]


def menu(available: Sequence[str], pushed: set[str], arranged: Sequence[str]) -> list[str]:
    """An org's menu: the apps it may show (available), in its arranged order; apps it never placed come
    after, pushed ones first. Pushed apps stay whatever the arrangement says."""
    placed = [a for a in dict.fromkeys(arranged) if a in available]
    rest = [a for a in available if a not in placed]
    return placed + [a for a in rest if a in pushed] + [a for a in rest if a not in pushed]


def arrangement(app_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(app_ids))
    if len(ids) > MENU_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "app_menu_too_long", "app_ids", max=MENU_MAX)
    return inputs.ids(ids, "app_ids", MENU_MAX)
