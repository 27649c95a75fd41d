"""The whole region under the mixed workload, open loop at rising arrival rates until it saturates.

    .venv/bin/python -m bench.system [--quick] [--start 10 --factor 2 --max-rate 1280] [--seconds 20]
    make bench-system SYSTEM="--quick"

One run starts its own region (bench/region.py: fresh temp data, free ports, every process of the project),
seeds a corner of it (--people members in an org tree, straight into the databases: bench/content_seed.py),
measures the bare gRPC echo ceiling of the machine (bench/echo_server.py, closed loop at a few concurrency
levels, as bench/gateway_auth.py does), then drives the workload open loop (bench/openloop.py: actions leave
at a fixed arrival rate whatever the servers do; latency counts from the intended send time) at --start
actions/s, then × --factor each step, until a step saturates the region:

  - it falls behind: completed actions/s below --keep-up (0.9) of the offered rate, or the completed rate
    rose by less than half of what the offered rate rose since the step before;
  - p99 over --p99-ms (1000 ms);
  - failed or dropped actions over --max-errors (1 %) of those offered.

With --refine (1) it then tries the geometric middle between the last step within the limits and the first
over them, as many times. The saturation throughput is the most actions/s completed at any step; the run
then drives 50 % and 80 % of it again (after the broker's queues drain) for their p50/p99. Every step
records each region process's CPU (% of one core; a process group, so RabbitMQ's Erlang VM counts with its
start script) and peak resident memory (RSS sampled from /proc every --sample seconds, summed over the
group), the load generator's own and the rest of the machine's; and, from each process's /metrics around the
measured window, the database commands per completed action, the time waited for the database per action by
command and collection (which grow slow), and the transactions retried (a write conflict, a timeout), by the work
retried (where contention is).

Printed: each step, the saturation throughput and why the ramp stopped, p50/p99 at 50 % and 80 %, CPU and
RSS per process, the ratio of the saturation throughput to the echo ceiling, and the exact command. The
figures, the machine (cores, memory, CPU model, load) and the git commit are written to
bench/results/system-<UTC date and time>.json and .md (--out elsewhere).

--workload me drives GET /api/v1/me only (the smallest authenticated action): a check of the driver itself.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import random
import re
import shlex
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

import grpc
import httpx

from bench import content_seed, workload
from bench.gateway_auth import PAYLOAD, CpuMeter, EchoServer, grpc_runs
from bench.http1 import Http1Pool
from bench.measure import RegionUsage, grown_by, metrics_urls, scrape_all
from bench.openloop import Stats, drive
from bench.region import bench_region, run_main
from devstack.stack import Stack
from jiceng.bench.v1 import echo_pb2, echo_pb2_grpc
from kernel.context import Actor
from kernel.tokens import TokenIssuer

ROOT = Path(__file__).resolve().parent.parent
REGION = "system"
RESULTS = ROOT / "bench" / "results"
# The region's limits are not what is measured: each person of the workload speaks from an address of its own
# (trusted X-Forwarded-For), sign-ins are not rate limited, and the corner's officers may send SMS at the
# most the setting allows (10,000 an hour: a 10-minute run sends a few hundred).
REGION_ENV = {
    **workload.WORKLOAD_ENV,
    "TRUST_FORWARDED_FOR": "true",
    "AUTH_RATE_PER_MINUTE": "1000000",
    "SEARCH_RATE_PER_MINUTE": "1000000",
    "SMS_ORG_SENDS_PER_HOUR": "10000",
}


# -- the pure parts: a step's figures, saturation, the report --------------------------------------------


@dataclass
class Limits:
    p99_ms: float = 1000.0
    max_errors: float = 0.01  # failed + dropped, as a fraction of the actions offered
    keep_up: float = 0.9  # completed/offered below this: the region fell behind
    min_gain: float = 0.5  # completed rate must rise by at least this share of the offered rate's rise


@dataclass
class Step:
    """One rate, measured."""

    phase: str  # ramp | refine | 50% | 80%
    offered: float  # actions/s
    seconds: float  # measured wall time (the arrivals' span and the last answers)
    ok: int
    errors: int
    dropped: int
    p50_ms: float
    p99_ms: float
    by_label: dict[str, dict] = field(default_factory=dict)  # label -> ok, errors, dropped, p50_ms, p99_ms
    cpu: dict[str, float] = field(default_factory=dict)  # process -> % of one core
    rss_mb: dict[str, float] = field(default_factory=dict)  # process -> peak RSS, MiB
    backlog: int | None = None  # messages left in the broker's queues right after the step
    answers: dict[str, int] = field(default_factory=dict)  # answers other than 2xx, and failed exchanges, by kind
    db_commands: dict[str, float] = field(default_factory=dict)  # process -> database commands per completed action
    retries: dict[str, int] = field(default_factory=dict)  # "process work" -> transactions retried (write conflicts)
    db_ms: dict[str, float] = field(default_factory=dict)  # "process command collection" -> database ms per action
    reasons: list[str] = field(default_factory=list)  # why it counts as saturated (empty: within limits)

    @property
    def achieved(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @property
    def offered_count(self) -> int:
        return self.ok + self.errors + self.dropped

    @property
    def region_cpu_ms(self) -> float | None:
        """The region's CPU time per completed action (ms): what an action costs, even on a shared machine."""
        if "region" not in self.cpu or not self.achieved:
            return None
        return round(self.cpu["region"] * 10 / self.achieved, 1)

    def as_dict(self) -> dict:
        return {**asdict(self), "achieved": round(self.achieved, 2), "region_cpu_ms_per_action": self.region_cpu_ms}


def step_from_stats(phase: str, stats: Stats) -> Step:
    total = stats.overall
    return Step(
        phase=phase,
        offered=stats.rate,
        seconds=stats.elapsed,
        ok=len(total.latencies),
        errors=total.errors,
        dropped=total.dropped,
        p50_ms=_ms(total.percentile(50)),
        p99_ms=_ms(total.percentile(99)),
        by_label={
            label: {
                "ok": len(s.latencies),
                "errors": s.errors,
                "dropped": s.dropped,
                "p50_ms": _ms(s.percentile(50)),
                "p99_ms": _ms(s.percentile(99)),
            }
            for label, s in sorted(stats.by_label.items())
        },
    )


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2) if not math.isnan(seconds) else math.nan


def saturation_reasons(step: Step, previous: Step | None, limits: Limits) -> list[str]:
    """Why `step` shows the region saturated (none: it kept up within the limits)."""
    reasons = []
    failed = step.errors + step.dropped
    if failed > limits.max_errors * max(1, step.offered_count):
        reasons.append(f"{failed} of {step.offered_count} actions failed or dropped")
    if not step.ok or step.p99_ms > limits.p99_ms:
        reasons.append(f"p99 {step.p99_ms:.0f} ms > {limits.p99_ms:.0f} ms")
    if step.achieved < limits.keep_up * step.offered:
        reasons.append(f"completed {step.achieved:.1f}/s of {step.offered:g}/s offered")
    elif previous is not None and step.offered > previous.offered:
        gain, wanted = step.achieved - previous.achieved, limits.min_gain * (step.offered - previous.offered)
        if gain < wanted:
            reasons.append(f"completed rate rose {gain:+.1f}/s for {step.offered - previous.offered:+g}/s offered")
    return reasons


def ramp_rates(start: float, factor: float, max_rate: float) -> list[float]:
    if start <= 0 or factor <= 1 or max_rate < start:
        raise ValueError("need start > 0, factor > 1 and max_rate >= start")
    rates, rate = [], start
    while rate <= max_rate * (1 + 1e-9):
        rates.append(round(rate, 2))
        rate *= factor
    return rates


def refine_rate(good: float, bad: float) -> float:
    """The next rate to try between the last rate within the limits and the first over them."""
    return round(math.sqrt(good * bad), 1)


def saturation_throughput(steps: list[Step]) -> float:
    """The most actions/s the region completed at any step of the ramp."""
    return max((s.achieved for s in steps if s.phase in ("ramp", "refine")), default=0.0)


def _fmt(x: float | None, width: int, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-".rjust(width)
    return f"{x:{width}.{digits}f}"


def step_lines(step: Step, labels: bool = True) -> list[str]:
    head = (
        f"{step.phase:<6} {step.offered:>8g} {step.achieved:>9.1f} {step.ok:>7} {step.errors:>6} {step.dropped:>6}"
        f" {_fmt(step.p50_ms, 8)} {_fmt(step.p99_ms, 8)}"
    )
    if step.backlog:
        head += f"   broker backlog {step.backlog}"
    if step.reasons:
        head += "   SATURATED: " + "; ".join(step.reasons)
    lines = [head]
    if step.answers:
        lines.append(f"{'':<6} answers other than 2xx: " + ", ".join(f"{k} × {v}" for k, v in step.answers.items()))
    if step.db_commands:
        busiest = sorted(step.db_commands.items(), key=lambda kv: -kv[1])[:6]
        lines.append(f"{'':<6} database commands per action: " + ", ".join(f"{k} {v:g}" for k, v in busiest))
    if step.db_ms:
        slowest = sorted(step.db_ms.items(), key=lambda kv: -kv[1])[:6]
        lines.append(f"{'':<6} database ms per action: " + ", ".join(f"{k} {v:g}" for k, v in slowest))
    if step.retries:
        lines.append(
            f"{'':<6} transactions retried (write conflicts, timeouts): "
            + ", ".join(f"{k} × {v}" for k, v in sorted(step.retries.items(), key=lambda kv: -kv[1])[:6])
        )
    if labels and len(step.by_label) > 1:
        for label, s in step.by_label.items():
            lines.append(
                f"{'':<6} {'':>8} {'':>9} {s['ok']:>7} {s['errors']:>6} {s['dropped']:>6}"
                f" {_fmt(s['p50_ms'], 8)} {_fmt(s['p99_ms'], 8)}   {label}"
            )
    return lines


STEP_HEAD = (
    f"{'phase':<6} {'offered':>8} {'achieved':>9} {'ok':>7} {'errors':>6} {'drop':>6} {'p50 ms':>8} {'p99 ms':>8}"
)


def usage_table(steps: list[Step]) -> list[str]:
    """CPU (% of one core) and peak RSS (MiB) of every process, one column per step."""
    names: list[str] = []
    for s in steps:
        for name in [*s.cpu, *s.rss_mb]:
            if name not in names:
                names.append(name)
    cols = [f"{s.phase}@{s.offered:g}" for s in steps]
    width = max([10, *(len(c) + 1 for c in cols)])
    lines = [f"{'cpu % / rss MiB':<24}" + "".join(f"{c:>{width}}" for c in cols)]
    for name in names:
        cells = []
        for s in steps:
            cpu, rss = s.cpu.get(name), s.rss_mb.get(name)
            cell = f"{'-' if cpu is None else f'{cpu:.0f}'}/{'-' if rss is None else f'{rss:.0f}'}"
            cells.append(f"{cell:>{width}}")
        lines.append(f"{name:<24}" + "".join(cells))
    if any(s.region_cpu_ms is not None for s in steps):
        lines.append(f"{'region cpu ms / action':<24}" + "".join(f"{_fmt(s.region_cpu_ms, width)}" for s in steps))
    return lines


def _at(step: Step | None) -> dict | None:
    if step is None:
        return None
    return {"offered": step.offered, "p50_ms": step.p50_ms, "p99_ms": step.p99_ms, "region_cpu_ms": step.region_cpu_ms}


def summary(steps: list[Step], echo_rps: float) -> dict:
    ramp = [s for s in steps if s.phase in ("ramp", "refine")]
    saturated = next((s for s in ramp if s.reasons), None)
    within = [s for s in ramp if not s.reasons]
    best = saturation_throughput(steps)
    at = {s.phase: s for s in steps if s.phase in ("50%", "80%")}
    return {
        "saturation_rps": round(best, 2),
        "saturated_at_offered": saturated.offered if saturated else None,
        "saturated_because": saturated.reasons if saturated else ["not reached: the ramp ended at --max-rate"],
        "last_within_limits_offered": within[-1].offered if within else None,
        "at_50pct": _at(at.get("50%")),
        "at_80pct": _at(at.get("80%")),
        "echo_ceiling_rps": round(echo_rps, 1),
        "ratio_to_echo": round(best / echo_rps, 4) if echo_rps else None,
    }


def summary_lines(s: dict, unit: str = "actions/s") -> list[str]:
    lines = [f"saturation throughput: {s['saturation_rps']:.1f} {unit}"]
    if s["saturated_at_offered"] is not None:
        lines.append(f"  saturated at {s['saturated_at_offered']:g}/s offered: " + "; ".join(s["saturated_because"]))
    else:
        lines.append("  " + s["saturated_because"][0])
    for key, name in (("at_50pct", "50%"), ("at_80pct", "80%")):
        at = s[key]
        if at:
            lines.append(
                f"  at {name} of it ({at['offered']:g}/s): "
                f"p50 {_fmt(at['p50_ms'], 0)} ms, p99 {_fmt(at['p99_ms'], 0)} ms"
                + (f"; the region's CPU {at['region_cpu_ms']:.0f} ms an action" if at["region_cpu_ms"] else "")
            )
    ratio = f"{s['ratio_to_echo']:.4f}" if s["ratio_to_echo"] is not None else "-"
    lines.append(f"bare gRPC echo ceiling: {s['echo_ceiling_rps']:.0f} calls/s; saturation / echo = {ratio}")
    return lines


# -- the machine and the broker ---------------------------------------------------------------------------


def machine() -> dict:
    def first(path: str, key: str) -> str:
        try:
            with open(path) as f:
                return next((line.split(":", 1)[1].strip() for line in f if line.startswith(key)), "?")
        except OSError:
            return "?"

    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603,S607
        return done.stdout.strip()

    return {
        "cores": os.cpu_count(),
        "cpu_model": first("/proc/cpuinfo", "model name"),
        "memory": first("/proc/meminfo", "MemTotal"),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "grpcio": grpc.__version__,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "git_commit": git("rev-parse", "HEAD"),
        "git_branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def broker_backlog(stack: Stack) -> int | None:
    """Messages waiting in the region's consumed queues (None if the broker does not say). A queue nobody
    consumes (a live feed with no socket open) only grows and is no backlog of the region's."""
    try:
        queues = workload.broker_backlog(stack)
    except (subprocess.SubprocessError, OSError):
        return None
    return sum(messages for messages, consumers in queues.values() if consumers)


def settle(stack: Stack, limit: float) -> tuple[int | None, float]:
    """Wait (up to `limit` seconds) for the broker's queues to drain; returns the backlog found and the wait."""
    t0 = time.perf_counter()
    first = backlog = broker_backlog(stack)
    while backlog and time.perf_counter() - t0 < limit:
        time.sleep(1)
        backlog = broker_backlog(stack)
    return first, time.perf_counter() - t0


# -- the echo ceiling ---------------------------------------------------------------------------------------


def echo_ceiling(data_dir: Path, levels: list[int], seconds: float) -> tuple[float, list[dict]]:
    """Calls/s of a bare grpc.aio echo server, closed loop, at each concurrency level; the best is the ceiling."""
    echo = EchoServer(data_dir / "echo-server.log")
    echo.start()
    try:
        timing = SimpleNamespace(seconds=seconds, warmup=min(1.0, seconds / 4))
        request = echo_pb2.EchoRequest(payload=PAYLOAD)
        meter = CpuMeter({"echo": echo.proc.pid})
        runs = asyncio.run(
            grpc_runs("echo", echo.address, echo_pb2_grpc.EchoServiceStub, "Echo", request, (), levels, timing, meter)
        )
    finally:
        echo.stop()
    rows = [
        {"concurrency": r.concurrency, "rps": round(r.rps, 1), "p50_ms": round(r.p50_ms, 2), "errors": r.error_count}
        for r in runs
    ]
    return max((r.rps for r in runs if not r.errors), default=0.0), rows


# -- workloads: what one action is ---------------------------------------------------------------------------


class MeWorkload:
    """GET /api/v1/me as a random seeded member: the driver's own check, and the smallest action there is."""

    def __init__(self, client: Http1Pool, tokens: dict[str, str], seed: int):
        self.client, self.rng = client, random.Random(seed)
        self.headers = [{"Authorization": f"Bearer {t}"} for t in tokens.values()]
        self.answers: Counter = Counter()

    def pick(self, _i: int, _intended: float):
        headers = self.headers[self.rng.randrange(len(self.headers))]

        async def me() -> bool:
            try:
                response = await self.client.get("/api/v1/me", headers=headers)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
                self.answers[f"GET /api/v1/me {type(exc).__name__}"] += 1
                raise
            if response.status_code != 200:
                self.answers[f"GET /api/v1/me {response.status_code}"] += 1
            return response.status_code == 200

        return "me", me


@dataclass
class Seeded:
    people: int
    tokens: dict[str, str]
    seconds: float
    rows: int


def seed_region(stack: Stack, people: int, driven: int, seed: int) -> Seeded:
    """--people members in an org tree (content's mirror, posts and inboxes; orgs' and identity's records),
    and access tokens for --driven of them signed with the region's own keys."""
    import pymongo

    t0 = time.perf_counter()
    world = content_seed.generate(
        people, seed, dt.datetime.now(dt.UTC), tenant=REGION, probes=0, driven=min(driven, people)
    )
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        written = content_seed.seed_content(client[f"{REGION}_content"], world, progress=lambda _line: None)
        written |= content_seed.seed_upstream(
            client[f"{REGION}_orgs"], client[f"{REGION}_identity"], world, progress=lambda _line: None
        )
    issuer = TokenIssuer(stack.layout.keys_dir, REGION, 6 * 3600)
    tokens = {a: issuer.issue(Actor(account_id=a, session_id="bench-system")).token for a in world.driven}
    return Seeded(people, tokens, time.perf_counter() - t0, sum(n for n, _ in written.values()))


# -- the run ---------------------------------------------------------------------------------------------------

QUICK = {"start": 20.0, "seconds": 8.0, "warmup": 2.0, "refine": 0, "people": 300, "corner": 6, "echo_seconds": 3.0}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.system", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a ~3-minute run: " + json.dumps(QUICK))
    parser.add_argument("--workload", choices=("mix", "me"), default="mix", help="mix (default) or GET /me only")
    parser.add_argument("--start", type=float, help="first arrival rate, actions/s (10)")
    parser.add_argument("--factor", type=float, default=2.0, help="each step's rate × this (2)")
    parser.add_argument("--max-rate", type=float, default=1280.0, help="the ramp's last rate at most (1280)")
    parser.add_argument("--refine", type=int, help="steps between the last good and first saturated rate (1)")
    parser.add_argument("--seconds", type=float, help="measured seconds per step (20)")
    parser.add_argument("--warmup", type=float, help="unmeasured seconds at each step's rate first (3)")
    parser.add_argument("--p99-ms", type=float, default=1000.0, help="p99 above this saturates (1000)")
    parser.add_argument("--max-errors", type=float, default=0.01, help="failed+dropped share that saturates (0.01)")
    parser.add_argument("--keep-up", type=float, default=0.9, help="completed/offered below this saturates (0.9)")
    parser.add_argument("--people", type=int, help="members seeded (2000)")
    parser.add_argument("--driven", type=int, default=200, help="seeded members who drive --workload me (200)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--corner", type=int, help="members of the workload's corner, made through the API (12)")
    parser.add_argument("--movers", type=int, default=2, help="members of the corner who move between branches (2)")
    parser.add_argument("--verify", action="store_true", help="afterwards check the ledger (bench/workload.verify)")
    parser.add_argument("--echo-levels", default="16,64", help="echo ceiling's concurrency levels (16,64)")
    parser.add_argument("--echo-seconds", type=float, help="measured seconds per echo level (5)")
    parser.add_argument("--connections", type=int, default=256, help="HTTP keep-alive pool size (256)")
    parser.add_argument("--max-in-flight", type=int, default=512, help="arrivals beyond this many are dropped (512)")
    parser.add_argument("--settle", type=float, default=120.0, help="most seconds to wait for the broker (120)")
    parser.add_argument("--sample", type=float, default=1.0, help="seconds between RSS samples (1)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory (bench/results)")
    parser.add_argument("--keep-data", action="store_true", help="keep the region's temp dir (logs)")
    args = parser.parse_args(argv)
    defaults = {
        "start": 10.0,
        "seconds": 20.0,
        "warmup": 3.0,
        "refine": 1,
        "people": 2000,
        "corner": 12,
        "echo_seconds": 5.0,
    }
    for key, value in (QUICK if args.quick else defaults).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    try:
        args.echo_levels = [int(x) for x in args.echo_levels.split(",") if x.strip()]
        args.rates = ramp_rates(args.start, args.factor, args.max_rate)
    except ValueError as exc:
        parser.error(str(exc))
    if args.seconds <= 0 or args.warmup < 0 or args.people < 1 or not args.echo_levels:
        parser.error("--seconds > 0, --warmup >= 0, --people >= 1, --echo-levels not empty")
    return args


def command_of(args: argparse.Namespace) -> str:
    argv = [".venv/bin/python", "-m", "bench.system", "--workload", args.workload]
    argv += ["--start", f"{args.start:g}", "--factor", f"{args.factor:g}", "--max-rate", f"{args.max_rate:g}"]
    argv += ["--refine", str(args.refine), "--seconds", f"{args.seconds:g}", "--warmup", f"{args.warmup:g}"]
    argv += ["--p99-ms", f"{args.p99_ms:g}", "--max-errors", f"{args.max_errors:g}", "--keep-up", f"{args.keep_up:g}"]
    argv += ["--people", str(args.people), "--driven", str(args.driven), "--seed", str(args.seed)]
    argv += ["--corner", str(args.corner), "--movers", str(args.movers)]
    if args.verify:
        argv.append("--verify")
    argv += ["--echo-levels", ",".join(map(str, args.echo_levels)), "--echo-seconds", f"{args.echo_seconds:g}"]
    argv += ["--connections", str(args.connections), "--max-in-flight", str(args.max_in_flight)]
    return f"cd {shlex.quote(str(ROOT))} && {shlex.join(argv)}"


class Runner:
    """Drives one step at a time: a fresh connection pool and workload per step, the usage sampled around it."""

    def __init__(self, args, stack: Stack, make_workload: Callable, usage: RegionUsage):
        self.args, self.stack, self.make_workload, self.usage = args, stack, make_workload, usage
        self.metrics = metrics_urls(stack)
        self.metrics_before: dict[str, dict] = {}
        self.metrics_after: dict[str, dict] = {}
        address = urllib.parse.urlsplit(f"http://127.0.0.1:{stack.layout.gateway_port}")
        self.host, self.port = address.hostname, address.port

    async def _drive(self, rate: float, index: int) -> Stats:
        args = self.args
        async with Http1Pool(self.host, self.port, size=args.connections, timeout=30) as client:
            workload = self.make_workload(client, args.seed + index)
            if args.warmup > 0:
                await drive(rate, args.warmup, workload.pick, max_in_flight=args.max_in_flight)
            workload.answers.clear()
            self.metrics_before = scrape_all(self.metrics)
            self.usage.start()
            try:
                return await drive(rate, args.seconds, workload.pick, max_in_flight=args.max_in_flight)
            finally:
                self.cpu, self.rss = self.usage.stop()
                self.metrics_after = scrape_all(self.metrics)
                self.answers = dict(workload.answers.most_common())

    def database_figures(self, completed: int) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
        """Between the scrapes around the measured window: database commands per completed action by process,
        transactions retried by process and work, and the time waited for the database per completed action
        by process, command and collection (what each action costs the database, where write conflicts come
        from, and which collection's commands grow slow)."""
        commands, retries, waited = {}, {}, {}
        per = max(1, completed)
        for name, after in self.metrics_after.items():
            before = self.metrics_before.get(name, {})
            sent = sum(grown_by(before, after, "jiceng_db_commands", "command").values())
            if sent:
                commands[name] = round(sent / per, 1)
            for work, n in grown_by(before, after, "jiceng_db_transaction_retries", "work").items():
                retries[f"{name} {work}"] = int(n)
            for what, seconds in grown_by(before, after, "jiceng_db_command_seconds", "command", "target").items():
                waited[f"{name} {what}"] = round(seconds * 1000 / per, 2)
        return commands, retries, waited

    def step(self, phase: str, rate: float, index: int, previous: Step | None, limits: Limits) -> Step:
        stats = asyncio.run(self._drive(rate, index))
        result = step_from_stats(phase, stats)
        result.cpu, result.rss_mb, result.answers = self.cpu, self.rss, self.answers
        result.db_commands, result.retries, result.db_ms = self.database_figures(result.ok)
        result.backlog = broker_backlog(self.stack)
        if phase in ("ramp", "refine"):
            result.reasons = saturation_reasons(result, previous, limits)
        for line in step_lines(result, labels=False):
            print(line, flush=True)
        return result


def ramp(runner: Runner, args, limits: Limits) -> list[Step]:
    steps: list[Step] = []
    previous = None
    for index, rate in enumerate(args.rates):
        step = runner.step("ramp", rate, index, previous, limits)
        steps.append(step)
        if step.reasons:
            break
        previous = step
    good = [s for s in steps if not s.reasons]
    for n in range(args.refine):
        bad = next((s for s in steps if s.reasons), None)
        if bad is None or not good:
            break
        below = max(good, key=lambda s: s.offered)
        above = min((s for s in steps if s.reasons), key=lambda s: s.offered)
        rate = refine_rate(below.offered, above.offered)
        if not below.offered < rate < above.offered:
            break
        settle(runner.stack, args.settle)
        step = runner.step("refine", rate, 100 + n, below, limits)
        steps.append(step)
        if not step.reasons:
            good.append(step)
    return steps


def write_results(args, out: dict, report: list[str]) -> tuple[Path, Path]:
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"system-{dt.datetime.now(dt.UTC):%Y-%m-%dT%H%M}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n")
    m = out["machine"]
    md = [
        f"# System benchmark, {out['started']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu_model']}), {m['memory']} memory, Linux {m['kernel']}, "
        f"Python {m['python']}; load average before {m['load_average_before']}. "
        f"Commit {m['git_commit'][:12]} ({m['git_branch']}{', uncommitted changes' if m['git_dirty'] else ''}).",
        "",
        "Reproduce with:",
        "",
        "```sh",
        out["command"],
        "```",
        "",
        "```",
        *report,
        "```",
        "",
        f"Figures: {json_path.name}.",
    ]
    md_path.write_text("\n".join(md) + "\n")
    return json_path, md_path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = command_of(args)
    limits = Limits(args.p99_ms, args.max_errors, args.keep_up)
    started_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    durations: dict[str, float] = {}
    info = machine()
    with bench_region(REGION, args.keep_data, REGION_ENV) as stack:
        print(
            f"Jiceng system benchmark: workload {args.workload!r}, {args.people:,} members seeded, rates from "
            f"{args.start:g}/s × {args.factor:g} up to {args.max_rate:g}/s, {args.seconds:g}s each after "
            f"{args.warmup:g}s warm-up; data in {stack.layout.data_dir}"
        )
        print(
            f"  machine: {info['cores']} cores, {info['memory']}, load average "
            f"{' '.join(map(str, info['load_average_before']))}; commit {info['git_commit'][:12]}"
            f"{' (uncommitted changes)' if info['git_dirty'] else ''}",
            flush=True,
        )
        t0 = time.perf_counter()
        stack.up()
        durations["stack_up"] = time.perf_counter() - t0
        print(f"  stack up in {durations['stack_up']:.0f}s: {len(stack.processes)} processes", flush=True)

        seeded = seed_region(stack, args.people, args.driven, args.seed)
        durations["seed"] = seeded.seconds
        print(
            f"  seeded {seeded.rows:,} rows straight into the databases ({args.people:,} members in an org tree, "
            f"their follows, friendships and a month of posts) in {seeded.seconds:.0f}s",
            flush=True,
        )
        t0 = time.perf_counter()
        make_workload, prepared = workload_factory(args, stack, seeded)
        durations["corner"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        echo_rps, echo_rows = echo_ceiling(stack.layout.data_dir, args.echo_levels, args.echo_seconds)
        durations["echo"] = time.perf_counter() - t0
        print(
            "  bare gRPC echo ceiling: "
            + ", ".join(f"{r['rps']:.0f}/s at {r['concurrency']} in flight" for r in echo_rows)
            + "\n",
            flush=True,
        )

        groups = {p.name: pid for p in stack.processes if (pid := stack.pid(p.name)) is not None}
        runner = Runner(args, stack, make_workload, RegionUsage(groups, args.sample))
        print(STEP_HEAD, flush=True)
        t0 = time.perf_counter()
        steps = ramp(runner, args, limits)
        best = saturation_throughput(steps)
        for phase, share in (("50%", 0.5), ("80%", 0.8)):
            rate = round(best * share, 1)
            if rate <= 0:
                continue
            backlog, waited = settle(stack, args.settle)
            if backlog:
                print(f"  (waited {waited:.0f}s for {backlog} messages in the broker to drain)", flush=True)
            steps.append(runner.step(phase, rate, 200 + len(steps), None, limits))
        durations["load"] = time.perf_counter() - t0
        corner = prepared.get("corner")
        ledger = corner.ledger.counts() if corner else {}
        problems = None
        if corner is not None and args.verify:
            t0 = time.perf_counter()
            problems = workload.verify(corner, stack, timeout=args.settle)
            durations["verify"] = time.perf_counter() - t0

    durations["total"] = time.perf_counter() - started
    figures = summary(steps, echo_rps)
    report = [STEP_HEAD]
    for s in steps:
        report += step_lines(s, labels=s.phase in ("50%", "80%") or bool(s.reasons))
    report += ["", *usage_table(steps), "", *summary_lines(figures)]
    if ledger:
        report.append("acknowledged writes in the ledger: " + ", ".join(f"{k} {v}" for k, v in sorted(ledger.items())))
    if problems is not None:
        report.append(
            f"verify: {len(problems)} problems" + "".join(f"\n  {p}" for p in problems[:20])
            if problems
            else "verify: every acknowledged write is there once, fan-out complete, outboxes and queues empty"
        )
    report += [
        "",
        "durations: " + ", ".join(f"{k.replace('_', ' ')} {v:.0f}s" for k, v in durations.items()),
        f"{info['cores']} cores shared by the load generator, the echo server and every region process; "
        f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]
    print()
    print("\n".join(report))
    out = {
        "benchmark": "system",
        "started": started_at.isoformat(timespec="seconds"),
        "command": command,
        "machine": info,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "limits": asdict(limits),
        "summary": figures,
        "ledger": ledger,
        "verify_problems": problems,
        "echo": echo_rows,
        "steps": [s.as_dict() for s in steps],
        "durations_s": {k: round(v, 1) for k, v in durations.items()},
    }
    json_path, md_path = write_results(args, out, report)
    print(f"\nresults: {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path} and .md")
    print(f"reproduce with:\n  {command}")
    return 1 if problems else 0


class PoolClient:
    """bench/http1.py's pool with the face of httpx.AsyncClient that bench/workload.py's actions use: httpx costs
    the load generator ~1-2 ms of CPU a request, and here it shares the region's cores."""

    def __init__(self, pool: Http1Pool):
        self.pool = pool
        self.answers: Counter = Counter()  # "<method> <route> <status or failure>", for answers other than 2xx

    async def request(self, method: str, url: str, json=None, params=None, headers=None) -> _PoolResponse:
        route = f"{method} {re.sub(r'/[0-9a-f]{24,32}(?=/|$)', '/{id}', url)}"  # ObjectIds and uuids: one route
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            response = await self.pool.request(method, url, headers, json)
        except TimeoutError as exc:
            self.answers[f"{route} timeout"] += 1
            raise httpx.TimeoutException(f"{method} {url}: no answer in {self.pool.timeout:g}s") from exc
        except (OSError, asyncio.IncompleteReadError) as exc:
            self.answers[f"{route} {type(exc).__name__}"] += 1
            raise httpx.TransportError(f"{method} {url}: {exc!r}") from exc
        if not 200 <= response.status_code < 300:
            self.answers[f"{route} {response.status_code}"] += 1
        return _PoolResponse(response.status_code, response.content)


@dataclass
class _PoolResponse:
    status_code: int
    content: bytes

    def json(self):
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class MixWorkload:
    """bench/workload.py's mix on the corner, its requests on this step's pool."""

    def __init__(self, corner: workload.Corner, client: Http1Pool, seed: int):
        http = PoolClient(client)
        self.mix = workload.Mix(corner, http, seed=seed)
        self.pick, self.answers = self.mix.choose, http.answers


def workload_factory(args, stack: Stack, seeded: Seeded) -> tuple[Callable, dict]:
    """make(client, seed) -> an object whose pick(i, intended) gives (label, request) for bench/openloop.py, and
    what was set up for it."""
    if args.workload == "me":
        print(f"  {len(seeded.tokens)} of the seeded members drive GET /api/v1/me", flush=True)
        return (lambda client, seed: MeWorkload(client, seeded.tokens, seed)), {}
    from devstack import demo

    t0 = time.perf_counter()
    demo.seed(stack)
    gateway = f"http://127.0.0.1:{stack.layout.gateway_port}"
    corner = workload.setup(gateway, stack, people=args.corner, movers=args.movers)
    seconds = time.perf_counter() - t0
    print(
        f"  the workload's corner in {seconds:.0f}s (through the API): a general branch and two branches, a "
        f"secretary, {len(corner.members)} members and {len(corner.movers)} movers; mix "
        + ", ".join(f"{k} {v}" for k, v in workload.MIX.items()),
        flush=True,
    )
    return (lambda client, seed: MixWorkload(corner, client, seed)), {"corner": corner, "corner_seconds": seconds}


if __name__ == "__main__":
    run_main(main)
