"""Notices' rules: targets within the sender's subtree, counting per org of the audience, reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import inputs
from services.content.domain import notices as rules

pytestmark = pytest.mark.unit


def test_targets_must_lie_below_the_sender_and_nested_ones_are_dropped():
    paths = {"g": ["root", "g"], "b1": ["root", "g", "b1"], "b2": ["root", "g", "b2"]}
    assert rules.targets("g", paths) == ["g"]  # b1 and b2 are inside g
    assert rules.targets("g", {k: paths[k] for k in ("b1", "b2")}) == ["b1", "b2"]
    with pytest.raises(DomainError) as err:
        rules.targets("b1", {"b2": paths["b2"]})
    assert err.value.code == ErrorCode.PERMISSION_DENIED and err.value.field == "target_org_ids"


def test_every_recipient_counts_for_each_org_from_the_target_down():
    paths = [
        rules.path_below(["root", "g", "b1"], ["g"]),
        rules.path_below(["root", "g", "b1", "grp"], ["g"]),
        rules.path_below(["root", "g", "b2"], ["g"]),
        rules.path_below(["root", "g"], ["g"]),
    ]
    counts, parents = rules.counts_by_org(paths)
    assert counts == {"g": 4, "b1": 2, "grp": 1, "b2": 1}
    assert parents == {"g": "", "b1": "g", "grp": "b1", "b2": "g"}
    assert rules.path_below(["root", "other"], ["g"]) == []


def test_roles_are_the_officers_not_everyone():
    assert rules.roles(["secretary", "secretary", "organization_officer"]) == ["secretary", "organization_officer"]
    for bad in (["member"], ["king"]):
        with pytest.raises(DomainError) as err:
            rules.roles(bad)
        assert err.value.field == "roles"


def test_one_reminder_an_hour():
    now = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    assert rules.reminder_wait(now, now) == 0
    assert rules.reminder_wait(now + dt.timedelta(minutes=10, seconds=0.5), now) == 601
    assert rules.reminder_wait(now - dt.timedelta(seconds=1), now) == 0
    assert rules.chunks(list("abcde"), 2) == [["a", "b"], ["c", "d"], ["e"]]


def test_attachments_are_few_and_well_formed():
    assert inputs.media_ids(["m1", "m2", "m1"]) == ["m1", "m2"]
    for bad in ([f"m{i}" for i in range(10)], ["../etc/passwd"], [""]):
        with pytest.raises(DomainError) as err:
            inputs.media_ids(bad)
        assert err.value.code == ErrorCode.INVALID_ARGUMENT and err.value.field == "attachment_ids"
