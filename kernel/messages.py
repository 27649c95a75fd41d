"""Translatable user-facing messages, Chinese first (zh-CN), English second.

Errors carry a message key and parameters; the text is rendered here in the reader's locale, so every
string a person reads can be translated without touching the code that raised it. The texts live in
kernel/catalogs/, one module per service or area, each a MESSAGES dict.
"""

from __future__ import annotations

import importlib
import pkgutil

from kernel import catalogs

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")


def _load_catalog() -> dict[str, dict[str, str]]:
    """Every module of kernel/catalogs contributes its MESSAGES; a key defined twice is a mistake."""
    catalog: dict[str, dict[str, str]] = {}
    for info in pkgutil.iter_modules(catalogs.__path__):
        module = importlib.import_module(f"{catalogs.__name__}.{info.name}")
        for key, texts in module.MESSAGES.items():
            if key in catalog:
                raise RuntimeError(f"message key {key!r} is defined twice (kernel/catalogs/{info.name}.py)")
            catalog[key] = texts
    return catalog


CATALOG = _load_catalog()


def render(key: str, locale: str, params: dict[str, object] | None = None) -> str:
    """The message for key in locale (falling back to zh-CN), with {params} filled in."""
    entry = CATALOG.get(key) or CATALOG["internal"]
    template = entry.get(locale) or entry[DEFAULT_LOCALE]
    # A parameter that is itself a catalog key (a label such as "status.full") is rendered too.
    values = {k: _label(v, locale) for k, v in (params or {}).items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def _label(value: object, locale: str) -> object:
    if isinstance(value, str) and "." in value and value in CATALOG:
        texts = CATALOG[value]
        return texts.get(locale) or texts[DEFAULT_LOCALE]
    return value


def negotiate(accept_language: str | None) -> str:
    """Pick a supported locale from an Accept-Language header (zh-CN unless English is preferred)."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
