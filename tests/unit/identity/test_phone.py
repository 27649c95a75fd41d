"""services/identity/domain/phone.py: mainland mobile numbers, the key of every account."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError, ErrorCode
from services.identity.domain import phone

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        " 13800138000 ",
        "138 0013 8000",
        "138-0013-8000",
        "(138)00138000",
        "+8613800138000",
        "+86 138 0013 8000",
        "0086-138-0013-8000",
        "8613800138000",
        "(+86) 138-0013-8000",
    ],
)
def test_accepted_forms_normalise_to_eleven_digits(raw):
    assert phone.normalize(raw) == "13800138000"


@pytest.mark.parametrize("second", "3456789")
def test_every_mobile_prefix_is_accepted(second):
    number = f"1{second}912345678"
    assert phone.normalize(number) == number


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "   ",
        "12800138000",  # second digit 2: not a mobile number
        "10800138000",
        "23800138000",  # not starting with 1
        "1380013800",  # 10 digits
        "138001380000",  # 12 digits
        "+861380013800",  # prefix + 10 digits
        "+85213800138000",  # Hong Kong prefix
        "+1 3800138000",
        "138OO138000",  # letters O
        "1380013800a",
        "138.0013.8000",
        "86861380013800",
    ],
)
def test_rejected_forms_raise_phone_invalid(raw):
    with pytest.raises(DomainError) as exc:
        phone.normalize(raw)
    err = exc.value
    assert (err.code, err.key, err.field) == (ErrorCode.INVALID_ARGUMENT, "phone_invalid", "phone")


def test_field_name_is_passed_through():
    with pytest.raises(DomainError) as exc:
        phone.normalize("123", field="new_phone")
    assert exc.value.field == "new_phone"


def test_normalise_is_idempotent():
    once = phone.normalize("+86 138-0013-8000")
    assert phone.normalize(once) == once


def test_full_width_input_is_rejected():
    # what a Chinese IME in full-width mode types
    with pytest.raises(DomainError):
        phone.normalize("１３８００１３８０００")


def test_non_ascii_digits_are_not_a_second_spelling_of_a_number():
    mixed = "13" + "８００１３８０００"  # ASCII prefix, full-width rest
    with pytest.raises(DomainError):
        phone.normalize(mixed)


def test_mask():
    assert phone.mask("13800138000") == "138****8000"
    masked = phone.mask("13912345678")
    assert masked == "139****5678"
    assert "1234" not in masked
