"""A deterministic microblog region for bench/content_mix.py: people, orgs, follows, friendships, a month of
posts and the home inboxes the fan-out would have filled — generated in memory, written straight into the
databases in the shapes the services themselves write.

    world = generate(100_000, seed=7, now=datetime.now(UTC))   # the same (n, seed, now) give the same world
    seed_content(content_db, world)                              # content's mirror, posts, inboxes
    seed_upstream(orgs_db, identity_db, world)                   # orgs' and identity's records of the same

Why straight into the databases: 100,000 people with ~25 follows each are ~2.5 million follow edges, and
a month of posts fans out into ~2 million inbox entries; through the API (one transaction and one event
per follow, per post) that would take many hours on this machine. So the generator simulates what the
services would have done, with their own rules, and writes the result:

- content's mirror (services/content/mirror.py): `mirror_orgs`, `mirror_people`, `mirror_friends` (both
  directions), `mirror_follows`, `mirror_follower_counts` — documents exactly as the mirror's upserts leave
  them;
- posts (services/content/posts.py): built as `Post` documents and stored with `to_mongo()`, as
  `uow.insert` does; `_id`s carry the post's time, since timelines page by `_id` time windows;
- inboxes (services/content/timelines.py): replaying `fan_out` over the posts in time order — the author's
  own entry, then one per follower who may read it (`may_read`) for authors and orgs with at most
  PUSH_LIMIT followers, nothing for bigger ones (pulled at read time) — trimmed as `push`/`trim` do
  (back to INBOX_LIMIT when an inbox is TRIM_SLACK over), with `timeline_sizes` as they would count.

The follow graph (see `generate`): most people follow tens of others (log-normal, median
`follows_median`), some of their own branch and some chosen by popularity (a Zipf-like weight, so a few
ordinary people gather hundreds of followers); `big` accounts (leaders, famous members) are each
followed by 2–25 % of everyone and the region's committees by tens of percent, so both the push and the
pull paths of the hybrid fan-out run. Friendships are mostly within a branch.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import struct
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bson import ObjectId

from services.content import timelines
from services.content.domain import microblog as rules
from services.content.domain.visibility import FRIENDS, ORG, PRIVATE, PUBLIC, Audience, Reader, audience_keys, may_read
from services.content.posts import Post

HISTORY_DAYS = 30
# (visibility, weight) of people's posts; official posts are public or org only
PERSON_VISIBILITY = ((PUBLIC, 70), (ORG, 20), (FRIENDS, 8), (PRIVATE, 2))
OFFICIAL_VISIBILITY = ((PUBLIC, 70), (ORG, 30))
# official posts in the month by org level, and how likely a member follows each org on their path
OFFICIAL_POSTS = {"committee": 15, "general_branch": 5, "branch": 1}
ROOT_POSTS = 30
FOLLOW_OWN_ORG = {0: 0.30, 1: 0.25, 2: 0.15, 3: 0.40}  # depth on the path: root, committee, general branch, branch
BIG_POSTS = 30  # each big account's posts in the month

WORDS = (
    "学习",
    "贯彻",
    "会议",
    "精神",
    "支部",
    "党员",
    "志愿",
    "服务",
    "社区",
    "群众",
    "活动",
    "今天",
    "我们",
    "组织",
    "开展",
    "主题",
    "教育",
    "实践",
    "基层",
    "治理",
    "乡村",
    "振兴",
    "走访",
    "慰问",
    "老党员",
    "讲座",
    "读书",
    "分享",
    "心得",
    "交流",
)
TOPICS = ("#学习强国#", "#主题党日#", "#志愿服务#", "#乡村振兴#", "#三会一课#")


@dataclass
class World:
    tenant: str
    now: dt.datetime
    push_limit: int
    inbox_limit: int
    orgs: list[dict]  # org_id, name, type, parent_id, path
    people: list[dict]  # account_id, name, org_id, org_path
    friendships: list[tuple[str, str]]  # each pair once (a < b)
    follows: list[tuple[str, str, str]]  # (follower_id, kind, target_id)
    posts: list[dict]  # Post.to_mongo() rows, oldest first
    inboxes: dict[str, list[tuple[ObjectId, str]]]  # owner -> [(post_id, via)], oldest first, after trims
    inbox_sizes: dict[str, int]  # what timeline_sizes would count
    big: list[str]  # the big person accounts
    probes: list[tuple[str, str]]  # (author, follower): small authors, each followed by its probe follower
    driven: list[str]  # the people whose tokens drive the mix
    followees: dict[str, list[str]] = field(default_factory=dict)  # person -> persons followed

    def follower_counts(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for _, kind, target in self.follows:
            counts[(kind, target)] += 1
        return counts

    def summary(self) -> dict:
        counts = self.follower_counts()
        person_counts = sorted((n for (k, _), n in counts.items() if k == "person"), reverse=True)
        per_person = defaultdict(int)
        for follower, _, _ in self.follows:
            per_person[follower] += 1
        following = sorted(per_person.get(p["account_id"], 0) for p in self.people)
        return {
            "people": len(self.people),
            "orgs": len(self.orgs),
            "follows": len(self.follows),
            "follows_median": following[len(following) // 2] if following else 0,
            "follows_p99": following[min(len(following) - 1, int(len(following) * 0.99))] if following else 0,
            "friend_pairs": len(self.friendships),
            "posts": len(self.posts),
            "inbox_entries": sum(len(v) for v in self.inboxes.values()),
            "pushed_targets": sum(1 for n in counts.values() if n <= self.push_limit),
            "pulled_targets": sum(1 for n in counts.values() if n > timelines_pull_threshold(self.push_limit)),
            "top_person_followers": person_counts[:5],
        }


def timelines_pull_threshold(push_limit: int) -> int:
    return push_limit // 2  # timelines.pull_threshold() with PUSH_LIMIT = push_limit


def account_id(seed: int, i: int) -> str:
    """24 hex digits (a valid ObjectId, as identity's account ids are), distinct per seed and index."""
    return f"65{seed % 256:02x}{i:020x}"


class _Ids:
    """Post _ids carrying a chosen time (timelines page by _id time), unique, deterministic."""

    def __init__(self, seed: int):
        self.tag = seed % 256
        self.n = 0

    def at(self, when: dt.datetime) -> ObjectId:
        self.n += 1
        return ObjectId(struct.pack(">IBxxxI", int(when.timestamp()), self.tag, self.n))


def _tree(n_people: int) -> list[dict]:
    """Root committee > 10 committees > 10 general branches each > branches of ~100 people."""
    orgs = [{"org_id": "org-root", "name": "市委", "type": "committee", "parent_id": "", "path": ["org-root"]}]
    committees, generals = [], []
    for c in range(10):
        oid = f"org-c{c:02d}"
        committees.append({"org_id": oid, "name": f"区委{c + 1}", "type": "committee", "parent_id": "org-root"})
        committees[-1]["path"] = ["org-root", oid]
        for g in range(10):
            gid = f"org-c{c:02d}g{g:02d}"
            generals.append({"org_id": gid, "name": f"街道{c + 1}-{g + 1}", "type": "general_branch", "parent_id": oid})
            generals[-1]["path"] = ["org-root", oid, gid]
    branches = []
    for b in range(max(1, n_people // 100)):
        parent = generals[b % len(generals)]
        bid = f"org-b{b:05d}"
        branches.append({"org_id": bid, "name": f"党支部{b + 1}", "type": "branch", "parent_id": parent["org_id"]})
        branches[-1]["path"] = [*parent["path"], bid]
    return orgs + committees + generals + branches


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _text(rng: random.Random, length: int) -> str:
    parts: list[str] = []
    if rng.random() < 0.3:
        parts.append(rng.choice(TOPICS))
    while sum(map(len, parts)) < length:
        parts.append(rng.choice(WORDS))
        if rng.random() < 0.15:
            parts.append("，")
    return "".join(parts)[:length]


def post_text(
    rng: random.Random, length: int = 256, mentions: list[str] = (), names: dict[str, str] | None = None
) -> str:
    """A post of exactly `length` characters, with `@name` for each mention (the ids travel separately)."""
    head = "".join(f"@{(names or {}).get(m, m[-6:])} " for m in mentions)
    return (head + _text(rng, length))[:length]


def generate(
    n: int,
    seed: int,
    now: dt.datetime,
    tenant: str = "mix",
    push_limit: int = 1000,
    inbox_limit: int = 500,
    big: int = 20,
    follows_median: float = 15.0,
    posts_per_person: float = 0.8,
    probes: int = 4,
    driven: int = 1000,
) -> World:
    """The whole region in memory; random.Random(seed) and `now` alone decide it."""
    rng = random.Random(seed)
    orgs = _tree(n)
    by_id = {o["org_id"]: o for o in orgs}
    branches = [o for o in orgs if o["type"] == "branch"]
    people: list[dict] = []
    members: dict[str, list[str]] = defaultdict(list)  # org (any level) -> account ids below it
    for i in range(n):
        branch = branches[rng.randrange(len(branches))]
        aid = account_id(seed, i)
        people.append(
            {"account_id": aid, "name": f"党员{i:06d}", "org_id": branch["org_id"], "org_path": branch["path"]}
        )
        for org_id in branch["path"]:
            members[org_id].append(aid)
    person_of = {p["account_id"]: p for p in people}
    ids = [p["account_id"] for p in people]

    # popularity: a random order of everyone, weight 1/sqrt(rank); the first `big` are the big accounts
    order = ids[:]
    rng.shuffle(order)
    big_ids = order[: min(big, n // 10)]
    ordinary = order[len(big_ids) :]
    cum, total = [], 0.0
    for rank in range(len(ordinary)):
        total += 1 / math.sqrt(rank + 1)
        cum.append(total)
    big_share = [0.25 / (k + 1) ** 0.8 for k in range(len(big_ids))]  # 25 % … ~2 % of everyone

    follows: list[tuple[str, str, str]] = []
    followees: dict[str, list[str]] = {}
    for p in people:
        me_ = p["account_id"]
        chosen: set[str] = set()
        for depth, org_id in enumerate(p["org_path"]):
            if rng.random() < FOLLOW_OWN_ORG.get(depth, 0.0):
                follows.append((me_, "org", org_id))
        for b, share in zip(big_ids, big_share, strict=True):
            if b != me_ and rng.random() < share:
                chosen.add(b)
        want = max(1, min(300, round(rng.lognormvariate(math.log(follows_median), 0.8))))
        local = members[p["org_id"]]
        picked: set[str] = set()
        for _ in range(4 * want):  # bounded: a small branch may hold fewer people than wanted
            if len(picked) >= want:
                break
            if rng.random() < 0.4 and len(local) > 1:
                other = local[rng.randrange(len(local))]
            else:
                other = ordinary[min(len(ordinary) - 1, _bisect(cum, rng.random() * total))]
            if other != me_:
                picked.add(other)
        chosen |= picked
        persons = sorted(chosen)
        followees[me_] = persons
        follows += [(me_, "person", t) for t in persons]

    friendships: set[tuple[str, str]] = set()
    for p in people:
        if rng.random() < 0.6:
            local = members[p["org_id"]]
            other = local[rng.randrange(len(local))] if rng.random() < 0.8 else ids[rng.randrange(n)]
            if other != p["account_id"]:
                friendships.add((min(p["account_id"], other), max(p["account_id"], other)))
    friends: dict[str, set[str]] = defaultdict(set)
    for a, b in friendships:
        friends[a].add(b)
        friends[b].add(a)

    # probes: quiet authors (low popularity), each followed by a probe follower who follows little else
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _, kind, target in follows:
        counts[(kind, target)] += 1
    probe_pairs: list[tuple[str, str]] = []
    tail = [a for a in reversed(ordinary) if counts[("person", a)] < 50]
    for k in range(probes):
        author, follower = tail[2 * k], tail[2 * k + 1]
        if author not in followees[follower]:
            followees[follower] = sorted([*followees[follower], author])
            follows.append((follower, "person", author))
            counts[("person", author)] += 1
        probe_pairs.append((author, follower))
    probe_people = {x for pair in probe_pairs for x in pair}
    candidates = [a for a in ids if a not in probe_people]
    driven_ids = rng.sample(candidates, min(driven, len(candidates)))

    # a month of posts: people (about posts_per_person each, half of them silent), big accounts, orgs
    start = now - dt.timedelta(days=HISTORY_DAYS)
    span = (now - start).total_seconds() - 120

    def when() -> dt.datetime:
        return start + dt.timedelta(seconds=rng.random() * span)

    planned: list[tuple[dt.datetime, str, str]] = []  # (time, author, as_org_id)
    for p in people:
        if rng.random() < 0.5:
            for _ in range(1 + int(rng.expovariate(1 / max(0.01, 2 * posts_per_person - 0.5)))):
                planned.append((when(), p["account_id"], ""))
    for b in big_ids:
        planned += [(when(), b, "") for _ in range(BIG_POSTS)]
    for o in orgs:
        count = ROOT_POSTS if o["org_id"] == "org-root" else OFFICIAL_POSTS.get(o["type"], 0)
        under = members.get(o["org_id"]) or []
        for _ in range(count if under else 0):
            planned.append((when(), under[rng.randrange(len(under))], o["org_id"]))
    planned.sort(key=lambda x: x[0])

    ids_gen = _Ids(seed)
    followers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for follower, kind, target in follows:
        followers[(kind, target)].append(follower)
    posts: list[dict] = []
    inboxes: dict[str, list[tuple[ObjectId, str]]] = defaultdict(list)
    sizes: dict[str, int] = defaultdict(int)

    def push(owner: str, post_id: ObjectId, via: str) -> None:
        inboxes[owner].append((post_id, via))
        sizes[owner] += 1
        if sizes[owner] > inbox_limit + timelines.TRIM_SLACK:  # push() trims; trim() keeps the newest
            del inboxes[owner][:-inbox_limit]
            sizes[owner] = len(inboxes[owner])

    for at, author, as_org in planned:
        person = person_of[author]
        if as_org:
            visibility = _pick(rng, OFFICIAL_VISIBILITY)
            scope_org, scope_path = as_org, by_id[as_org]["path"]
            name = by_id[as_org]["name"]
        else:
            visibility = _pick(rng, PERSON_VISIBILITY)
            scope_org, scope_path = person["org_id"], person["org_path"]
            name = person["name"]
        audience_org = ""
        if visibility == ORG:
            audience_org = scope_path[-1] if as_org or rng.random() < 0.6 else rng.choice(scope_path[1:])
        mentions = []
        if followees.get(author) and rng.random() < 0.3:
            mentions = rng.sample(followees[author], min(len(followees[author]), rng.randint(1, 2)))
        media = [f"m{rng.getrandbits(40):010x}" for _ in range(rng.choice((0, 0, 0, 1, 3, 9)))]
        text = post_text(rng, rng.randint(20, 256), mentions, {m: person_of[m]["name"] for m in mentions})
        audience = Audience(author, visibility, audience_org)
        oid = ids_gen.at(at)
        post = Post(
            id=oid,
            tenant=tenant,
            author_id=author,
            author_name=name,
            as_org_id=as_org,
            source=rules.source_of(author, as_org),
            org_id=scope_org,
            org_path=list(scope_path),
            visibility=visibility,
            audience_org_id=audience_org,
            audience=audience_keys(audience),
            text=text,
            hashtags=rules.hashtags(text),
            mentions=mentions,
            media_ids=media,
            repost_of="",
            created_at=at,
        )
        posts.append(post.to_mongo().to_dict())
        # timelines.fan_out, replayed
        push(author, oid, "self")
        kind, target = ("org", as_org) if as_org else ("person", author)
        if counts[(kind, target)] > push_limit:
            continue
        for f in followers[(kind, target)]:
            if f == author:
                continue
            fp = person_of[f]
            reader = Reader(f, fp["org_id"], tuple(fp["org_path"]), frozenset(friends.get(f, ())))
            if may_read(reader, audience):
                push(f, oid, f"{kind}:{target}")

    return World(
        tenant=tenant,
        now=now,
        push_limit=push_limit,
        inbox_limit=inbox_limit,
        orgs=orgs,
        people=people,
        friendships=sorted(friendships),
        follows=follows,
        posts=posts,
        inboxes=dict(inboxes),
        inbox_sizes=dict(sizes),
        big=big_ids,
        probes=probe_pairs,
        driven=driven_ids,
        followees=followees,
    )


def _bisect(cum: list[float], x: float) -> int:
    lo, hi = 0, len(cum)
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


# -- writing ------------------------------------------------------------------------------------------------


def _bulk(collection, rows, batch: int = 10_000) -> int:
    """Unordered insert_many in batches, with the collection's secondary indexes dropped meanwhile and built
    once at the end (as a restore would): on SecantusDB an index built over the loaded rows is much cheaper
    than maintaining it row by row. Returns the rows written."""
    specs = {name: spec for name, spec in collection.index_information().items() if name != "_id_"}
    if specs:
        collection.drop_indexes()
    written, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            collection.insert_many(chunk, ordered=False)
            written += len(chunk)
            chunk = []
    if chunk:
        collection.insert_many(chunk, ordered=False)
        written += len(chunk)
    for name, spec in specs.items():
        options = {k: v for k, v in spec.items() if k not in ("key", "v", "ns")}
        collection.create_index(list(spec["key"]), name=name, **options)
    return written


def content_rows(world: World) -> dict[str, object]:
    """Collection -> rows (iterables), as content's own code leaves them (see the module docstring)."""
    t = world.tenant
    since = world.now - dt.timedelta(days=HISTORY_DAYS + 1)
    counts = world.follower_counts()
    return {
        # mirror.org_created: upsert on (tenant, org_id) setting name, path, dissolved
        "mirror_orgs": [
            {"tenant": t, "org_id": o["org_id"], "name": o["name"], "path": o["path"], "dissolved": False}
            for o in world.orgs
        ],
        # mirror.account_registered then mirror.home_org: upserts on (tenant, account_id)
        "mirror_people": [
            {
                "tenant": t,
                "account_id": p["account_id"],
                "display_name": p["name"],
                "org_id": p["org_id"],
                "org_path": p["org_path"],
            }
            for p in world.people
        ],
        # mirror.friendship: both directions, upsert on (tenant, owner_id, friend_id)
        "mirror_friends": (
            {"tenant": t, "owner_id": a, "friend_id": b} for x, y in world.friendships for a, b in ((x, y), (y, x))
        ),
        # mirror.follow: the edge with $setOnInsert since, and the counter's $inc
        "mirror_follows": (
            {"tenant": t, "follower_id": f, "target_kind": k, "target_id": target, "since": since}
            for f, k, target in world.follows
        ),
        "mirror_follower_counts": [
            {"tenant": t, "target_kind": k, "target_id": target, "followers": n} for (k, target), n in counts.items()
        ],
        "posts": world.posts,
        # posts.create_post: each source's newest post ($max-upserted with every post)
        "post_source_heads": [
            {"tenant": t, "source": source, "newest": newest, "posts": written}
            for source, (newest, written) in _heads(world.posts).items()
        ],
        # timelines.push: raw rows, and the $inc-upserted sizes (exact after a trim)
        "timeline_entries": (
            {"tenant": t, "owner_id": owner, "post_id": post_id, "via": via}
            for owner, entries in world.inboxes.items()
            for post_id, via in entries
        ),
        "timeline_sizes": [{"tenant": t, "owner_id": o, "entries": n} for o, n in world.inbox_sizes.items()],
    }


def _heads(posts: list[dict]) -> dict[str, tuple[object, int]]:
    """source -> (its newest post id, how many it wrote): posts.create_post's $max and $inc."""
    heads: dict[str, tuple[object, int]] = {}
    for post in posts:
        newest, written = heads.get(post["source"], (post["_id"], 0))
        heads[post["source"]] = (max(newest, post["_id"]), written + 1)
    return heads


def seed_content(db, world: World, progress=print) -> dict[str, tuple[int, float]]:
    """Write content's collections; returns collection -> (rows, seconds)."""
    done = {}
    for name, rows in content_rows(world).items():
        started = time.perf_counter()
        written = _bulk(db[name], rows)
        done[name] = (written, time.perf_counter() - started)
        progress(f"    content.{name}: {written:,} rows in {done[name][1]:.0f}s")
    return done


def upstream_rows(world: World) -> dict[str, dict[str, object]]:
    """orgs' and identity's records of the same people, orgs and network (database -> collection -> rows)."""
    from services.identity.store import Account

    t = world.tenant
    created = world.now - dt.timedelta(days=400)
    since = world.now - dt.timedelta(days=HISTORY_DAYS + 1)
    members_by_org: dict[str, int] = defaultdict(int)
    for p in world.people:
        for org_id in p["org_path"]:
            members_by_org[org_id] += 1
    orgs_by_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for o in world.orgs:
        for ancestor in o["path"]:
            orgs_by_type[ancestor][o["type"]] += 1
    counters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f, kind, target in world.follows:
        counters[f"p:{f}"]["following"] += 1
        counters[("p:" if kind == "person" else "o:") + target]["followers"] += 1
    for a, b in world.friendships:
        counters[f"p:{a}"]["friends"] += 1
        counters[f"p:{b}"]["friends"] += 1
    orgs = {
        "orgs": [
            {
                "_id": o["org_id"],
                "tenant": t,
                "name": o["name"],
                "type": o["type"],
                "category": "",
                "parent_id": o["parent_id"],
                "path": o["path"],
                "address": "",
                "dissolved": False,
                "created_at": created,
                "members_by_status": {"full": members_by_org.get(o["org_id"], 0)},
                "orgs_by_type": dict(orgs_by_type[o["org_id"]]),
            }
            for o in world.orgs
        ],
        "memberships": [
            {
                "tenant": t,
                "account_id": p["account_id"],
                "display_name": p["name"],
                "org_id": p["org_id"],
                "org_path": p["org_path"],
                "status": "full",
                "status_since": "2020-07-01",
                "roles": ["member"],
                "dues_paid_up_to": "2026-01",
                "joined_org_on": "2020-07-01",
                "history": [
                    {
                        "status": "full",
                        "effective_on": "2020-07-01",
                        "approved_by": "seed",
                        "org_id": p["org_id"],
                        "note": "",
                        "recorded_at": created,
                    }
                ],
            }
            for p in world.people
        ],
        "people": [
            {"tenant": t, "account_id": p["account_id"], "display_name": p["name"], "phone_masked": "139****0000"}
            for p in world.people
        ],
        "friendships": (
            {"tenant": t, "owner_id": a, "friend_id": b, "since": since}
            for x, y in world.friendships
            for a, b in ((x, y), (y, x))
        ),
        "follows": (
            {"tenant": t, "follower_id": f, "target_kind": k, "target_id": target, "since": since}
            for f, k, target in world.follows
        ),
        "network_counters": [{"tenant": t, "subject": s, **dict(c)} for s, c in counters.items()],
    }
    identity = {
        "accounts": (
            Account(
                id=ObjectId(p["account_id"]),
                tenant=t,
                phone=f"139{i:08d}",
                display_name=p["name"],
                created_at=created,
            )
            .to_mongo()
            .to_dict()
            for i, p in enumerate(world.people)
        )
    }
    return {"orgs": orgs, "identity": identity}


def seed_upstream(orgs_db, identity_db, world: World, progress=print) -> dict[str, tuple[int, float]]:
    done = {}
    rows = upstream_rows(world)
    for label, db in (("orgs", orgs_db), ("identity", identity_db)):
        for name, docs in rows[label].items():
            started = time.perf_counter()
            written = _bulk(db[name], docs)
            done[f"{label}.{name}"] = (written, time.perf_counter() - started)
            progress(f"    {label}.{name}: {written:,} rows in {done[f'{label}.{name}'][1]:.0f}s")
    return done
