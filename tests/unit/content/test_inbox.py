"""The inbox's pure rules (services/content/domain/inbox.py)."""

from __future__ import annotations

import pytest

from kernel import messages
from kernel.errors import DomainError
from services.content.domain import inbox as rules

pytestmark = pytest.mark.unit


def test_defaults_forward_what_matters_and_keep_likes_in_the_app():
    assert rules.preference(None, rules.MENTION) == rules.KindPreference(in_app=True, sms=False, push=True)
    assert rules.preference(None, rules.LIKE).channels() == []
    assert rules.preference({}, rules.CHAT).channels() == ["push"]


def test_a_stored_preference_wins_for_its_kind_only():
    stored = {rules.LIKE: {"in_app": False, "sms": True, "push": False}}
    assert rules.preference(stored, rules.LIKE) == rules.KindPreference(in_app=False, sms=True, push=False)
    assert rules.preference(stored, rules.LIKE).channels() == ["sms"]
    assert rules.preference(stored, rules.NOTICE) == rules.DEFAULTS[rules.NOTICE]


def test_unknown_kinds_are_refused():
    with pytest.raises(DomainError) as caught:
        rules.check_kind("poke", "preferences.kind")
    assert caught.value.field == "preferences.kind"


def test_every_kind_has_a_title_in_both_languages():
    for kind in rules.KINDS:
        for count in (1, 3):
            key = rules.title_key(kind, count)
            assert key in messages.CATALOG, key
            for locale in messages.LOCALES:
                title = messages.render(key, locale, {"actor": "王芳", "count": count, "subject": "学习通知"})
                assert "{" not in title, title
    assert rules.title_key(rules.LIKE, 3) == "inbox.title.like.many"
    assert rules.title_key(rules.MENTION, 3) == "inbox.title.mention"


def test_latest_actors_are_distinct_newest_first_and_few():
    actors: list[str] = []
    for a in ["a", "b", "a", "c", "d", "e", "f"]:
        actors = rules.latest_actors(actors, a)
    assert actors == ["f", "e", "d", "c", "a"]


def test_bodies_are_flattened_and_cut():
    assert rules.body("a\n\nb") == "a b"
    assert len(rules.body("字" * 500)) == rules.BODY_CHARS
