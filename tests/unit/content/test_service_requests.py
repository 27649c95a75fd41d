"""Service requests' rules: routing to the nearest org with counsellors, who reads a request, the status flow
and its refusals, response-time targets and the overdue arithmetic, input checks naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.content.domain import service_requests as rules

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 26, 8, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
PATH = ("root", "committee", "branch", "group")  # root … the member's home org
MEMBER, TAKER, OTHER = "member-1", "counsellor-1", "counsellor-2"


def _refused(call) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    return err.value


def _facts(state: str = rules.OPEN, category: str = rules.LEGAL, counsellor: str = "") -> rules.Facts:
    return rules.Facts(category, state, MEMBER, counsellor)


# -- routing -------------------------------------------------------------------------------------------


def test_a_request_goes_to_the_home_org_when_it_has_counsellors():
    assert rules.route(PATH, {"group", "committee", "root"}) == "group"


def test_failing_that_to_the_nearest_org_above():
    assert rules.route(PATH, {"committee", "root"}) == "committee"
    assert rules.route(PATH, {"root"}) == "root"
    assert rules.route(PATH, {"committee", "elsewhere"}) == "committee"


def test_no_org_of_the_path_with_counsellors_is_refused_naming_the_category():
    for counselled in (set(), {"elsewhere"}):
        err = _refused(lambda c=counselled: rules.route(PATH, c))
        assert (err.code, err.key, err.field) == (ErrorCode.FAILED_PRECONDITION, "service_no_counsellors", "category")
    assert _refused(lambda: rules.route((), {"root"})).key == "service_no_counsellors"  # in no org


# -- who reads -----------------------------------------------------------------------------------------

QUEUE = rules.Caller(TAKER, counsels_queue=True)
QUEUE_OTHER = rules.Caller(OTHER, counsels_queue=True)
AUDITOR = rules.Caller("auditor-1", auditor=True)
STRANGER = rules.Caller("someone")
REMOVED = rules.Caller(TAKER, counsels_queue=False)  # was assigned, no longer counsels the queue


@pytest.mark.parametrize(
    ("category", "state", "counsellor", "caller", "role"),
    [
        # the member, whatever happens
        (rules.LEGAL, rules.OPEN, "", rules.Caller(MEMBER), rules.MEMBER),
        (rules.PSYCHOLOGICAL, rules.CLOSED, TAKER, rules.Caller(MEMBER), rules.MEMBER),
        # the queue's counsellors while it waits; only the assigned one afterwards
        (rules.LEGAL, rules.OPEN, "", QUEUE, rules.COUNSELLOR),
        (rules.LEGAL, rules.OPEN, "", QUEUE_OTHER, rules.COUNSELLOR),
        (rules.LEGAL, rules.ASSIGNED, TAKER, QUEUE, rules.COUNSELLOR),
        (rules.LEGAL, rules.ASSIGNED, TAKER, QUEUE_OTHER, None),
        (rules.LEGAL, rules.ANSWERED, TAKER, QUEUE_OTHER, None),
        (rules.LEGAL, rules.CLOSED, TAKER, QUEUE, rules.COUNSELLOR),
        (rules.LEGAL, rules.ASSIGNED, TAKER, REMOVED, None),
        # psychological: metadata only until taken, then the assigned counsellor alone
        (rules.PSYCHOLOGICAL, rules.OPEN, "", QUEUE, None),
        (rules.PSYCHOLOGICAL, rules.ASSIGNED, TAKER, QUEUE, rules.COUNSELLOR),
        (rules.PSYCHOLOGICAL, rules.ASSIGNED, TAKER, QUEUE_OTHER, None),
        # auditors, but not psychological requests
        (rules.LEGAL, rules.OPEN, "", AUDITOR, rules.AUDITOR),
        (rules.BUSINESS, rules.CLOSED, TAKER, AUDITOR, rules.AUDITOR),
        (rules.PSYCHOLOGICAL, rules.OPEN, "", AUDITOR, None),
        (rules.PSYCHOLOGICAL, rules.ANSWERED, TAKER, AUDITOR, None),
        # nobody else
        (rules.LEGAL, rules.OPEN, "", STRANGER, None),
        (rules.POLICY, rules.ANSWERED, TAKER, STRANGER, None),
    ],
)
def test_who_reads_a_request(category, state, counsellor, caller, role):
    assert rules.reader_role(rules.Facts(category, state, MEMBER, counsellor), caller) == role


def test_an_auditor_who_counsels_the_queue_reads_as_counsellor():
    both = rules.Caller(TAKER, counsels_queue=True, auditor=True)
    assert rules.reader_role(_facts(rules.ASSIGNED, counsellor=TAKER), both) == rules.COUNSELLOR
    assert rules.reader_role(_facts(rules.ASSIGNED, counsellor=OTHER), both) == rules.AUDITOR


# -- transitions ---------------------------------------------------------------------------------------


def test_the_flow_open_assigned_answered_closed():
    assert rules.take(_facts(), TAKER) == rules.ASSIGNED
    assigned = _facts(rules.ASSIGNED, counsellor=TAKER)
    assert rules.reply(assigned, rules.MEMBER) == rules.ASSIGNED  # more detail while waiting
    assert rules.reply(assigned, rules.COUNSELLOR) == rules.ANSWERED
    answered = _facts(rules.ANSWERED, counsellor=TAKER)
    assert rules.reply(answered, rules.COUNSELLOR) == rules.ANSWERED
    assert rules.reply(answered, rules.MEMBER) == rules.ASSIGNED  # back with the counsellor
    assert rules.reply(_facts(), rules.MEMBER) == rules.OPEN
    for state in (rules.OPEN, rules.ASSIGNED, rules.ANSWERED):
        assert rules.close(_facts(state, counsellor=TAKER if state != rules.OPEN else "")) == rules.CLOSED


def test_refusals_name_the_field():
    cases = [
        (lambda: rules.take(_facts(rules.ASSIGNED, counsellor=OTHER), TAKER), "service_request_not_open", "request_id"),
        (lambda: rules.take(_facts(), MEMBER), "service_own_request", "account_id"),
        (lambda: rules.reply(_facts(), rules.COUNSELLOR), "service_request_not_taken", "request_id"),
        (lambda: rules.reply(_facts(rules.CLOSED), rules.MEMBER), "service_request_closed", "request_id"),
        (lambda: rules.close(_facts(rules.CLOSED)), "service_request_closed", "request_id"),
        (lambda: rules.assign(_facts(rules.CLOSED, counsellor=TAKER), OTHER), "service_request_closed", "request_id"),
        (
            lambda: rules.assign(_facts(rules.ASSIGNED, counsellor=TAKER), TAKER),
            "service_already_assigned",
            "account_id",
        ),
        (lambda: rules.assign(_facts(), MEMBER), "service_own_request", "account_id"),
        (lambda: rules.rate(_facts(rules.ASSIGNED, counsellor=TAKER), False), "service_request_not_answered", "rating"),
        (lambda: rules.rate(_facts(rules.CLOSED), True), "service_already_rated", "rating"),
    ]
    for call, key, field in cases:
        err = _refused(call)
        assert (err.code, err.key, err.field) == (ErrorCode.FAILED_PRECONDITION, key, field)


def test_assigning_takes_an_open_request_and_hands_over_the_others():
    assert rules.assign(_facts(), TAKER) == rules.ASSIGNED
    assert rules.assign(_facts(rules.ASSIGNED, counsellor=TAKER), OTHER) == rules.ASSIGNED
    assert rules.assign(_facts(rules.ANSWERED, counsellor=TAKER), OTHER) == rules.ANSWERED


def test_rating_once_when_answered_or_closed():
    rules.rate(_facts(rules.ANSWERED, counsellor=TAKER), False)
    rules.rate(_facts(rules.CLOSED), False)  # closed by the member before an answer: still theirs to rate
    assert rules.rating(1) == 1 and rules.rating(5) == 5
    for bad in (0, 6, -1):
        err = _refused(lambda b=bad: rules.rating(b))
        assert (err.code, err.key, err.field, err.params) == (
            ErrorCode.INVALID_ARGUMENT,
            "service_rating_invalid",
            "rating",
            {"min": 1, "max": 5},
        )


# -- targets and the overdue report --------------------------------------------------------------------


def test_targets_per_category():
    assert rules.TARGETS == {
        rules.PSYCHOLOGICAL: 24 * HOUR,
        rules.LEGAL: 48 * HOUR,
        rules.POLICY: 48 * HOUR,
        rules.BUSINESS: 72 * HOUR,
    }
    assert set(rules.TARGETS) == set(rules.CATEGORIES)
    assert rules.due_at(rules.PSYCHOLOGICAL, NOW) == NOW + 24 * HOUR
    assert rules.due_at(rules.BUSINESS, NOW.replace(tzinfo=None)) == NOW + 72 * HOUR  # stored times are UTC


def test_still_waiting_is_overdue_only_past_the_target():
    due = rules.due_at(rules.LEGAL, NOW)
    assert rules.late_by(due, None, None, NOW + 47 * HOUR) is None
    assert rules.late_by(due, None, None, due) is None
    assert rules.late_by(due, None, None, NOW + 50 * HOUR) == 2 * HOUR
    assert rules.watched(due, None, None)


def test_answered_late_stays_overdue_by_how_late_the_first_reply_came():
    due = rules.due_at(rules.PSYCHOLOGICAL, NOW)
    first = NOW + 30 * HOUR
    assert rules.late_by(due, first, None, NOW + 100 * HOUR) == 6 * HOUR
    assert rules.late_by(due, first, NOW + 90 * HOUR, NOW + 100 * HOUR) == 6 * HOUR  # closing later changes nothing
    assert rules.watched(due, first, None)
    assert rules.hours(6 * HOUR) == 6.0 and rules.hours(dt.timedelta(minutes=90)) == 1.5


def test_answered_in_time_is_never_overdue():
    due = rules.due_at(rules.BUSINESS, NOW)
    first = NOW + 71 * HOUR
    assert rules.late_by(due, first, None, NOW + 1000 * HOUR) is None
    assert not rules.watched(due, first, None)


def test_closed_unanswered_stops_the_clock():
    due = rules.due_at(rules.POLICY, NOW)
    assert rules.late_by(due, None, NOW + HOUR, NOW + 1000 * HOUR) is None  # withdrawn in time
    assert not rules.watched(due, None, NOW + HOUR)
    assert rules.late_by(due, None, NOW + 60 * HOUR, NOW + 1000 * HOUR) == 12 * HOUR  # gave up waiting
    assert rules.watched(due, None, NOW + 60 * HOUR)


# -- input ---------------------------------------------------------------------------------------------


def test_inputs_are_checked_naming_the_field():
    assert rules.category("psychological") == rules.PSYCHOLOGICAL
    assert rules.subject("  劳动合同纠纷咨询 ") == "劳动合同纠纷咨询"
    cases = [
        (lambda: rules.category("medical"), "category"),
        (lambda: rules.category(""), "category"),
        (lambda: rules.subject(""), "subject"),
        (lambda: rules.subject("长" * (rules.SUBJECT_MAX + 1)), "subject"),
        (lambda: rules.text("   "), "text"),
        (lambda: rules.text("长" * (rules.TEXT_MAX + 1)), "text"),
        (lambda: rules.attachments([f"m{i}" for i in range(10)]), "attachment_ids"),
        (lambda: rules.attachments(["bad id!"]), "attachment_ids"),
        (lambda: rules.comment("长" * (rules.COMMENT_MAX + 1)), "comment"),
    ]
    for call, field in cases:
        err = _refused(call)
        assert (err.code, err.field) == (ErrorCode.INVALID_ARGUMENT, field)
    assert rules.subject("长" * rules.SUBJECT_MAX) and rules.text("长" * rules.TEXT_MAX)
    assert rules.attachments([f"m{i}" for i in range(9)]) == [f"m{i}" for i in range(9)]
    assert rules.comment("") == ""
