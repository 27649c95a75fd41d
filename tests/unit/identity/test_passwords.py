"""services/identity/domain/passwords.py: password policy and argon2id hashing (cheap costs for speed)."""

from __future__ import annotations

import pytest

from kernel.errors import DomainError, ErrorCode
from services.identity.domain import passwords
from services.identity.domain.passwords import PasswordHasher, check_policy

pytestmark = pytest.mark.unit

DECOY = "decoy-password-never-matches"


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_kib=1024)


# -- policy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "abcdefg1",  # 8: letters + digits
        "abcdefg!",  # letters + symbols
        "1234567!",  # digits + symbols
        "correct horse battery",  # a space is a symbol
        "密码密码密码12",  # Chinese characters are letters
        "a1" * 64,  # 128
        "Jiceng-admin-2026",
    ],
)
def test_policy_accepts(password):
    check_policy(password)


@pytest.mark.parametrize(
    "password",
    [
        "",
        None,
        "abc1!",  # too short
        "abcdef1",  # 7
        "abcdefgh",  # letters only
        "ABCDEFGHIJKL",
        "12345678",  # digits only
        "!!!!!!!!",  # symbols only
        "密码密码密码密码",  # letters only
        "a1" * 64 + "x",  # 129
    ],
)
def test_policy_rejects(password):
    with pytest.raises(DomainError) as exc:
        check_policy(password)
    err = exc.value
    assert (err.code, err.key, err.field) == (ErrorCode.INVALID_ARGUMENT, "password_weak", "password")


def test_policy_field_name_is_passed_through():
    with pytest.raises(DomainError) as exc:
        check_policy("short", field="new_password")
    assert exc.value.field == "new_password"


def test_policy_limits():
    assert (passwords.MIN_LENGTH, passwords.MAX_LENGTH) == (8, 128)


# -- hashing --------------------------------------------------------------------------------------------


def test_hash_is_salted_argon2id(hasher):
    first = hasher.hash("Jiceng-admin-2026")
    second = hasher.hash("Jiceng-admin-2026")
    assert first.startswith("$argon2id$")
    assert "Jiceng-admin-2026" not in first
    assert first != second  # a fresh salt each time


def test_verify(hasher):
    stored = hasher.hash("Jiceng-admin-2026")
    assert hasher.verify(stored, "Jiceng-admin-2026") is True
    assert hasher.verify(stored, "jiceng-admin-2026") is False
    assert hasher.verify(stored, "") is False
    assert hasher.verify(stored, "Jiceng-admin-2026 ") is False


def test_verify_against_a_hash_from_another_hasher(hasher):
    # parameters live in the hash: a hash made with other costs still verifies
    other = PasswordHasher(time_cost=2, memory_kib=2048)
    assert hasher.verify(other.hash("s3cret-pass"), "s3cret-pass") is True


def test_verify_against_none_is_false_even_for_the_decoy_password(hasher):
    assert hasher.verify(None, "anything-at-all1") is False
    assert hasher.verify(None, DECOY) is False


@pytest.mark.parametrize("garbage", ["not-a-hash", "$argon2id$v=19$m=1024,t=1,p=1$broken", "$2b$12$abc"])
def test_verify_against_garbage_is_false(hasher, garbage):
    assert hasher.verify(garbage, "anything") is False


def test_verify_against_an_empty_hash_is_false_even_for_the_decoy_password(hasher):
    assert hasher.verify("", DECOY) is False


def test_needs_rehash(hasher):
    stored = hasher.hash("s3cret-pass")
    assert hasher.needs_rehash(stored) is False
    stronger = PasswordHasher(time_cost=2, memory_kib=2048)
    assert stronger.needs_rehash(stored) is True
    assert stronger.needs_rehash(stronger.hash("s3cret-pass")) is False
