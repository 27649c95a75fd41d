"""services/identity/domain/id_card.py: 18-digit resident ID-card numbers (GB 11643-1999)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import DomainError, ErrorCode
from services.identity.domain import id_card

pytestmark = pytest.mark.unit

AREA = "120101"  # 天津市和平区


def make(born: str = "19800101", seq: str = "123", area: str = AREA) -> str:
    first17 = area + born + seq
    return first17 + id_card.check_digit(first17)


def first_with_x() -> str:
    for n in range(1000):
        number = make(seq=f"{n:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives check digit X")


def assert_invalid(raw, field="id_card_number"):
    with pytest.raises(DomainError) as exc:
        id_card.normalize(raw, field) if field != "id_card_number" else id_card.normalize(raw)
    err = exc.value
    assert (err.code, err.key, err.field) == (ErrorCode.INVALID_ARGUMENT, "id_card_invalid", field)


def test_check_digit_known_values():
    # the published GB 11643-1999 example and a number whose check digit is X
    assert id_card.check_digit("11010519491231002") == "X"
    assert id_card.check_digit("44052418800101001") == "4"


def test_check_digit_covers_all_eleven_values():
    seen = {id_card.check_digit(make(seq=f"{n:03d}")[:17]) for n in range(200)}
    assert seen == set("0123456789X")


def test_valid_number_passes_unchanged():
    number = make()
    assert id_card.normalize(number) == number
    assert id_card.normalize(f"  {number}\n") == number


def test_lower_case_x_is_normalised():
    number = first_with_x()
    assert id_card.normalize(number.lower()) == number
    assert id_card.normalize(number[:-1] + "x") == number


def test_known_good_number_with_x():
    assert id_card.normalize("11010519491231002x") == "11010519491231002X"


def test_bad_checksum():
    number = make()
    for wrong in "0123456789X":
        if wrong != number[-1]:
            assert_invalid(number[:-1] + wrong)


def test_single_digit_typo_is_caught():
    number = make()
    for i in range(17):
        digit = int(number[i])
        typo = number[:i] + str((digit + 1) % 10) + number[i + 1 :]
        assert_invalid(typo)


@pytest.mark.parametrize("born", ["19800231", "19801301", "19800001", "19800100", "19810229", "00000000"])
def test_impossible_birth_date(born):
    assert_invalid(make(born=born))  # checksum is right, the date isn't


def test_leap_day_is_a_date():
    assert id_card.normalize(make(born="20000229")) == make(born="20000229")


def test_future_birth_date():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert_invalid(make(born=tomorrow.strftime("%Y%m%d")))
    today = dt.date.today()
    assert id_card.normalize(make(born=today.strftime("%Y%m%d"))) == make(born=today.strftime("%Y%m%d"))


def test_birth_before_1900():
    assert_invalid(make(born="18991231"))
    assert id_card.normalize(make(born="19000101")) == make(born="19000101")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "12010119800101123",  # 17 characters
        "1201011980010112345",  # 19 characters
        "12010119800101X234",  # X not last
        "120101198001011234Y",
        "120101-19800101-123",
        "120101 19800101 1234",
        "12010180010112",  # old 15-digit numbers are not accepted
    ],
)
def test_bad_format(raw):
    assert_invalid(raw)


def test_field_name_is_passed_through():
    assert_invalid("nope", field="spouse_id_card")


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_input_is_rejected():
    assert_invalid(make().translate(FULL_WIDTH))
    assert_invalid(first_with_x().translate(FULL_WIDTH))


def test_non_ascii_digits_are_rejected():
    number = first_with_x()
    mixed = number[:17].translate(FULL_WIDTH) + "X"
    with pytest.raises(DomainError):
        id_card.normalize(mixed)


def test_mask_keeps_first_three_and_last_four():
    number = make()
    masked = id_card.mask(number)
    assert len(masked) == 18
    assert masked == number[:3] + "*" * 11 + number[-4:]
    assert number[6:14] not in masked  # the birth date is hidden
    assert id_card.mask("11010519491231002X") == "110***********002X"
