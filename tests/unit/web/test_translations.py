"""The web app's strings: every one in the Chinese table has its English twin with the same placeholders,
every key the code uses exists, and no Chinese text hides in the code instead of the tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

WEB = Path(__file__).resolve().parents[3] / "web"
LOCALES = WEB / "src" / "locales"
SOURCES = [p for p in (WEB / "src").rglob("*") if p.suffix in {".vue", ".js"}]
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
# $t('a.b'), t('a.b', …), and keys written as plain strings in tables ('import.memberRows')
USED = re.compile(r"""(?:\$t|\bt)\(\s*'([a-zA-Z]+(?:\.[a-zA-Z]+)+)'|'([a-z][a-zA-Z]*\.[a-z][a-zA-Z]*)'""")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def flat(table: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def table(locale: str) -> dict[str, str]:
    """The locale's strings from all its files; a namespace belongs to one file only."""
    merged: dict = {}
    for part in sorted((LOCALES / locale).glob("*.json")):
        content = json.loads(part.read_text(encoding="utf-8"))
        clash = set(content) & set(merged)
        assert not clash, f"{part.name} defines {clash} again"
        merged.update(content)
    return flat(merged)


def test_chinese_and_english_have_the_same_keys_and_placeholders():
    zh, en = table("zh-CN"), table("en")
    assert sorted(p.name for p in (LOCALES / "zh-CN").glob("*.json")) == sorted(
        p.name for p in (LOCALES / "en").glob("*.json")
    )
    assert sorted(zh) == sorted(en)
    for key in zh:
        assert set(PLACEHOLDER.findall(zh[key])) == set(PLACEHOLDER.findall(en[key])), key
        assert zh[key].strip() and en[key].strip(), key


def test_every_key_the_code_uses_is_in_the_tables():
    zh = table("zh-CN")
    used = set()
    for source in SOURCES:
        for called, listed in USED.findall(source.read_text(encoding="utf-8")):
            key = called or listed
            if key.split(".")[0] in {k.split(".")[0] for k in zh}:
                used.add(key)
    missing = sorted(k for k in used if k not in zh)
    assert not missing, missing
    assert len(used) > 50  # the pattern still finds the keys


COMMENT = ("//", "/*", "*", "<!--")  # comments may name a domain term in Chinese, as the docs do


def test_no_chinese_text_outside_the_tables():
    offenders = [
        f"{source.relative_to(WEB)}:{n}: {line.strip()}"
        for source in SOURCES
        for n, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1)
        if CJK.search(line.split(" // ")[0]) and not line.strip().startswith(COMMENT)
    ]
    assert not offenders, offenders


EAGER = {"core", "login", "microblog"}  # web/src/i18n.js: in the main bundle
# the namespace of every key asked for, also of keys put together at run time: t('orgTerms.status.' + s)
NAMESPACE = re.compile(r"""(?:\$t|\bt)\(\s*'([a-zA-Z]+)\.|'([a-z][a-zA-Z]*)\.[a-z][a-zA-Z]*'""")
IMPORTED = re.compile(r"from '(\.\./[a-z]+/[\w./]+\.(?:vue|js))'")
DECLARED = re.compile(r"areas:\s*\[([^\]]*)\]")


def test_an_areas_views_use_strings_that_are_loaded_with_them():
    """An area's tables load with its views (router.js); strings of another area need that area named in
    the route's meta.areas, or must be in the main bundle's tables."""
    namespaces = {
        part.stem: set(json.loads(part.read_text(encoding="utf-8"))) for part in (LOCALES / "zh-CN").glob("*.json")
    }
    eager = set().union(*(namespaces[name] for name in EAGER))
    for folder in sorted(p for p in (WEB / "src" / "views").iterdir() if p.is_dir()):
        if folder.name == "core":  # the workbench loads every area's tables
            continue
        routes = (folder / "routes.js").read_text(encoding="utf-8")
        areas = {folder.name} | {a.strip(" '\"") for m in DECLARED.findall(routes) for a in m.split(",") if a.strip()}
        allowed = eager.union(*(namespaces.get(a, set()) for a in areas))
        own = [p for p in folder.rglob("*") if p.suffix in {".vue", ".js"}]
        # a view or component of another area that this area's views import speaks in this area's views too
        borrowed = {
            (folder / name).resolve()
            for source in own
            for name in IMPORTED.findall(source.read_text(encoding="utf-8"))
            if not (folder / name).resolve().is_relative_to(folder)
        }
        for source in own + sorted(borrowed):
            for called, listed in NAMESPACE.findall(source.read_text(encoding="utf-8")):
                namespace = called or listed
                if any(namespace in found for found in namespaces.values()):
                    where = f"{source.relative_to(WEB)} (in {folder.name})"
                    assert namespace in allowed, f"{where} uses {namespace}.* not loaded with it"
