"""The relationship network's pure rules: privacy, ranking of suggestions, the bounded bidirectional BFS."""

from __future__ import annotations

import datetime as dt
import random
from collections import deque

import pytest

from kernel.errors import DomainError, ErrorCode
from services.orgs.domain import network as rules

pytestmark = pytest.mark.unit


# -- a graph in memory, counting how often it is asked ---------------------------------------------------


class DictGraph:
    """Undirected friend and colleague edges in a dict; records each batched request."""

    def __init__(self, edges: list[tuple[str, str, str]] = ()):
        self.adjacent: dict[str, list[tuple[str, str]]] = {}
        for a, b, kind in edges:
            self.adjacent.setdefault(a, []).append((b, kind))
            self.adjacent.setdefault(b, []).append((a, kind))
        self.calls: list[set[str]] = []

    def neighbours(self, nodes, limit):
        self.calls.append(set(nodes))
        return {n: list(self.adjacent.get(n, ())) for n in nodes}


def chain(n: int, kind: str = rules.FRIEND) -> DictGraph:
    """p0 - p1 - … - p(n-1)."""
    return DictGraph([(f"p{i}", f"p{i + 1}", kind) for i in range(n - 1)])


def plain_bfs_length(graph: DictGraph, source: str, target: str) -> int | None:
    seen, queue = {source: 0}, deque([source])
    while queue:
        node = queue.popleft()
        for neighbour, _ in graph.adjacent.get(node, ()):
            if neighbour not in seen:
                seen[neighbour] = seen[node] + 1
                queue.append(neighbour)
    return seen.get(target)


# -- shortest path ---------------------------------------------------------------------------------------


def test_path_along_a_chain_names_every_hop():
    result = rules.shortest_path(chain(4), "p0", "p3")
    assert result.found
    assert result.nodes == ["p0", "p1", "p2", "p3"]
    assert result.kinds == [rules.FRIEND] * 3


def test_path_reports_colleague_and_friend_hops():
    graph = DictGraph([("me", "ann", rules.COLLEAGUE), ("ann", "bob", rules.FRIEND)])
    result = rules.shortest_path(graph, "me", "bob")
    assert result.nodes == ["me", "ann", "bob"]
    assert result.kinds == [rules.COLLEAGUE, rules.FRIEND]


def test_path_takes_the_shortcut():
    graph = chain(6)
    graph.adjacent["p0"].append(("p4", rules.COLLEAGUE))
    graph.adjacent["p4"].append(("p0", rules.COLLEAGUE))
    result = rules.shortest_path(graph, "p0", "p5")
    assert result.nodes == ["p0", "p4", "p5"]


def test_no_path_beyond_the_depth_bound():
    graph = chain(8)  # p0 … p7 is 7 hops
    assert not rules.shortest_path(graph, "p0", "p7", max_depth=6).found
    assert rules.shortest_path(graph, "p0", "p6", max_depth=6).found
    assert not rules.shortest_path(graph, "p0", "p3", max_depth=2).found


def test_no_path_between_separate_components():
    graph = DictGraph([("a", "b", rules.FRIEND), ("c", "d", rules.FRIEND)])
    result = rules.shortest_path(graph, "a", "d")
    assert not result.found and not result.truncated
    assert result.nodes == []


def test_one_batched_request_per_level():
    graph = chain(7)
    result = rules.shortest_path(graph, "p0", "p6")
    assert result.found and len(result.nodes) == 7
    # 6 hops met from both ends: one request per level, never one per node
    assert len(graph.calls) == result.levels == 6
    assert all(len(level) == 1 for level in graph.calls)


def test_the_smaller_side_grows():
    # the source has 50 colleagues, the target one friend: the search grows from the target first
    edges = [("src", f"c{i}", rules.COLLEAGUE) for i in range(50)] + [
        ("c7", "t1", rules.FRIEND),
        ("t1", "dst", "friend"),
    ]
    graph = DictGraph(edges)
    result = rules.shortest_path(graph, "src", "dst")
    assert result.nodes == ["src", "c7", "t1", "dst"]
    assert graph.calls[0] == {"src"} and graph.calls[1] == {"dst"}
    assert graph.calls[2] == {"t1"}  # not the 50 colleagues


def test_visited_bound_stops_a_runaway_search():
    hub = DictGraph([("me", f"x{i}", rules.COLLEAGUE) for i in range(300)] + [("far", "y", rules.FRIEND)])
    for i in range(300):  # each of my colleagues has friends of their own
        for j in range(5):
            hub.adjacent.setdefault(f"x{i}", []).append((f"x{i}-{j}", rules.FRIEND))
    result = rules.shortest_path(hub, "me", "far", max_depth=6, max_visited=200)
    assert not result.found and result.truncated
    assert len(hub.calls) <= 3


def test_path_to_oneself_is_trivial():
    assert rules.shortest_path(DictGraph(), "a", "a").nodes == ["a"]


@pytest.mark.parametrize("seed", range(30))
def test_bidirectional_search_agrees_with_plain_bfs(seed):
    rng = random.Random(seed)
    n = rng.randint(5, 60)
    edges = {tuple(sorted(rng.sample(range(n), 2))) for _ in range(rng.randint(n // 2, 2 * n))}
    graph = DictGraph([(f"n{a}", f"n{b}", rng.choice([rules.FRIEND, rules.COLLEAGUE])) for a, b in edges])
    source, target = f"n{rng.randrange(n)}", f"n{rng.randrange(n)}"
    expected = plain_bfs_length(graph, source, target)
    result = rules.shortest_path(graph, source, target, max_depth=6, max_visited=10_000)
    if expected is None or expected > 6:
        assert not result.found
        return
    assert result.found
    assert len(result.nodes) - 1 == expected
    assert result.nodes[0] == source and result.nodes[-1] == target
    for a, b, kind in zip(result.nodes[:-1], result.nodes[1:], result.kinds, strict=True):
        assert (b, kind) in graph.adjacent[a]  # every hop is a real edge


@pytest.mark.parametrize("depth", [0, 7, -1])
def test_depth_outside_its_range_names_the_field(depth):
    if depth == 0:
        assert rules.check_depth(0) == rules.PATH_DEPTH_DEFAULT
        return
    with pytest.raises(DomainError) as err:
        rules.check_depth(depth)
    assert err.value.field == "max_depth"


# -- people you may know ---------------------------------------------------------------------------------

MY_PATH = ["root", "branch", "group"]


def rank(fof, colleagues=(), paths=None, exclude=(), limit=20):
    return rules.rank_suggestions("me", MY_PATH, fof, colleagues, paths or {}, exclude, limit)


def test_more_mutual_friends_rank_first():
    ranked = rank({"a": 1, "b": 3, "c": 2})
    assert [s.account_id for s in ranked] == ["b", "c", "a"]
    assert ranked[0].mutual_friends == 3


def test_same_org_breaks_a_tie_in_mutual_friends():
    paths = {"a": ["root", "other"], "b": MY_PATH}
    ranked = rank({"a": 2, "b": 2}, paths=paths)
    assert [s.account_id for s in ranked] == ["b", "a"]
    assert ranked[0].same_org and not ranked[1].same_org


def test_deeper_shared_org_breaks_the_next_tie():
    paths = {"far": ["root", "x"], "near": ["root", "branch", "other-group"], "none": ["elsewhere"]}
    ranked = rank({}, colleagues=["far", "near", "none"], paths=paths)
    assert [s.account_id for s in ranked] == ["near", "far", "none"]
    assert [s.shared_depth for s in ranked] == [2, 1, 0]


def test_a_friend_of_friends_outranks_a_colleague_without_mutual_friends():
    paths = {"colleague": MY_PATH, "fof": ["root"]}
    ranked = rank({"fof": 1}, colleagues=["colleague"], paths=paths)
    assert [s.account_id for s in ranked] == ["fof", "colleague"]


def test_suggestions_leave_out_me_and_the_excluded():
    ranked = rank(
        {"me": 5, "friend": 4, "declined": 3, "ok": 1},
        colleagues=["me", "pending"],
        exclude=["friend", "declined", "pending"],
    )
    assert [s.account_id for s in ranked] == ["ok"]


def test_ties_are_broken_by_id_and_the_limit_holds():
    ranked = rank({"c": 1, "a": 1, "b": 1}, limit=2)
    assert [s.account_id for s in ranked] == ["a", "b"]


def test_limit_bounds():
    assert rules.check_limit(0) == rules.PYMK_DEFAULT
    with pytest.raises(DomainError) as err:
        rules.check_limit(101)
    assert err.value.field == "limit"


# -- privacy ---------------------------------------------------------------------------------------------

HOME = ["c", "gb", "b1"]


@pytest.mark.parametrize(
    ("other", "levels"),
    [
        (["c", "gb", "b1"], 0),  # same org
        (["c", "gb", "b1", "g1"], 1),  # a group under my branch: the branch is one level up from them
        (["c", "gb", "b2"], 1),  # a sibling branch: share the general branch
        (["c", "b3"], 2),  # share only the committee: two levels up from me
        (["other-root"], None),
    ],
)
def test_levels_to_the_nearest_shared_org(other, levels):
    assert rules.levels_to_shared_org(HOME, other) == levels
    assert rules.levels_to_shared_org(other, HOME) == levels


def test_everyone_and_nobody():
    assert rules.may_request(rules.Privacy(rules.EVERYONE), [], HOME)
    assert not rules.may_request(rules.Privacy(rules.NOBODY), HOME, HOME)


def test_org_within_n_levels():
    within_one = rules.Privacy(rules.ORG_WITHIN, org_levels=1)
    assert within_one.requests_from == rules.ORG_WITHIN
    assert rules.may_request(within_one, ["c", "gb", "b2"], HOME)
    assert not rules.may_request(within_one, ["c", "b3"], HOME)
    assert not rules.may_request(within_one, [], HOME)  # no org at all: nothing shared
    same_org_only = rules.Privacy(rules.ORG_WITHIN, org_levels=0)
    assert rules.may_request(same_org_only, HOME, HOME)
    assert not rules.may_request(same_org_only, ["c", "gb", "b2"], HOME)


def test_friend_list_visibility():
    friends = rules.Privacy(friends_visible_to=rules.VISIBLE_TO_FRIENDS)
    only_me = rules.Privacy(friends_visible_to=rules.VISIBLE_TO_ME)
    assert rules.may_see_friends(only_me, is_owner=True, is_friend=False)
    assert rules.may_see_friends(friends, is_owner=False, is_friend=True)
    assert not rules.may_see_friends(friends, is_owner=False, is_friend=False)
    assert not rules.may_see_friends(only_me, is_owner=False, is_friend=True)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("anyone", 2, "friends"), "friend_requests_from"),
        (("everyone", 11, "friends"), "org_levels"),
        (("everyone", -1, "friends"), "org_levels"),
        (("everyone", 2, "public"), "friends_visible_to"),
    ],
)
def test_bad_privacy_choices_name_the_field(args, field):
    with pytest.raises(DomainError) as err:
        rules.check_privacy(*args)
    assert err.value.code is ErrorCode.INVALID_ARGUMENT and err.value.field == field


def test_a_declined_request_may_be_repeated_after_the_cooldown():
    declined = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert not rules.may_request_again(declined, declined + dt.timedelta(days=29))
    assert rules.may_request_again(declined, declined + dt.timedelta(days=30))


# -- relations, contacts, follows ------------------------------------------------------------------------


def test_superiors_are_the_leaders_on_the_path_and_peers_are_not():
    assert rules.superior_orgs(HOME, ["member"]) == HOME
    assert rules.superior_orgs(HOME, ["member", "secretary"]) == ["c", "gb"]


def test_unknown_relation_names_the_field():
    with pytest.raises(DomainError) as err:
        rules.check_relation("enemies")
    assert err.value.field == "relation"


@pytest.mark.parametrize("raw", ["13912345678", "+86 139-1234-5678", "0086 13912345678", "(139) 1234 5678"])
def test_contact_phones_are_normalized(raw):
    assert rules.normalize_phone(raw) == "13912345678"


@pytest.mark.parametrize("raw", ["", "1391234567", "12912345678", "139123456789", "+1 415 555 0100", "一三九"])
def test_bad_contact_phones_name_the_field(raw):
    with pytest.raises(DomainError) as err:
        rules.normalize_phone(raw)
    assert err.value.field == "phone" and err.value.key == "contact_phone_invalid"


def test_phone_mask_keeps_the_ends():
    assert rules.mask_phone("13912345678") == "139****5678"


def test_contact_name_and_note_limits():
    assert rules.check_contact_name("  老张 ") == "老张"
    with pytest.raises(DomainError) as err:
        rules.check_contact_name("   ")
    assert err.value.field == "name"
    with pytest.raises(DomainError) as err:
        rules.check_contact_note("x" * 501)
    assert err.value.field == "note"


def test_follow_kinds():
    assert rules.check_follow_kind("org") == "org"
    with pytest.raises(DomainError) as err:
        rules.check_follow_kind("group")
    assert err.value.field == "target_kind"
