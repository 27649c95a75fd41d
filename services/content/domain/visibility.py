"""Who may read what: one rule for every kind of content (posts, comments, threads, notices, search).

A piece of content has an Audience: its author and a visibility —
- public   公开: everyone in the region;
- org      本组织: the subtree of one org (`org_id`): members whose home org is that org or below it;
- friends  好友: the author's friends;
- private  仅自己: the author alone.
The author always reads their own.

To filter inside a query (a database `$in`, a search index's term filter) rather than drop rows after
paging, content is stored with its `audience_keys` and a reader matches any of its `reader_keys`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PUBLIC, ORG, FRIENDS, PRIVATE = "public", "org", "friends", "private"
VISIBILITIES = (PUBLIC, ORG, FRIENDS, PRIVATE)


@dataclass(frozen=True)
class Reader:
    """Who is reading: their account, home org path (root … home; empty outside any org) and friends."""

    account_id: str
    org_id: str = ""
    org_path: tuple[str, ...] = ()
    friend_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Audience:
    author_id: str
    visibility: str
    org_id: str = ""  # for ORG: the org whose subtree reads it

    def __post_init__(self) -> None:
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"unknown visibility {self.visibility!r}")
        if self.visibility == ORG and not self.org_id:
            raise ValueError("org visibility needs the org whose subtree reads it")


def may_read(reader: Reader, audience: Audience) -> bool:
    if reader.account_id == audience.author_id or audience.visibility == PUBLIC:
        return True
    if audience.visibility == ORG:
        return audience.org_id in reader.org_path
    if audience.visibility == FRIENDS:
        return audience.author_id in reader.friend_ids
    return False


def audience_keys(audience: Audience) -> list[str]:
    """Stored with the content (a multikey index, or a search index's keyword field)."""
    keys = [f"author:{audience.author_id}"]
    if audience.visibility == PUBLIC:
        keys.append(PUBLIC)
    elif audience.visibility == ORG:
        keys.append(f"org:{audience.org_id}")
    elif audience.visibility == FRIENDS:
        keys.append(f"friends-of:{audience.author_id}")
    return keys


def reader_keys(reader: Reader) -> list[str]:
    """Content is readable iff one of its audience_keys is among these (the same rule as may_read)."""
    return [
        PUBLIC,
        f"author:{reader.account_id}",
        *(f"org:{org_id}" for org_id in reader.org_path),
        *(f"friends-of:{friend}" for friend in sorted(reader.friend_ids)),
    ]
