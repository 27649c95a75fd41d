"""Checks of short human text (names) that every service shares."""

from __future__ import annotations

import unicodedata

# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees ("exe.txt" shown for
# "txt.exe"), so a name shown to others must not hold them.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control(value: str) -> bool:
    """Whether value holds a control character (C0, DEL, C1) or a bidirectional override."""
    return any(c in _BIDI or unicodedata.category(c) == "Cc" for c in value)
