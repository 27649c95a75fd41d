"""Exam submissions scored per second, through the gateway, open loop.

    .venv/bin/python -m bench.exams [--people 3000] [--rates 10,20,40] [--seconds 30]

One run starts its own region, seeds --people into content's mirror (bench/content_seed.py), and as a region
committee's secretary (a token of the bench's own keys) builds a question bank of 200 questions (80 single
choice, 40 multiple choice, 40 true/false, 40 fill-in) and a public exam drawing 50 of them (20/10/10/10) with a
one-hour limit, through the HTTP API. For each rate it first starts rate × seconds attempts (each a randomized
paper drawn from the bank: POST /api/v1/exams/{id}/attempts) by distinct members, then submits them open loop
(POST /api/v1/exam-attempts/{id}/submit with a full set of answers, right or wrong at random), timed from the
intended send time. A submission is graded against the key stored on the attempt, awards study points
(the daily counter, the tallies per period on the member's orgs) and emits exam_submitted, in one transaction.
Printed per rate: submissions scored per second, p50/p99, content's SubmitAttempt handler time, database
commands per submission, CPU per process; and the starts' own figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
from pathlib import Path

import httpx

from bench.measure import GroupCpu, counter_delta, mean_ms, scrape, top_commands
from bench.openloop import Stats, drive
from bench.region import bench_region, run_main, seed_people, up
from kernel.context import Actor
from kernel.tokens import TokenIssuer

REGION = "exams"
SERVERS = ("gateway", "content", "content-worker", "mongodb")
MIX = {"single": (80, 20), "multiple": (40, 10), "true_false": (40, 10), "fill_in": (40, 10)}  # bank, paper


def questions(rng: random.Random) -> list[dict]:
    out = []
    for kind, (count, _) in MIX.items():
        for n in range(count):
            text = f"第{n + 1}题（{kind}）：党的基本路线的核心内容是什么？"
            if kind == "single":
                out.append(
                    {"kind": kind, "text": text, "options": ["甲", "乙", "丙", "丁"], "answer": [rng.randrange(4)]}
                )
            elif kind == "multiple":
                out.append(
                    {"kind": kind, "text": text, "options": ["甲", "乙", "丙", "丁"], "answer": [0, 2], "points": 2}
                )
            elif kind == "true_false":
                out.append({"kind": kind, "text": text, "answer": [rng.randrange(2)]})
            else:
                out.append({"kind": kind, "text": text, "accepted": ["实事求是", "实事求是。"]})
    return out


def answers(paper: dict, rng: random.Random) -> list[dict]:
    out = []
    for q in paper["questions"]:
        if q["kind"] == "single":
            out.append({"options": [rng.randrange(len(q["options"]))]})
        elif q["kind"] == "multiple":
            out.append({"options": sorted(rng.sample(range(len(q["options"])), rng.randint(1, 3)))})
        elif q["kind"] == "true_false":
            out.append({"truth": rng.random() < 0.5})
        else:
            out.append({"text": rng.choice(["实事求是", "解放思想", "与时俱进"])})
    return out


async def setup(client: httpx.AsyncClient, manager: dict, org_id: str, rng: random.Random) -> str:
    bank = await client.post(f"/api/v1/orgs/{org_id}/question-banks", json={"title": "党章题库"}, headers=manager)
    bank.raise_for_status()
    bank_id = bank.json()["id"]
    all_questions = questions(rng)
    for start in range(0, len(all_questions), 100):
        reply = await client.post(
            f"/api/v1/question-banks/{bank_id}/questions",
            json={"questions": all_questions[start : start + 100]},
            headers=manager,
        )
        reply.raise_for_status()
    exam = await client.post(
        f"/api/v1/orgs/{org_id}/exams",
        json={
            "title": "党章党规知识测试",
            "bank_id": bank_id,
            "scope": "public",
            "counts": [{"kind": kind, "count": paper} for kind, (_, paper) in MIX.items()],
            "time_limit_minutes": 60,
            "pass_score": 60,
        },
        headers=manager,
    )
    exam.raise_for_status()
    return exam.json()["id"]


async def start_all(client: httpx.AsyncClient, exam_id: str, tokens: list[str], rate: float) -> tuple[list, Stats]:
    """Start one attempt for each token, open loop at `rate`; returns (token, paper) of those that started."""
    papers: list = []

    def pick(i: int, _intended: float):
        headers = {"Authorization": f"Bearer {tokens[i]}"}

        async def request() -> bool:
            reply = await client.post(f"/api/v1/exams/{exam_id}/attempts", headers=headers)
            if reply.status_code != 201:
                return False
            papers.append((tokens[i], reply.json()))
            return True

        return ("start", request)

    stats = await drive(rate, len(tokens) / rate, pick)
    return papers, stats


async def submit_all(
    client: httpx.AsyncClient, papers: list, rate: float, seconds: float, seed: int
) -> tuple[Stats, list[int]]:
    rng = random.Random(seed)
    scores: list[int] = []

    def pick(i: int, _intended: float):
        token, paper = papers[i]
        body = {"answers": answers(paper, rng)}
        headers = {"Authorization": f"Bearer {token}"}

        async def request() -> bool:
            reply = await client.post(
                f"/api/v1/exam-attempts/{paper['summary']['id']}/submit", json=body, headers=headers
            )
            if reply.status_code != 200:
                return False
            scores.append(reply.json()["summary"]["score"])
            return True

        return ("submit", request)

    return await drive(rate, seconds, pick), scores


async def measure(args, base_url: str, manager: dict, org_id: str, tokens: list[str], meter: GroupCpu, metrics: dict):
    rng = random.Random(args.seed)
    results = []
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0, limits=limits) as client:
        exam_id = await setup(client, manager, org_id, rng)
        print(f"  bank of {sum(c for c, _ in MIX.values())} questions and an exam of {sum(p for _, p in MIX.values())}")
        used = 0
        for rate in args.rates:
            need = int(rate * args.seconds)
            batch, used = tokens[used : used + need], used + need
            papers, starts = await start_all(client, exam_id, batch, min(rate, args.start_rate))
            before = {name: scrape(url) for name, url in metrics.items()}
            meter.start()
            stats, scores = await submit_all(client, papers, rate, args.seconds, args.seed + int(rate))
            cpu = meter.stop()
            await asyncio.sleep(2)  # the worker's share of each submission (the event) lands
            after = {name: scrape(url) for name, url in metrics.items()}
            scored = len(stats.overall.latencies)
            results.append(
                {
                    "rate": rate,
                    "stats": stats,
                    "starts": starts,
                    "cpu": cpu,
                    "handler_ms": mean_ms(
                        before["content"],
                        after["content"],
                        "jiceng_grpc_server_handling_seconds",
                        method="SubmitAttempt",
                    ),
                    "db_per_submit": {
                        name: round(counter_delta(before[name], after[name], "jiceng_db_commands") / max(1, scored), 1)
                        for name in metrics
                    },
                    "top": top_commands(before["content"], after["content"], max(1, scored), top=6),
                    "mean_score": round(sum(scores) / max(1, len(scores)), 1),
                }
            )
            print("\n".join(report(results[-1])), flush=True)
    return results


def report(r: dict) -> list[str]:
    s, starts = r["stats"].overall, r["starts"].overall
    return [
        f"{r['rate']:>8.0f} {r['stats'].completed_per_second():>9.1f} {len(s.latencies):>7} {s.errors + s.dropped:>6} "
        f"{s.percentile(50) * 1000:>8.1f} {s.percentile(99) * 1000:>8.1f}",
        f"{'':>9} content's SubmitAttempt handler mean {r['handler_ms'] or 0:.1f} ms; database commands per submission "
        + " ".join(f"{k} {v}" for k, v in r["db_per_submit"].items())
        + f"; mean score {r['mean_score']}",
        f"{'':>9}   content: " + ", ".join(f"{k} {v}" for k, v in r["top"]),
        f"{'':>9} starts (a paper drawn each): {len(starts.latencies)} ok, {starts.errors} errors, "
        f"p50 {starts.percentile(50) * 1000:.1f} ms, p99 {starts.percentile(99) * 1000:.1f} ms",
        f"{'':>9} cpu % of one core: " + " ".join(f"{k} {v:.0f}" for k, v in r["cpu"].items()),
    ]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.exams", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000, help="people seeded; one attempt each (3000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rates", default="10,20,40", help="offered submissions/s, comma-separated (10,20,40)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per rate (20)")
    parser.add_argument("--start-rate", type=float, default=30.0, help="attempts started per second before (30)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if sum(args.rates) * args.seconds > args.people:
        parser.error("each submission needs its own member: raise --people or lower --rates/--seconds")
    return args


def command_of(args) -> str:
    return (
        f".venv/bin/python -m bench.exams --people {args.people} --seed {args.seed} "
        f"--rates {','.join(f'{r:g}' for r in args.rates)} --seconds {args.seconds:g} --start-rate {args.start_rate:g}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = command_of(args)
    with bench_region(REGION) as stack:
        layout = stack.layout
        print(f"Jiceng exams: submissions at {args.rates}/s, {args.seconds:g}s each; data in {layout.data_dir}")
        up(stack)
        world = seed_people(stack, REGION, args.people, args.seed)
        root = next(o for o in world.orgs if len(o["path"]) == 1)["org_id"]
        issuer = TokenIssuer(layout.keys_dir, REGION, 6 * 3600)
        manager_token = issuer.issue(Actor(account_id="bench-secretary", grants=(("secretary", root),))).token
        members = [p["account_id"] for p in world.people if p.get("org_id")]
        random.Random(args.seed).shuffle(members)
        tokens = [issuer.issue(Actor(account_id=a, session_id="bench-exams")).token for a in members]
        print(f"  seeded {len(world.people):,} people", flush=True)

        meter = GroupCpu({name: pid for name in SERVERS if (pid := stack.pid(name)) is not None})
        _, content_metrics, worker_metrics = layout.service_ports(3)
        metrics = {
            "content": f"http://127.0.0.1:{content_metrics}/metrics",
            "worker": f"http://127.0.0.1:{worker_metrics}/metrics",
        }
        base_url = f"http://127.0.0.1:{layout.gateway_port}"
        print(f"\n{'offered':>8} {'scored/s':>9} {'n':>7} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8}")
        manager = {"Authorization": f"Bearer {manager_token}"}
        results = asyncio.run(measure(args, base_url, manager, root, tokens, meter, metrics))
        print(f"\n{os.cpu_count()} cores shared by the load generator, SecantusDB and every service. Reproduce with:")
        print(f"  {command}")
        if args.json:
            rows = [
                {
                    "offered": r["rate"],
                    "scored_per_s": r["stats"].completed_per_second(),
                    "p50_ms": r["stats"].overall.percentile(50) * 1000,
                    "p99_ms": r["stats"].overall.percentile(99) * 1000,
                    "errors": r["stats"].overall.errors + r["stats"].overall.dropped,
                    "handler_ms": r["handler_ms"],
                    "db_per_submit": r["db_per_submit"],
                    "cpu": r["cpu"],
                }
                for r in results
            ]
            args.json.write_text(json.dumps({"command": command, "rates": rows}, indent=2))
    return 0


if __name__ == "__main__":
    run_main(main)
