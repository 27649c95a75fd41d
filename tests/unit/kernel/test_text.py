"""kernel/text.py: what counts as a control character in a name shown to others."""

from __future__ import annotations

import pytest

from kernel.text import has_control

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("value", ["支部\x00", "a\x1b[31m", "a\x7f", "a\x85", "a\u202eb", "a\u2066b", "\t"])
def test_control_characters_and_bidi_overrides(value):
    assert has_control(value)


@pytest.mark.parametrize("value", ["第一党支部", "Zhang San", "👨\u200d👩\u200d👧", "a\u200bb", "", "（一）"])
def test_ordinary_names(value):
    assert not has_control(value)
