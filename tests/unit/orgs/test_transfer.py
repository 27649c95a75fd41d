"""The transfer state machine: which steps lead where, who may take them, and retries as no-ops."""

from __future__ import annotations

import pytest

from kernel import messages
from kernel.errors import DomainError, ErrorCode
from services.orgs.domain import transfer as t

pytestmark = pytest.mark.unit

MEMBER = t.Parties(is_member=True, is_requester=True)
OUT_ADMIN = t.Parties(manages_outgoing=True)
IN_ADMIN = t.Parties(manages_incoming=True)
BOTH_ADMIN = t.Parties(manages_outgoing=True, manages_incoming=True)
STRANGER = t.Parties()


def refused(state, step, parties, taken=()) -> DomainError:
    with pytest.raises(DomainError) as caught:
        t.plan(state, step, tuple(taken), parties)
    return caught.value


def test_the_happy_path_runs_requested_approved_completed():
    first = t.plan(t.REQUESTED, t.APPROVE_OUT, (), OUT_ADMIN)
    assert first == t.Plan(True, t.APPROVED_OUT)
    second = t.plan(t.APPROVED_OUT, t.ACCEPT_IN, (t.APPROVE_OUT,), IN_ADMIN)
    assert second == t.Plan(True, t.COMPLETED)


@pytest.mark.parametrize(
    ("state", "step", "parties", "to"),
    [
        (t.REQUESTED, t.REJECT_OUT, OUT_ADMIN, t.REJECTED_OUT),
        (t.APPROVED_OUT, t.REJECT_IN, IN_ADMIN, t.REJECTED_IN),
        (t.REQUESTED, t.CANCEL, MEMBER, t.CANCELLED),
        (t.APPROVED_OUT, t.CANCEL, MEMBER, t.CANCELLED),
    ],
)
def test_rejections_and_cancellation(state, step, parties, to):
    assert t.plan(state, step, (), parties) == t.Plan(True, to)


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (t.REQUESTED, t.ACCEPT_IN),  # the outgoing org decides first
        (t.REQUESTED, t.REJECT_IN),
        (t.APPROVED_OUT, t.APPROVE_OUT),  # approved already, by a step this record lacks
        (t.COMPLETED, t.CANCEL),  # too late to cancel
        (t.REJECTED_OUT, t.APPROVE_OUT),
        (t.REJECTED_IN, t.ACCEPT_IN),
        (t.CANCELLED, t.ACCEPT_IN),
        (t.APPROVED_OUT, t.REJECT_OUT),  # the outgoing org already said yes
    ],
)
def test_steps_out_of_order_are_refused(state, step):
    parties = t.Parties(is_requester=True, manages_outgoing=True, manages_incoming=True)
    err = refused(state, step, parties)
    assert err.code is ErrorCode.FAILED_PRECONDITION
    assert err.field == "step"


def test_every_terminal_state_allows_nothing():
    everyone = t.Parties(is_requester=True, manages_outgoing=True, manages_incoming=True)
    for state in (t.COMPLETED, t.REJECTED_OUT, t.REJECTED_IN, t.CANCELLED):
        assert t.allowed_steps(state, everyone) == []


def test_each_side_decides_only_its_own_steps():
    assert refused(t.REQUESTED, t.APPROVE_OUT, IN_ADMIN).code is ErrorCode.PERMISSION_DENIED
    assert refused(t.APPROVED_OUT, t.ACCEPT_IN, OUT_ADMIN).code is ErrorCode.PERMISSION_DENIED
    assert refused(t.REQUESTED, t.APPROVE_OUT, STRANGER).code is ErrorCode.PERMISSION_DENIED
    assert refused(t.REQUESTED, t.CANCEL, OUT_ADMIN).code is ErrorCode.PERMISSION_DENIED  # not the requester


def test_the_member_decides_no_step_of_their_own_transfer_even_as_an_admin_of_both_orgs():
    secretary_of_both = t.Parties(is_member=True, is_requester=True, manages_outgoing=True, manages_incoming=True)
    for state, step in ((t.REQUESTED, t.APPROVE_OUT), (t.REQUESTED, t.REJECT_OUT), (t.APPROVED_OUT, t.ACCEPT_IN)):
        assert refused(state, step, secretary_of_both).code is ErrorCode.PERMISSION_DENIED
    assert t.allowed_steps(t.APPROVED_OUT, secretary_of_both) == [t.CANCEL]


def test_a_step_already_taken_is_a_no_op_not_a_second_step():
    assert t.plan(t.APPROVED_OUT, t.APPROVE_OUT, (t.APPROVE_OUT,), OUT_ADMIN) == t.Plan(False)
    # still a no-op once the transfer has moved on: a late retry of the approval changes nothing
    assert t.plan(t.COMPLETED, t.APPROVE_OUT, (t.APPROVE_OUT, t.ACCEPT_IN), OUT_ADMIN) == t.Plan(False)
    # a completed transfer can't be completed again
    assert t.plan(t.COMPLETED, t.ACCEPT_IN, (t.APPROVE_OUT, t.ACCEPT_IN), IN_ADMIN) == t.Plan(False)


def test_a_retry_by_someone_without_the_right_is_refused_not_ignored():
    err = refused(t.APPROVED_OUT, t.APPROVE_OUT, IN_ADMIN, taken=(t.APPROVE_OUT,))
    assert err.code is ErrorCode.PERMISSION_DENIED


def test_a_conflicting_step_after_a_decision_is_refused():
    # the outgoing admin approved; a rejection arriving a moment later must not win too
    err = refused(t.APPROVED_OUT, t.REJECT_OUT, OUT_ADMIN, taken=(t.APPROVE_OUT,))
    assert err.code is ErrorCode.FAILED_PRECONDITION


def test_allowed_steps_show_each_party_its_buttons():
    assert t.allowed_steps(t.REQUESTED, OUT_ADMIN) == [t.APPROVE_OUT, t.REJECT_OUT]
    assert t.allowed_steps(t.REQUESTED, IN_ADMIN) == []
    assert t.allowed_steps(t.APPROVED_OUT, IN_ADMIN) == [t.ACCEPT_IN, t.REJECT_IN]
    assert t.allowed_steps(t.REQUESTED, MEMBER) == [t.CANCEL]
    assert t.allowed_steps(t.REQUESTED, BOTH_ADMIN) == [t.APPROVE_OUT, t.REJECT_OUT]


def test_who_may_request():
    assert t.may_request(is_member=True, manages_outgoing=False)
    assert t.may_request(is_member=False, manages_outgoing=True)
    assert not t.may_request(is_member=False, manages_outgoing=False)


def test_unknown_step_names_the_field():
    err = refused(t.REQUESTED, "approve", OUT_ADMIN)
    assert (err.code, err.key, err.field) == (ErrorCode.INVALID_ARGUMENT, "transfer_step_invalid", "step")


def test_rejections_need_a_reason_and_reasons_have_a_limit():
    for step in (t.REJECT_OUT, t.REJECT_IN):
        with pytest.raises(DomainError) as caught:
            t.check_reason(step, "   ")
        assert (caught.value.key, caught.value.field) == ("transfer_reason_required", "reason")
    assert t.check_reason(t.REJECT_OUT, "  档案不全  ") == "档案不全"
    assert t.check_reason(t.APPROVE_OUT, "") == ""
    with pytest.raises(DomainError) as caught:
        t.check_reason(t.CANCEL, "x" * (t.MAX_REASON + 1))
    assert caught.value.field == "reason"


def test_the_transitions_table_is_closed():
    for step, (sources, target) in t.TRANSITIONS.items():
        assert step in t.STEPS
        assert set(sources) <= set(t.STATES) and target in t.STATES
    assert set(t.TRANSITIONS) == set(t.STEPS)
    assert set(t.OPEN) == {s for sources, _ in t.TRANSITIONS.values() for s in sources}


def test_letter_numbers_carry_the_year_and_a_zero_padded_sequence():
    assert t.letter_number(2026, 42) == "2026-000042"
    assert t.letter_number(2027, 1_234_567) == "2027-1234567"


def test_every_message_key_of_the_machine_is_in_the_catalog_in_both_languages():
    for key in ("transfer_step_invalid", "transfer_step_forbidden", "transfer_state_invalid", "transfer_history_note"):
        assert set(messages.CATALOG[key]) == {"zh-CN", "en"}
    note = messages.render(
        "transfer_history_note", "zh-CN", {"letter_no": "2026-000001", "from_org": "甲", "to_org": "乙"}
    )
    assert "2026-000001" in note and "甲" in note and "乙" in note
