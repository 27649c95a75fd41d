"""kernel/messages.py: every message key raised in the code is translated; locale negotiation; rendering."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import kernel
from kernel import messages
from kernel.errors import ErrorCode

pytestmark = pytest.mark.unit

ROOT = Path(kernel.__file__).resolve().parent.parent
SCANNED = ("kernel", "services", "gateway")
# errors.py itself only rebuilds errors received from a peer (key read from the wire), so skip it.
NOT_RAISE_SITES = {Path("kernel/errors.py")}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _domain_error_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.relative_to(ROOT) in NOT_RAISE_SITES:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name == "DomainError":
                    calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


CALLS = _domain_error_calls()


def _key_arg(call: ast.Call) -> ast.expr | None:
    if len(call.args) >= 2:
        return call.args[1]
    for kw in call.keywords:
        if kw.arg == "key":
            return kw.value
    return None


def test_the_scan_finds_the_raise_sites():
    # guards against a scan that silently finds nothing and so proves nothing
    keyed = [c for _, c in CALLS if _key_arg(c) is not None]
    assert len(CALLS) >= 50
    assert len(keyed) >= 30
    assert any(where.startswith("services/identity/domain/") for where, _ in CALLS)
    assert any(where.startswith("gateway/") for where, _ in CALLS)


def test_every_raised_key_is_a_literal_in_the_catalog_in_every_locale():
    problems = []
    for where, call in CALLS:
        key = _key_arg(call)
        if key is None:
            continue  # the key defaults to the code's string: covered below
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            problems.append(f"{where}: key is not a string literal, so it can't be checked")
            continue
        if key.value == "":
            continue
        entry = messages.CATALOG.get(key.value)
        if entry is None:
            problems.append(f"{where}: {key.value!r} missing from messages.CATALOG")
            continue
        for locale in messages.LOCALES:
            if not entry.get(locale):
                problems.append(f"{where}: {key.value!r} has no {locale} text")
    assert problems == []


def test_every_code_used_without_a_key_is_in_the_catalog():
    for where, call in CALLS:
        if not call.args:
            continue
        code = call.args[0]
        if isinstance(code, ast.Attribute) and isinstance(code.value, ast.Name) and code.value.id == "ErrorCode":
            assert code.attr in ErrorCode.__members__, f"{where}: no ErrorCode.{code.attr}"
    for e in ErrorCode:
        entry = messages.CATALOG.get(e.code)
        assert entry is not None, e.code
        assert all(entry.get(locale) for locale in messages.LOCALES), e.code


def test_raise_sites_pass_every_param_their_message_needs():
    problems = []
    for where, call in CALLS:
        key = _key_arg(call)
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value in messages.CATALOG):
            continue
        if any(kw.arg is None for kw in call.keywords):
            continue  # **params: can't tell statically
        given = {kw.arg for kw in call.keywords}
        for locale, template in messages.CATALOG[key.value].items():
            missing = _placeholders(template) - given
            if missing:
                problems.append(f"{where}: {key.value!r} ({locale}) needs {sorted(missing)}")
    assert problems == []


def test_catalog_entries_have_every_locale_and_the_same_placeholders():
    for key, entry in messages.CATALOG.items():
        assert set(entry) == set(messages.LOCALES), key
        assert all(text.strip() for text in entry.values()), key
        assert _placeholders(entry["zh-CN"]) == _placeholders(entry["en"]), key


def test_chinese_is_the_default_locale():
    assert messages.DEFAULT_LOCALE == "zh-CN"
    assert messages.LOCALES[0] == "zh-CN"


# -- negotiate -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh-CN"),
        ("", "zh-CN"),
        ("*", "zh-CN"),
        ("de-DE,fr;q=0.8", "zh-CN"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("zh", "zh-CN"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("EN-gb", "en"),
        ("fr-FR, en;q=0.5, zh;q=0.3", "en"),
        (" de ; q=1 , en-US ; q=0.7", "en"),
    ],
)
def test_negotiate(header, expected):
    assert messages.negotiate(header) == expected


def test_negotiate_honours_quality_values():
    # English is explicitly preferred here (q=0.9 > q=0.1), though listed second.
    assert messages.negotiate("zh-CN;q=0.1, en;q=0.9") == "en"


# -- render ---------------------------------------------------------------------------------------------


def test_render_fills_params_in_each_locale():
    assert messages.render("role_unknown", "en", {"role": "pope"}) == "Unknown role: pope"
    assert messages.render("role_unknown", "zh-CN", {"role": "pope"}) == "未知角色：pope"
    assert messages.render("payload_too_large", "en", {"limit": 65536}) == (
        "The request body is too large (limit 65536 bytes)"
    )


def test_render_without_params_needs_none():
    assert messages.render("not_found", "en") == "Not found"
    assert messages.render("not_found", "zh-CN", None) == "未找到"


def test_render_falls_back_to_chinese_for_an_unknown_locale():
    assert messages.render("not_found", "fr") == "未找到"


def test_render_falls_back_to_internal_for_an_unknown_key():
    assert messages.render("no.such.key", "en") == "Internal error"
    assert messages.render("no.such.key", "zh-CN") == "服务器内部错误"


def test_render_with_missing_params_returns_the_template_instead_of_raising():
    assert messages.render("role_unknown", "en", {}) == "Unknown role: {role}"
    assert messages.render("role_unknown", "en", {"other": 1}) == "Unknown role: {role}"


def test_render_ignores_extra_params():
    assert messages.render("not_found", "en", {"unused": "x"}) == "Not found"
