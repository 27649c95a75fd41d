"""The visibility rule, and its two forms agreeing: may_read and the keys matched inside queries."""

from __future__ import annotations

import itertools

import pytest

from services.content.domain.visibility import (
    FRIENDS,
    ORG,
    PRIVATE,
    PUBLIC,
    VISIBILITIES,
    Audience,
    Reader,
    audience_keys,
    may_read,
    reader_keys,
)

pytestmark = pytest.mark.unit

AUTHOR = "author"
# committee > general > branch; "other" is a sibling subtree
READERS = {
    "author": Reader("author", "branch", ("committee", "general", "branch")),
    "same branch": Reader("r1", "branch", ("committee", "general", "branch")),
    "above": Reader("r2", "general", ("committee", "general")),
    "sibling": Reader("r3", "other", ("committee", "other")),
    "friend outside": Reader("r4", "", (), frozenset({AUTHOR})),
    "stranger": Reader("r5"),
}
EXPECTED = {  # (visibility, audience org) -> the readers who may read
    (PUBLIC, ""): set(READERS),
    (ORG, "branch"): {"author", "same branch"},
    (ORG, "general"): {"author", "same branch", "above"},
    (ORG, "committee"): {"author", "same branch", "above", "sibling"},
    (FRIENDS, ""): {"author", "friend outside"},
    (PRIVATE, ""): {"author"},
}


@pytest.mark.parametrize(("case", "reader"), list(itertools.product(EXPECTED, READERS)))
def test_the_matrix_and_the_keys_agree(case, reader):
    visibility, org_id = case
    audience = Audience(AUTHOR, visibility, org_id)
    expected = reader in EXPECTED[case]
    assert may_read(READERS[reader], audience) is expected
    assert bool(set(audience_keys(audience)) & set(reader_keys(READERS[reader]))) is expected


def test_bad_audiences_are_refused():
    with pytest.raises(ValueError, match="visibility"):
        Audience(AUTHOR, "everyone")
    with pytest.raises(ValueError, match="org"):
        Audience(AUTHOR, ORG)
    assert set(VISIBILITIES) == {PUBLIC, ORG, FRIENDS, PRIVATE}
