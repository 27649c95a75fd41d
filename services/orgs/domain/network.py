"""The relationship network's rules: relation types, privacy, contacts' phones, ranking, shortest path.

Pure: no I/O. The shortest path asks a `Graph` for the neighbours of a whole BFS level at once, so the
store behind it answers each level with a few batched queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kernel import identifiers
from kernel.errors import DomainError, ErrorCode

# -- relations -----------------------------------------------------------------------------------------

SUPERIORS, SUBORDINATES, COLLEAGUES, FRIENDS = "superiors", "subordinates", "colleagues", "friends"
FOLLOWERS, FOLLOWING = "followers", "following"
RELATIONS = (SUPERIORS, SUBORDINATES, COLLEAGUES, FRIENDS, FOLLOWERS, FOLLOWING)

# Holders of these roles in an org are the superiors of everyone below it.
LEADER_ROLES = ("secretary", "deputy_secretary", "committee_member", "organization_officer")


def check_relation(relation: str) -> str:
    if relation not in RELATIONS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "relation_invalid", "relation")
    return relation


def is_leader(roles: Collection[str]) -> bool:
    return any(r in LEADER_ROLES for r in roles)


def superior_orgs(org_path: Sequence[str], roles: Collection[str]) -> list[str]:
    """The orgs whose leaders are someone's superiors: their home org and every org above it.

    A leader's fellow leaders in the same org are peers, so for a leader only the orgs above count."""
    return list(org_path[:-1]) if is_leader(roles) else list(org_path)


# -- privacy -------------------------------------------------------------------------------------------

EVERYONE, ORG_WITHIN, NOBODY = "everyone", "org_within", "nobody"
REQUESTS_FROM = (EVERYONE, ORG_WITHIN, NOBODY)
VISIBLE_TO_FRIENDS, VISIBLE_TO_ME = "friends", "only_me"
LIST_VISIBILITY = (VISIBLE_TO_FRIENDS, VISIBLE_TO_ME)
ORG_LEVELS_MAX = 10


@dataclass(frozen=True)
class Privacy:
    """A member's choices: who may send them friend requests, and who may see their friend list."""

    requests_from: str = EVERYONE
    org_levels: int = 2  # for ORG_WITHIN: the shared org may be at most this many levels above either home
    friends_visible_to: str = VISIBLE_TO_FRIENDS


DEFAULT_PRIVACY = Privacy()


def check_privacy(requests_from: str, org_levels: int, friends_visible_to: str) -> Privacy:
    if requests_from not in REQUESTS_FROM:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "friend_requests_from_invalid", "friend_requests_from")
    if not 0 <= org_levels <= ORG_LEVELS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "org_levels_invalid", "org_levels", max=ORG_LEVELS_MAX)
    if friends_visible_to not in LIST_VISIBILITY:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "friends_visible_to_invalid", "friends_visible_to")
    return Privacy(requests_from, org_levels, friends_visible_to)


def shared_prefix(path_a: Sequence[str], path_b: Sequence[str]) -> int:
    """How many orgs two root…home paths share from the root (0: none)."""
    n = 0
    for a, b in zip(path_a, path_b, strict=False):
        if a != b:
            break
        n += 1
    return n


def levels_to_shared_org(path_a: Sequence[str], path_b: Sequence[str]) -> int | None:
    """How far up from the farther of two home orgs their nearest shared org is (0: same org; None: none)."""
    common = shared_prefix(path_a, path_b)
    if common == 0:
        return None
    return max(len(path_a), len(path_b)) - common


def may_request(privacy: Privacy, requester_path: Sequence[str], target_path: Sequence[str]) -> bool:
    """Whether the target's privacy lets the requester send them a friend request."""
    if privacy.requests_from == EVERYONE:
        return True
    if privacy.requests_from == NOBODY:
        return False
    levels = levels_to_shared_org(requester_path, target_path)
    return levels is not None and levels <= privacy.org_levels


def may_see_friends(privacy: Privacy, *, is_owner: bool, is_friend: bool) -> bool:
    return is_owner or (is_friend and privacy.friends_visible_to == VISIBLE_TO_FRIENDS)


# A declined request may be sent again after this long: no pestering, but no life sentence either.
DECLINE_COOLDOWN = dt.timedelta(days=30)


def may_request_again(declined_at: dt.datetime, now: dt.datetime) -> bool:
    return now - declined_at >= DECLINE_COOLDOWN


# -- external contacts ---------------------------------------------------------------------------------

CONTACT_NAME_MAX = 64
CONTACT_NOTE_MAX = 500


def normalize_phone(raw: str, field: str = "phone") -> str:
    """The 11-digit national form of a mainland mobile number (the rule: kernel/identifiers.py)."""
    phone = identifiers.mainland_mobile(raw)
    if phone is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "contact_phone_invalid", field)
    return phone


mask_phone = identifiers.mask_mobile


def check_contact_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= CONTACT_NAME_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "contact_name_invalid", "name", max=CONTACT_NAME_MAX)
    return name


def check_contact_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > CONTACT_NOTE_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "contact_note_invalid", "note", max=CONTACT_NOTE_MAX)
    return note


# -- follows -------------------------------------------------------------------------------------------

PERSON, ORG = "person", "org"
FOLLOW_KINDS = (PERSON, ORG)


def check_follow_kind(kind: str) -> str:
    if kind not in FOLLOW_KINDS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "follow_kind_invalid", "target_kind")
    return kind


# -- people you may know -------------------------------------------------------------------------------

PYMK_DEFAULT, PYMK_MAX = 20, 100


@dataclass(frozen=True)
class Suggestion:
    account_id: str
    mutual_friends: int
    same_org: bool
    shared_depth: int  # how many orgs of the two root…home paths are shared (more: closer)


def rank_suggestions(
    me: str,
    my_path: Sequence[str],
    friends_of_friends: Mapping[str, int],
    colleagues: Collection[str],
    paths: Mapping[str, Sequence[str]],
    exclude: Collection[str],
    limit: int,
) -> list[Suggestion]:
    """Friends of friends (with their mutual-friend counts) and colleagues who are not excluded (friends,
    pending or declined requests either way), ranked by mutual friends, then same org, then how deep
    the org they share with me is; ties by id, so the order is stable."""
    skip = set(exclude) | {me}
    my_org = my_path[-1] if my_path else None
    found: dict[str, Suggestion] = {}
    for account_id in {*friends_of_friends, *colleagues}:
        if account_id in skip:
            continue
        path = paths.get(account_id, ())
        found[account_id] = Suggestion(
            account_id,
            friends_of_friends.get(account_id, 0),
            bool(path) and path[-1] == my_org,
            shared_prefix(my_path, path),
        )
    ranked = sorted(found.values(), key=lambda s: (-s.mutual_friends, not s.same_org, -s.shared_depth, s.account_id))
    return ranked[:limit]


def check_limit(limit: int) -> int:
    limit = limit or PYMK_DEFAULT
    if not 1 <= limit <= PYMK_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "limit_invalid", "limit", max=PYMK_MAX)
    return limit


# -- shortest path -------------------------------------------------------------------------------------

FRIEND, COLLEAGUE = "friend", "colleague"
PATH_DEPTH_DEFAULT, PATH_DEPTH_MAX = 6, 6
PATH_VISITED_MAX = 5000


class Graph(Protocol):
    """Friend and colleague edges, asked for a whole BFS level at a time."""

    def neighbours(self, nodes: Collection[str], limit: int) -> dict[str, list[tuple[str, str]]]:
        """For each node, its (neighbour, edge kind) pairs; at most about `limit` neighbours in all."""
        ...


@dataclass
class PathResult:
    found: bool
    nodes: list[str] = field(default_factory=list)  # source … target
    kinds: list[str] = field(default_factory=list)  # the edge kind of each hop (len(nodes) - 1)
    visited: int = 0
    truncated: bool = False  # the visited bound stopped the search before the depth bound did
    levels: int = 0  # BFS levels expanded (each one batch of queries)


def check_depth(depth: int) -> int:
    depth = depth or PATH_DEPTH_DEFAULT
    if not 1 <= depth <= PATH_DEPTH_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "path_depth_invalid", "max_depth", max=PATH_DEPTH_MAX)
    return depth


def shortest_path(
    graph: Graph, source: str, target: str, max_depth: int = PATH_DEPTH_DEFAULT, max_visited: int = PATH_VISITED_MAX
) -> PathResult:
    """Bidirectional BFS: grow the smaller side one whole level at a time until the sides meet, the path
    would exceed max_depth hops, or max_visited nodes have been seen."""
    if source == target:
        return PathResult(True, [source], [], 1)
    # node -> (parent toward its side's origin, kind of that edge); the origins have no parent
    parents: tuple[dict[str, tuple[str, str] | None], dict[str, tuple[str, str] | None]] = (
        {source: None},
        {target: None},
    )
    depth = [0, 0]
    frontiers = [{source}, {target}]
    levels = 0
    while frontiers[0] and frontiers[1] and depth[0] + depth[1] < max_depth:
        visited = len(parents[0]) + len(parents[1])
        if visited >= max_visited:
            return PathResult(False, visited=visited, truncated=True, levels=levels)
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, theirs = parents[side], parents[1 - side]
        adjacency = graph.neighbours(frontiers[side], max_visited - visited)
        levels += 1
        depth[side] += 1
        next_frontier: set[str] = set()
        for node in sorted(frontiers[side]):  # sorted: the same graph gives the same path
            for neighbour, kind in adjacency.get(node, ()):
                if neighbour in mine:
                    continue
                mine[neighbour] = (node, kind)
                next_frontier.add(neighbour)
                # The first meeting is a shortest path: every node the other side saw at a smaller
                # depth was already expanded, so a meeting there would have been found a level ago.
                if neighbour in theirs:
                    nodes, kinds = _join(parents, neighbour)
                    return PathResult(True, nodes, kinds, len(parents[0]) + len(parents[1]), levels=levels)
        frontiers[side] = next_frontier
    visited = len(parents[0]) + len(parents[1])
    return PathResult(False, visited=visited, truncated=visited >= max_visited, levels=levels)


def _join(parents, middle: str) -> tuple[list[str], list[str]]:
    """The path source … middle … target from the two sides' parent links."""
    forward, forward_kinds = [middle], []
    node = middle
    while parents[0][node] is not None:
        node, kind = parents[0][node]
        forward.append(node)
        forward_kinds.append(kind)
    forward.reverse()
    forward_kinds.reverse()
    node = middle
    while parents[1][node] is not None:
        node, kind = parents[1][node]
        forward.append(node)
        forward_kinds.append(kind)
    return forward, forward_kinds
