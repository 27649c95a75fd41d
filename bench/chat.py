"""Live chat end to end: messages sent over the gateway's WebSocket, open loop, timed until each recipient's
socket shows them.

    .venv/bin/python -m bench.chat [--pairs 100] [--groups 10 --group-size 8] [--rates 20,50,100] [--seconds 30]

One run starts its own region (fresh temp data, free ports, every process of the project), seeds a small
region straight into content's database (bench/content_seed.py: people in branches, so members of one branch
may talk one to one), opens --pairs one-to-one conversations and --groups group conversations through the
gateway's HTTP API (the real path: POST /api/v1/chat/direct and /chat/groups), connects one WebSocket per
participant (gateway/live.py, docs/websocket.md) and syncs it. Then at each rate, after --warmup seconds,
for --seconds: at a fixed arrival rate (bench/openloop.py) a random member of a random conversation sends a
`send` frame on their socket, whatever the servers are doing. Measured from the message's intended send time:

  ack       the sender's `ack` frame (the message is stored: content's transaction committed)
  delivery  each other member's `message` frame for it (the commit, content's outbox relay to RabbitMQ, the
            gateway's feed, the socket); a group message counts once per recipient

A message not delivered to every recipient within --grace seconds after the last send is counted as lost,
and so is a `send` answered with an error or not at all. Printed per rate: messages/s acknowledged vs offered,
ack and delivery p50/p99, lost, CPU per process, content's mean SendMessage handler time, and database
commands and transactions retried (write conflicts, timeouts) per message (content's and its worker's), then the
exact command.

Target on a 2-core machine (issue 4): chat end-to-end p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench import content_seed
from bench.measure import GroupCpu, counter_delta, mean_ms, pct, scrape, top_commands
from bench.openloop import Stats, drive
from bench.region import bench_region, run_main, seed_people, up
from kernel.context import Actor
from kernel.tokens import TokenIssuer

REGION = "chat"
TARGET_P99_MS = 100.0
SERVERS = ("gateway", "content", "content-worker", "mongodb", "rabbitmq")
TEXT = "收到，今晚七点支部线上学习，请大家准时参加。地点：党群服务中心二楼会议室，带好学习笔记。"


@dataclass
class Conversation:
    id: str
    members: list[str]


@dataclass
class Expected:
    intended: float  # the event loop's clock
    waiting: set[str]  # recipients whose socket has not shown it yet


@dataclass
class Round:
    """What one rate measured, besides the open loop's own stats (the acks)."""

    delivery: list[float] = field(default_factory=list)  # seconds, one per (message, recipient)
    lost: int = 0  # (message, recipient) pairs never shown within the grace period
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Chat:
    """The participants' sockets, the conversations, and what is in flight."""

    def __init__(self, conversations: list[Conversation], seed: int):
        self.conversations = conversations
        self.rng = random.Random(seed)
        self.sockets: dict[str, ClientConnection] = {}
        self.readers: list[asyncio.Task] = []
        self.acks: dict[str, asyncio.Future] = {}
        self.expected: dict[str, Expected] = {}
        self.round = Round()
        self.tag = "w"

    async def connect_all(self, ws_url: str, tokens: dict[str, str]) -> None:
        async def one(account_id: str) -> None:
            ws = await connect(
                ws_url, additional_headers={"Authorization": f"Bearer {tokens[account_id]}"}, max_size=2**22
            )
            hello = json.loads(await ws.recv())
            if hello.get("type") != "hello":
                raise RuntimeError(f"{account_id}: expected hello, got {hello}")
            await ws.send(json.dumps({"type": "sync", "id": "first"}))
            while json.loads(await ws.recv())["type"] != "synced":
                pass  # this person's conversations and messages so far: not measured
            self.sockets[account_id] = ws
            self.readers.append(asyncio.create_task(self.read(account_id, ws)))

        people = sorted({m for c in self.conversations for m in c.members})
        for start in range(0, len(people), 50):  # a few dozen handshakes at a time
            await asyncio.gather(*(one(a) for a in people[start : start + 50]))

    async def close_all(self) -> None:
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets.values()), return_exceptions=True)

    async def read(self, account_id: str, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "ack" and frame.get("id") in self.acks:
                self.acks.pop(frame["id"]).set_result(True)
            elif kind == "error" and frame.get("id") in self.acks:
                self.round.errors[frame["error"].get("code", "?")] += 1
                self.acks.pop(frame["id"]).set_result(False)
            elif kind == "message":
                message = frame["message"]
                if message["sender_id"] == account_id:
                    continue  # my own, echoed to my sockets
                expected = self.expected.get(message["client_message_id"])
                if expected is not None and account_id in expected.waiting:
                    expected.waiting.discard(account_id)
                    self.round.delivery.append(loop.time() - expected.intended)
                    if not expected.waiting:
                        del self.expected[message["client_message_id"]]

    def pick(self, i: int, intended: float):
        conversation = self.conversations[self.rng.randrange(len(self.conversations))]
        sender = conversation.members[self.rng.randrange(len(conversation.members))]
        client_message_id = f"{self.tag}-{i}"
        self.expected[client_message_id] = Expected(intended, {m for m in conversation.members if m != sender})
        frame = {
            "type": "send",
            "id": client_message_id,
            "conversation_id": conversation.id,
            "client_message_id": client_message_id,
            "text": f"{TEXT} #{i}",
        }
        return "ack", lambda: self.send(sender, frame)

    async def send(self, sender: str, frame: dict) -> bool:
        future = asyncio.get_running_loop().create_future()
        self.acks[frame["id"]] = future
        await self.sockets[sender].send(json.dumps(frame, ensure_ascii=False))
        try:
            return await asyncio.wait_for(future, timeout=30)
        except TimeoutError:
            self.acks.pop(frame["id"], None)
            self.round.errors["no ack in 30 s"] += 1
            return False

    async def settle(self, grace: float) -> None:
        """Wait for deliveries still due, then count what never came as lost."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self.expected and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.round.lost += sum(len(e.waiting) for e in self.expected.values())
        self.expected.clear()

    def start_round(self, tag: str) -> Round:
        self.tag, self.round = tag, Round()
        return self.round


# -- the region ---------------------------------------------------------------------------------------------


def pairings(world: content_seed.World, pairs: int, groups: int, group_size: int, seed: int) -> list[list[str]]:
    """Disjoint sets of people of one branch each: `pairs` of two, then `groups` of group_size."""
    rng = random.Random(seed)
    by_branch: dict[str, list[str]] = defaultdict(list)
    for person in world.people:
        by_branch[person["org_id"]].append(person["account_id"])
    branches = [sorted(v) for _, v in sorted(by_branch.items()) if len(v) >= max(2, group_size)]
    for members in branches:
        rng.shuffle(members)
    sizes = [2] * pairs + [group_size] * groups
    out, b = [], 0
    for size in sizes:
        for _ in range(len(branches)):
            members = branches[b % len(branches)]
            b += 1
            if len(members) >= size:
                out.append([members.pop() for _ in range(size)])
                break
        else:
            raise SystemExit(f"not enough people for {pairs} pairs and {groups} groups of {group_size}: add --people")
    return out


def open_conversations(base_url: str, tokens: dict[str, str], sets: list[list[str]]) -> list[Conversation]:
    conversations = []
    with httpx.Client(base_url=base_url, timeout=60) as http:
        for members in sets:
            owner, others = members[0], members[1:]
            headers = {"Authorization": f"Bearer {tokens[owner]}"}
            if len(members) == 2:
                r = http.post("/api/v1/chat/direct", json={"account_id": others[0]}, headers=headers)
            else:
                r = http.post("/api/v1/chat/groups", json={"title": "学习小组", "member_ids": others}, headers=headers)
            if r.status_code not in (200, 201):
                raise SystemExit(f"opening a conversation failed: {r.status_code} {r.text[:300]}")
            conversations.append(Conversation(r.json()["id"], members))
    return conversations


# -- one rate -------------------------------------------------------------------------------------------------


async def run_rate(args, rate: float, chat: Chat, meter: GroupCpu, metrics: dict[str, str]) -> dict:
    if args.warmup > 0:
        chat.start_round(f"w{rate:g}")
        await drive(rate, args.warmup, chat.pick, max_in_flight=args.max_in_flight)
        await chat.settle(args.grace)
    measured = chat.start_round(f"r{rate:g}")
    before = {name: scrape(url) for name, url in metrics.items()}
    meter.start()
    stats: Stats = await drive(rate, args.seconds, chat.pick, max_in_flight=args.max_in_flight)
    cpu = meter.stop()
    await chat.settle(args.grace)
    after = {name: scrape(url) for name, url in metrics.items()}
    sent = sum(len(s.latencies) + s.errors for s in stats.by_label.values())
    return {
        "rate": rate,
        "stats": stats,
        "delivery": sorted(measured.delivery),
        "lost": measured.lost,
        "errors": dict(measured.errors),
        "cpu": cpu,
        "send_handler_ms": mean_ms(
            before["content"], after["content"], "jiceng_grpc_server_handling_seconds", method="SendMessage"
        ),
        "db_per_message": {
            name: round(counter_delta(before[name], after[name], "jiceng_db_commands") / max(1, sent), 1)
            for name in ("content", "worker")
        },
        "db_commands": {name: top_commands(before[name], after[name], sent, top=6) for name in ("content", "worker")},
        "retries_per_message": {
            name: round(counter_delta(before[name], after[name], "jiceng_db_transaction_retries") / max(1, sent), 2)
            for name in ("content", "worker")
        },
    }


def report(results: list[dict]) -> list[str]:
    lines = [
        "",
        f"{'offered':>8} {'acked/s':>8} {'what':<9} {'n':>7} {'lost':>5} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for r in results:
        stats: Stats = r["stats"]
        acks = stats.overall
        lines.append(
            f"{r['rate']:>8.0f} {stats.completed_per_second():>8.1f} {'ack':<9} {len(acks.latencies):>7} "
            f"{acks.errors + acks.dropped:>5} {acks.percentile(50) * 1000:>8.1f} {acks.percentile(99) * 1000:>8.1f}"
        )
        d = r["delivery"]
        lines.append(
            f"{'':>17} {'delivery':<9} {len(d):>7} {r['lost']:>5} {pct(d, 50) * 1000:>8.1f} {pct(d, 99) * 1000:>8.1f}"
        )
        handler = r["send_handler_ms"]
        lines.append(
            f"{'':>17} content's SendMessage handler mean {handler:.1f} ms; database commands per message: "
            + " ".join(f"{k} {v}" for k, v in r["db_per_message"].items())
            if handler is not None
            else f"{'':>17} (no SendMessage observed)"
        )
        lines.append(
            f"{'':>17} transactions retried (write conflicts, timeouts), per message: "
            + " ".join(f"{k} {v}" for k, v in r["retries_per_message"].items())
        )
        for name, top in r["db_commands"].items():
            lines.append(f"{'':>17}   {name}: " + ", ".join(f"{k} {v}" for k, v in top))
        lines.append(f"{'':>17} cpu % of one core: " + " ".join(f"{k} {v:.0f}" for k, v in r["cpu"].items()))
        if r["errors"]:
            lines.append(f"{'':>17} send errors: {r['errors']}")
        lines.append("")
    return lines


def verdict(results: list[dict]) -> str:
    met = [
        r
        for r in results
        if r["delivery"]
        and pct(r["delivery"], 99) * 1000 <= TARGET_P99_MS
        and r["lost"] == 0
        and r["stats"].overall.errors == 0
        and r["stats"].completed_per_second() >= 0.98 * r["rate"]
    ]
    return f"target chat end-to-end (delivery) p99 <= {TARGET_P99_MS:.0f} ms, nothing lost: " + (
        "met at offered " + ", ".join(f"{r['rate']:g}" for r in met) + " messages/s" if met else "NOT met at any rate"
    )


# -- the run --------------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000, help="people seeded in the region (3000)")
    parser.add_argument("--pairs", type=int, default=100, help="one-to-one conversations (100)")
    parser.add_argument("--groups", type=int, default=10, help="group conversations (10)")
    parser.add_argument("--group-size", type=int, default=8, help="members of each group (8)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rates", default="20,50,100", help="offered messages/s, comma-separated (20,50,100)")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per rate (30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds at each rate first (5)")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for late deliveries (10)")
    parser.add_argument("--max-in-flight", type=int, default=1000, help="unacknowledged sends before dropping")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    return args


def command_of(args) -> str:
    return (
        f".venv/bin/python -m bench.chat --people {args.people} --pairs {args.pairs} --groups {args.groups} "
        f"--group-size {args.group_size} --seed {args.seed} --rates {','.join(f'{r:g}' for r in args.rates)} "
        f"--seconds {args.seconds:g} --warmup {args.warmup:g}"
    )


async def measure(args, base_url: str, tokens: dict[str, str], conversations, meter, metrics) -> list[dict]:
    chat = Chat(conversations, args.seed)
    ws_url = base_url.replace("http://", "ws://") + "/api/v1/ws"
    t0 = time.perf_counter()
    await chat.connect_all(ws_url, tokens)
    print(f"  {len(chat.sockets)} sockets connected and synced in {time.perf_counter() - t0:.1f}s", flush=True)
    results = []
    try:
        for rate in args.rates:
            result = await run_rate(args, rate, chat, meter, metrics)
            results.append(result)
            for line in report([result])[2:]:
                print(line, flush=True)
    finally:
        await chat.close_all()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = command_of(args)
    with bench_region(REGION, args.keep_data) as stack:
        layout = stack.layout
        print(
            f"Jiceng chat: {args.pairs} pairs and {args.groups} groups of {args.group_size} over WebSockets, "
            f"rates {args.rates} messages/s, {args.seconds:g}s each after {args.warmup:g}s warm-up; "
            f"data in {layout.data_dir}"
        )
        up(stack)
        t0 = time.perf_counter()
        world = seed_people(stack, REGION, args.people, args.seed)
        print(f"  seeded {len(world.people):,} people in {time.perf_counter() - t0:.0f}s", flush=True)

        sets = pairings(world, args.pairs, args.groups, args.group_size, args.seed)
        issuer = TokenIssuer(layout.keys_dir, REGION, 6 * 3600)
        tokens = {a: issuer.issue(Actor(account_id=a, session_id="bench-chat")).token for s in sets for a in s}
        base_url = f"http://127.0.0.1:{layout.gateway_port}"
        conversations = open_conversations(base_url, tokens, sets)
        print(f"  {len(conversations)} conversations opened through the gateway", flush=True)

        groups = {name: stack.pid(name) for name in SERVERS}
        meter = GroupCpu({k: v for k, v in groups.items() if v is not None})
        _, content_metrics, worker_metrics = layout.service_ports(3)
        metrics = {
            "content": f"http://127.0.0.1:{content_metrics}/metrics",
            "worker": f"http://127.0.0.1:{worker_metrics}/metrics",
        }
        results = asyncio.run(measure(args, base_url, tokens, conversations, meter, metrics))

        print("\n".join(report(results)))
        print(verdict(results))
        print(
            f"\n{os.cpu_count()} cores shared by the load generator, SecantusDB, RabbitMQ and every service. "
            f"Reproduce with:\n  {command}"
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "command": command,
                        "rates": [
                            {
                                "offered": r["rate"],
                                "acked_per_s": r["stats"].completed_per_second(),
                                "ack_p50_ms": r["stats"].overall.percentile(50) * 1000,
                                "ack_p99_ms": r["stats"].overall.percentile(99) * 1000,
                                "delivery_p50_ms": pct(r["delivery"], 50) * 1000,
                                "delivery_p99_ms": pct(r["delivery"], 99) * 1000,
                                "deliveries": len(r["delivery"]),
                                "lost": r["lost"],
                                "errors": r["errors"],
                                "cpu": r["cpu"],
                                "db_per_message": r["db_per_message"],
                            }
                            for r in results
                        ],
                    },
                    indent=2,
                )
                + "\n"
            )
        failed = sum(r["lost"] + r["stats"].overall.errors for r in results)
        return 1 if failed else 0


if __name__ == "__main__":
    run_main(main)
