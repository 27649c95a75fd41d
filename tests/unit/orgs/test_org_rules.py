"""The org tree's rules, the development pipeline and dues months (pure, no servers)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.orgs.domain import dues, pipeline, tree

pytestmark = pytest.mark.unit


def code_of(call) -> tuple[str, str | None, str]:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code.code, caught.value.field, caught.value.key


@pytest.mark.parametrize(
    ("org_type", "parent_type", "ok"),
    [
        ("committee", None, True),
        ("committee", "committee", True),
        ("general_branch", "committee", True),
        ("branch", "committee", True),
        ("branch", "general_branch", True),
        ("group", "branch", True),
        ("group", "committee", False),
        ("group", "general_branch", False),
        ("group", "group", False),
        ("branch", "branch", False),
        ("branch", None, False),
        ("general_branch", "general_branch", False),
    ],
)
def test_placement(org_type, parent_type, ok):
    if ok:
        tree.check_placement(org_type, parent_type)
    else:
        assert code_of(lambda: tree.check_placement(org_type, parent_type))[:2] == ("failed_precondition", "parent_id")


def test_no_cycles_when_moving():
    # a > b > c: b can't go under c (its own descendant) nor under itself
    assert code_of(lambda: tree.check_move(["a", "b"], ["a", "b", "c"]))[2] == "org_move_cycle"
    assert code_of(lambda: tree.check_move(["a", "b"], ["a", "b"]))[2] == "org_move_cycle"
    assert code_of(lambda: tree.check_move(["a", "b"], ["a"]))[2] == "org_move_same_parent"
    tree.check_move(["a", "b"], ["x"])


def test_rebased_paths():
    assert tree.rebased(["a", "b", "c", "d"], ["a", "b"], ["x", "y", "b"]) == ["x", "y", "b", "c", "d"]
    with pytest.raises(ValueError):
        tree.rebased(["a", "z"], ["a", "b"], ["x"])


@pytest.mark.parametrize("slug", ["UPPER", "-dash", "dash-", "with space", "中文", "a" * 65, "a_b"])
def test_bad_slugs(slug):
    assert code_of(lambda: tree.check_slug(slug))[1] == "slug"


def test_names_types_categories_locations():
    assert tree.check_name("  示范社区第二党支部 ") == "示范社区第二党支部"
    assert code_of(lambda: tree.check_name("   "))[1] == "name"
    assert code_of(lambda: tree.check_name("x" * 101))[1] == "name"
    assert code_of(lambda: tree.check_type("cell"))[1] == "type"
    assert code_of(lambda: tree.check_category("club"))[1] == "category"
    assert tree.check_category("") == ""
    assert tree.check_location(117.2, 39.1) == (117.2, 39.1)
    assert code_of(lambda: tree.check_location(200, 39))[1] == "location"


TODAY = dt.date(2026, 11, 25)


def test_the_pipeline_goes_one_step_at_a_time():
    since = dt.date(2020, 1, 1)
    pipeline.check_step("applicant", since, "activist", dt.date(2020, 3, 1), TODAY)
    code, field, key = code_of(lambda: pipeline.check_step("applicant", since, "probationary", TODAY, TODAY))
    assert (code, field, key) == ("failed_precondition", "to_status", "status_step_invalid")
    assert code_of(lambda: pipeline.check_step("deceased", since, "full", TODAY, TODAY))[2] == "status_step_invalid"
    assert (
        code_of(lambda: pipeline.check_step("full", since, "transferred_out", TODAY, TODAY))[2] == "status_step_invalid"
    )
    assert code_of(lambda: pipeline.check_step("full", since, "emperor", TODAY, TODAY))[1] == "to_status"


def test_probation_lasts_a_year_and_so_does_activist_training():
    since = dt.date(2025, 12, 1)
    later = dt.date(2027, 1, 1)
    err = code_of(lambda: pipeline.check_step("probationary", since, "full", dt.date(2026, 11, 30), later))
    assert err == ("failed_precondition", "effective_on", "status_step_too_early")
    with pytest.raises(DomainError) as caught:
        pipeline.check_step("probationary", since, "full", dt.date(2026, 11, 30), dt.date(2027, 1, 1))
    assert caught.value.params == {"earliest": "2026-12-01"}
    pipeline.check_step("probationary", since, "full", dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    activist = dt.date(2025, 11, 26)
    assert code_of(lambda: pipeline.check_step("activist", activist, "development_target", TODAY, TODAY))[2] == (
        "status_step_too_early"
    )
    pipeline.check_step("activist", dt.date(2025, 11, 25), "development_target", TODAY, TODAY)


def test_dates_neither_in_the_future_nor_before_the_current_step():
    since = dt.date(2026, 6, 1)
    assert code_of(lambda: pipeline.check_step("applicant", since, "activist", dt.date(2026, 12, 1), TODAY))[2] == (
        "date_in_future"
    )
    assert code_of(lambda: pipeline.check_step("applicant", since, "activist", dt.date(2026, 5, 31), TODAY))[2] == (
        "date_before_current_step"
    )
    assert code_of(lambda: pipeline.parse_date("2026-13-01"))[1] == "effective_on"
    assert pipeline.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


def test_dues_months_and_arrears():
    assert dues.check_month("2026-11") == "2026-11"
    for bad in ("2026-13", "2026-1", "26-11", "２０２６-11", ""):
        assert code_of(lambda bad=bad: dues.check_month(bad))[1] == "month"
    assert code_of(lambda: dues.check_amount(0))[1] == "amount_fen"
    assert code_of(lambda: dues.check_amount(dues.MAX_AMOUNT_FEN + 1))[1] == "amount_fen"
    assert dues.months_owed("2026-08", "2026-11", "2020-01") == 3
    assert dues.months_owed("2026-11", "2026-11", "2020-01") == 0
    assert dues.months_owed("2027-01", "2026-11", "2020-01") == 0
    assert dues.months_owed("", "2026-11", "2026-09") == 3
    assert dues.months_owed("2025-12", "2026-01", "2020-01") == 1


def test_error_codes_are_the_stable_ones():
    assert ErrorCode.FAILED_PRECONDITION.http_status == 409
