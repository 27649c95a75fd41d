"""Mobile members' rules: who accepts an inflow and ends a period, retries, dates and texts."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.orgs.domain import mobile as m

pytestmark = pytest.mark.unit

MEMBER = m.Parties(is_member=True)
HOME = m.Parties(manages_home=True)
HOST = m.Parties(manages_host=True)


def test_the_host_accepts_and_the_member_or_home_ends():
    assert m.next_state(m.OUTFLOW_REGISTERED, m.ACCEPT_INFLOW, HOST) == m.HOSTED
    assert m.next_state(m.HOSTED, m.END, MEMBER) == m.ENDED
    assert m.next_state(m.OUTFLOW_REGISTERED, m.END, HOME) == m.ENDED  # never hosted: still ends


@pytest.mark.parametrize(
    ("step", "parties"),
    [
        (m.ACCEPT_INFLOW, HOME),  # the home org can't accept for the host
        (m.ACCEPT_INFLOW, MEMBER),
        (m.ACCEPT_INFLOW, m.Parties(is_member=True, manages_host=True)),  # not even a member who runs the host
        (m.END, HOST),  # the host doesn't end the period; the member or home does
        (m.END, m.Parties()),
    ],
)
def test_who_may_not(step, parties):
    with pytest.raises(DomainError) as caught:
        m.next_state(m.OUTFLOW_REGISTERED, step, parties)
    assert caught.value.code is ErrorCode.PERMISSION_DENIED


def test_a_repeated_step_is_a_no_op():
    assert m.next_state(m.HOSTED, m.ACCEPT_INFLOW, HOST) is None
    assert m.next_state(m.ENDED, m.END, MEMBER) is None


def test_an_ended_period_is_not_hosted_again():
    with pytest.raises(DomainError) as caught:
        m.next_state(m.ENDED, m.ACCEPT_INFLOW, HOST)
    assert caught.value.code is ErrorCode.FAILED_PRECONDITION


def test_who_may_register():
    assert m.may_register(True, False) and m.may_register(False, True)
    assert not m.may_register(False, False)


def test_texts_and_dates_name_their_field():
    with pytest.raises(DomainError) as caught:
        m.check_text("  ", "destination", m.MAX_DESTINATION, required=True)
    assert (caught.value.key, caught.value.field) == ("field_required", "destination")
    with pytest.raises(DomainError) as caught:
        m.check_text("长" * (m.MAX_REPORT + 1), "text", m.MAX_REPORT, required=True)
    assert caught.value.field == "text"
    assert m.check_text(" 北京 ", "destination", m.MAX_DESTINATION, required=True) == "北京"
    left = dt.date(2026, 3, 1)
    with pytest.raises(DomainError) as caught:
        m.check_period(left, dt.date(2026, 2, 1))
    assert caught.value.field == "expected_return_on"
    m.check_period(left, None)
    with pytest.raises(DomainError) as caught:
        m.check_return(left, dt.date(2026, 2, 28), dt.date(2026, 6, 1))
    assert caught.value.field == "returned_on"
    with pytest.raises(DomainError) as caught:
        m.check_return(left, dt.date(2026, 6, 2), dt.date(2026, 6, 1))
    assert caught.value.key == "date_in_future"
