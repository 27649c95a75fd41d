"""Org micro-websites under load: GET /{region}/{slug}[/…] read without logging in, open loop, with each page's
server time.

    .venv/bin/python -m bench.microsite [--people 3000] [--sites 100] [--rates 50,100,200] [--seconds 30]

One run starts its own region, seeds --people into content's mirror with a month of posts (bench/content_seed.py:
orgs post public and members-only official news), and writes --sites published sites straight into content's
database in the shape services/content/sites.py stores (each with six pages of text in the page markup,
rendered as a save would, two albums, a contact) for the orgs that post most. Then at each rate it requests a
random page of a random site — the home page (half of the requests), a text page, the news, the albums, an
album, the contact page — as an anonymous reader with a fresh cache (no If-None-Match), timed from the intended
send time. The gateway reports its own time for each page (`Server-Timing: site;dur=…`: the call to content
and the templates) and its request-handling histogram; both are printed with CPU per process.

Target on a 2-core machine (issue 5): micro-site page render p99 <= 30 ms of server time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
from collections import Counter
from pathlib import Path

import httpx
import pymongo

from bench import content_seed
from bench.measure import GroupCpu, mean_ms, pct, scrape
from bench.openloop import Stats, drive
from bench.region import bench_region, run_main, seed_people, up
from services.content.domain import sites as rules

REGION = "sites"
TARGET_P99_MS = 30.0
SERVERS = ("gateway", "content", "mongodb")
PARAGRAPH = (
    "支部坚持以习近平新时代中国特色社会主义思想为指导，认真落实“三会一课”制度，组织党员开展主题党日活动，"
    "**深入学习**党的二十大精神，做到学思用贯通、知信行统一。"
)
CONTACT = {"address": "和平区南京路 100 号", "phone": "022-12345678", "email": "", "hours": "工作日 9:00-17:00"}
PAGES = ("about", "history", "rules", "study", "service", "join")
VIEWS = (("home", 50), ("page", 20), ("news", 15), ("albums", 5), ("album", 5), ("contact", 5))


def page_markup(rng: random.Random) -> str:
    blocks = ["# 基本情况", *(PARAGRAPH for _ in range(rng.randint(2, 5))), "## 工作要点"]
    blocks.append("\n".join(f"- 第{i + 1}项：{PARAGRAPH[: rng.randint(20, 40)]}" for i in range(rng.randint(3, 6))))
    blocks.append("详见[党建网](https://www.12371.cn/)。")
    return "\n\n".join(blocks)


def site_rows(world: content_seed.World, count: int, seed: int) -> list[dict]:
    """Published sites for the orgs with the most official posts, as sites.py stores them."""
    rng = random.Random(seed)
    posting = Counter(p["as_org_id"] for p in world.posts if p.get("as_org_id"))
    orgs = [org for org, _ in posting.most_common(count)]
    now = dt.datetime.now(dt.UTC)
    rows = []
    for i, org_id in enumerate(orgs):
        pages = [
            {"slug": slug, "title": f"栏目{k + 1}", "body": body, "html": rules.render(body), "in_menu": True}
            for k, slug in enumerate(PAGES)
            for body in [page_markup(rng)]
        ]
        albums = [
            {
                "id": f"album{k}",
                "title": f"活动剪影{k + 1}",
                "photos": [{"media_id": f"photo_{i}_{k}_{n}", "caption": f"主题党日{n}"} for n in range(24)],
            }
            for k in range(2)
        ]
        content = {
            "title": f"第{i + 1}党组织",
            "tagline": "不忘初心 牢记使命",
            "template": rules.TEMPLATES[i % len(rules.TEMPLATES)],
            "colour": list(rules.COLOURS)[i % len(rules.COLOURS)],
            "contact": {
                "address": "和平区南京路 100 号",
                "phone": "022-12345678",
                "email": "",
                "hours": "工作日 9:00-17:00",
            },
            "pages": pages,
            "albums": albums,
        }
        rows.append(
            {
                "tenant": REGION,
                "org_id": org_id,
                "slug": f"site-{i}",
                "draft": content,
                "draft_rev": 1,
                "published": content,
                "version": 1,
                "published_at": now,
                "created_at": now,
                "updated_at": now,
                "updated_by": "bench",
            }
        )
    return rows


class Readers:
    """Anonymous readers asking for random pages; the gateway's Server-Timing of each answer is kept."""

    def __init__(self, client: httpx.AsyncClient, sites: list[dict], seed: int):
        self.client, self.sites = client, sites
        self.rng = random.Random(seed)
        self.views, self.weights = zip(*VIEWS, strict=True)
        self.server_ms: list[float] = []
        self.sizes: list[int] = []
        self.statuses: Counter = Counter()

    def path(self) -> tuple[str, str]:
        site = self.rng.choice(self.sites)
        base = f"/{REGION}/{site['slug']}"
        view = self.rng.choices(self.views, self.weights)[0]
        suffix = {
            "home": "",
            "page": f"/{self.rng.choice(PAGES)}",
            "news": "/news",
            "albums": "/albums",
            "album": f"/albums/album{self.rng.randrange(2)}",
            "contact": "/contact",
        }[view]
        return view, base + suffix

    def pick(self, _i: int, _intended: float):
        view, path = self.path()

        async def request() -> bool:
            response = await self.client.get(path)
            if response.status_code != 200:
                self.statuses[response.status_code] += 1
                return False
            timing = response.headers.get("server-timing", "")
            if "dur=" in timing:
                self.server_ms.append(float(timing.split("dur=")[1].split(",")[0]))
            self.sizes.append(len(response.content))
            return True

        return (view, request)


async def run_rate(args, rate: float, base_url: str, sites: list[dict], meter: GroupCpu, metrics_url: str) -> dict:
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=base_url, timeout=10.0, limits=limits) as client:
        if args.warmup > 0:
            await drive(rate, args.warmup, Readers(client, sites, args.seed + int(rate)).pick)
        readers = Readers(client, sites, args.seed)
        before = scrape(metrics_url)
        meter.start()
        stats: Stats = await drive(rate, args.seconds, readers.pick, max_in_flight=args.max_in_flight)
        cpu = meter.stop()
        after = scrape(metrics_url)
    handled = [
        mean_ms(before, after, "jiceng_http_request_seconds", route=route)
        for route in ("/{region}/{slug}", "/{region}/{slug}/{section}", "/{region}/{slug}/albums/{album_id}")
    ]
    return {
        "rate": rate,
        "stats": stats,
        "cpu": cpu,
        "server_ms": sorted(readers.server_ms),
        "statuses": dict(readers.statuses),
        "mean_kb": round(sum(readers.sizes) / max(1, len(readers.sizes)) / 1024, 1),
        "gateway_handler_ms": [round(h, 1) if h is not None else None for h in handled],
    }


def report(r: dict) -> list[str]:
    s = r["stats"].overall
    server = r["server_ms"]
    lines = [
        f"{r['rate']:>8.0f} {r['stats'].completed_per_second():>9.1f} {len(s.latencies):>7} {s.errors + s.dropped:>6} "
        f"{s.percentile(50) * 1000:>8.1f} {s.percentile(99) * 1000:>8.1f} "
        f"{pct(server, 50):>10.1f} {pct(server, 99):>10.1f}",
        f"{'':>9} by page (client p99 ms): "
        + ", ".join(f"{k} {v.percentile(99) * 1000:.1f}" for k, v in sorted(r["stats"].by_label.items())),
        f"{'':>9} gateway request time mean (home, section, album) ms: {r['gateway_handler_ms']}; "
        f"page size {r['mean_kb']} KiB; errors by status {r['statuses'] or '-'}",
        f"{'':>9} cpu % of one core: " + " ".join(f"{k} {v:.0f}" for k, v in r["cpu"].items()),
    ]
    return lines


def verdict(results: list[dict]) -> str:
    met = [
        r
        for r in results
        if r["server_ms"]
        and pct(r["server_ms"], 99) <= TARGET_P99_MS
        and r["stats"].overall.errors + r["stats"].overall.dropped == 0
        and r["stats"].completed_per_second() >= 0.98 * r["rate"]
    ]
    return f"target micro-site render p99 <= {TARGET_P99_MS:.0f} ms server time: " + (
        "met at " + ", ".join(f"{r['rate']:g}" for r in met) + " pages/s" if met else "NOT met at any rate"
    )


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.microsite", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000, help="people seeded (3000)")
    parser.add_argument("--sites", type=int, default=100, help="published sites (100)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rates", default="50,100,200", help="offered pages/s, comma-separated (50,100,200)")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per rate (30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds at each rate first (5)")
    parser.add_argument("--max-in-flight", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    return args


def command_of(args) -> str:
    return (
        f".venv/bin/python -m bench.microsite --people {args.people} --sites {args.sites} --seed {args.seed} "
        f"--rates {','.join(f'{r:g}' for r in args.rates)} --seconds {args.seconds:g} --warmup {args.warmup:g}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = command_of(args)
    with bench_region(REGION) as stack:
        layout = stack.layout
        print(f"Jiceng micro-websites: {args.sites} sites, rates {args.rates} pages/s; data in {layout.data_dir}")
        up(stack)
        world = seed_people(stack, REGION, args.people, args.seed)
        sites = site_rows(world, args.sites, args.seed)
        with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
            client[f"{REGION}_content"]["sites"].insert_many(sites)
        print(f"  seeded {len(world.people):,} people, {len(world.posts):,} posts, {len(sites)} sites", flush=True)

        meter = GroupCpu({name: pid for name in SERVERS if (pid := stack.pid(name)) is not None})
        base_url = f"http://127.0.0.1:{layout.gateway_port}"
        metrics_url = f"{base_url}/metrics"
        print(
            f"\n{'offered':>8} {'pages/s':>9} {'n':>7} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'server p50':>10} {'server p99':>10}"
        )
        results = []
        for rate in args.rates:
            result = asyncio.run(run_rate(args, rate, base_url, sites, meter, metrics_url))
            results.append(result)
            print("\n".join(report(result)), flush=True)
        print(verdict(results))
        print(f"\n{os.cpu_count()} cores shared by the load generator, SecantusDB and every service. Reproduce with:")
        print(f"  {command}")
        if args.json:
            rows = [
                {
                    "offered": r["rate"],
                    "pages_per_s": r["stats"].completed_per_second(),
                    "p50_ms": r["stats"].overall.percentile(50) * 1000,
                    "p99_ms": r["stats"].overall.percentile(99) * 1000,
                    "server_p50_ms": pct(r["server_ms"], 50),
                    "server_p99_ms": pct(r["server_ms"], 99),
                    "errors": r["stats"].overall.errors + r["stats"].overall.dropped,
                    "cpu": r["cpu"],
                }
                for r in results
            ]
            args.json.write_text(json.dumps({"command": command, "rates": rows}, indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
