"""The system benchmark's own logic: when a step counts as saturated, the ramp, the figures and the report."""

from __future__ import annotations

import asyncio
import json
import math
import os
import time

import pytest

from bench import system
from bench.measure import RegionUsage
from bench.openloop import Series, Stats
from bench.system import Limits, Step, saturation_reasons

pytestmark = pytest.mark.unit


def step(offered, achieved, p99=50.0, errors=0, dropped=0, phase="ramp", seconds=10.0) -> Step:
    ok = round(achieved * seconds)
    return Step(phase, offered, seconds, ok, errors, dropped, p50_ms=p99 / 5, p99_ms=p99)


def test_a_step_that_keeps_up_within_the_limits_is_not_saturated():
    assert saturation_reasons(step(40, 39.5), step(20, 20), Limits()) == []
    assert saturation_reasons(step(10, 9.6), None, Limits()) == []


def test_falling_behind_the_offered_rate_saturates():
    (reason,) = saturation_reasons(step(80, 60), step(40, 40), Limits())
    assert "completed 60.0/s of 80/s" in reason


def test_throughput_that_stops_rising_saturates_even_when_each_step_nearly_keeps_up():
    # a refine step close above the last good one: 91 % kept up, but the rate hardly rose
    (reason,) = saturation_reasons(step(57, 52), step(40, 50), Limits())
    assert "rose +2.0/s for +17/s offered" in reason
    assert saturation_reasons(step(57, 56), step(40, 40), Limits()) == []


def test_p99_over_the_bound_saturates():
    (reason,) = saturation_reasons(step(40, 40, p99=1500), step(20, 20), Limits(p99_ms=1000))
    assert reason == "p99 1500 ms > 1000 ms"


def test_errors_and_drops_over_the_share_saturate_and_a_few_do_not():
    assert saturation_reasons(step(100, 100, errors=5), None, Limits(max_errors=0.01)) == []
    reasons = saturation_reasons(step(100, 100, errors=10, dropped=5), None, Limits(max_errors=0.01))
    assert reasons == ["15 of 1015 actions failed or dropped"]


def test_a_step_where_nothing_succeeded_is_saturated_for_every_reason():
    nothing = Step("ramp", 80, 10.0, 0, 800, 0, math.nan, math.nan)
    reasons = saturation_reasons(nothing, step(40, 40), Limits())
    assert len(reasons) == 3 and reasons[1].startswith("p99 nan ms")


def test_the_ramp_the_refinement_and_the_saturation_throughput():
    assert system.ramp_rates(10, 2, 640) == [10, 20, 40, 80, 160, 320, 640]
    assert system.ramp_rates(10, 2, 100) == [10, 20, 40, 80]
    with pytest.raises(ValueError):
        system.ramp_rates(10, 1, 100)
    assert system.refine_rate(40, 80) == 56.6
    steps = [step(10, 10), step(20, 20), step(40, 31), step(28.3, 28, phase="refine"), step(15.5, 15.5, phase="50%")]
    assert system.saturation_throughput(steps) == 31  # the best completed, not the best offered; reruns left out


def test_step_from_the_open_loop_stats_and_the_summary():
    stats = Stats(rate=50, seconds=2, elapsed=2.0)
    stats.by_label["post"] = Series(latencies=[i / 1000 for i in range(1, 81)], errors=1)
    stats.by_label["read"] = Series(latencies=[0.002] * 19, dropped=2)
    s = system.step_from_stats("ramp", stats)
    assert (s.ok, s.errors, s.dropped, s.offered_count, s.achieved) == (99, 1, 2, 102, 49.5)
    assert s.by_label["post"]["p99_ms"] == 80.0 and s.by_label["read"]["p50_ms"] == 2.0
    assert saturation_reasons(s, None, Limits(max_errors=0.03)) == []
    assert saturation_reasons(s, None, Limits(max_errors=0.02)) == ["3 of 102 actions failed or dropped"]

    steps = [step(10, 10), step(20, 19.8), step(40, 25, p99=2000), step(12.5, 12.5, phase="50%")]
    steps[2].reasons = ["completed 25.0/s of 40/s offered"]
    steps.append(step(20, 20, p99=300, phase="80%"))
    steps[3].cpu = {"region": 50.0}
    figures = system.summary(steps, echo_rps=2500)
    assert figures["saturation_rps"] == 25 and figures["saturated_at_offered"] == 40
    assert figures["last_within_limits_offered"] == 20 and figures["ratio_to_echo"] == 0.01
    assert figures["at_80pct"] == {"offered": 20, "p50_ms": 60.0, "p99_ms": 300, "region_cpu_ms": None}
    assert figures["at_50pct"]["region_cpu_ms"] == 40.0
    text = "\n".join(system.summary_lines(figures))
    assert "saturation throughput: 25.0 actions/s" in text and "at 80% of it (20/s): p50 60.0 ms, p99 300.0 ms" in text
    assert "saturation / echo = 0.0100" in text
    assert "at 50% of it (12.5/s): p50 10.0 ms, p99 50.0 ms; the region's CPU 40 ms an action" in text

    never = system.summary([step(10, 10)], echo_rps=0)
    assert never["saturated_at_offered"] is None and never["ratio_to_echo"] is None
    assert "not reached" in "\n".join(system.summary_lines(never))


def test_the_step_lines_and_the_usage_table():
    s = step(40, 25, p99=2000)
    s.by_label = {"post": {"ok": 5, "errors": 0, "dropped": 0, "p50_ms": math.nan, "p99_ms": 3.0}, "read": {}}
    s.by_label["read"] = {"ok": 245, "errors": 1, "dropped": 0, "p50_ms": 1.0, "p99_ms": 9.0}
    s.reasons = ["p99 2000 ms > 1000 ms"]
    s.backlog = 17
    s.answers = {"POST 503": 3, "GET timeout": 1}
    lines = system.step_lines(s)
    assert "SATURATED: p99 2000 ms > 1000 ms" in lines[0] and "broker backlog 17" in lines[0]
    assert lines[1].split(":", 1) == ["       answers other than 2xx", " POST 503 × 3, GET timeout × 1"]
    assert lines[2].endswith("post") and "       -" in lines[2]  # no latency: a dash, not nan
    assert len(system.step_lines(s, labels=False)) == 2
    s.cpu, s.rss_mb = {"gateway": 95.4, "client": 30.0}, {"gateway": 120.4, "client": 80.0}
    later = step(20, 20, phase="50%")
    later.cpu, later.rss_mb = {"gateway": 40.0, "rest": 12.0}, {"gateway": 121.0}
    table = system.usage_table([s, later])
    assert table[0].split() == ["cpu", "%", "/", "rss", "MiB", "ramp@40", "50%@20"]
    assert [line.split() for line in table[1:]] == [
        ["gateway", "95/120", "40/121"],
        ["client", "30/80", "-/-"],
        ["rest", "-/-", "12/-"],
    ]
    later.cpu["region"] = 60.0  # 0.6 s of CPU a second for 20 actions a second: 30 ms each
    assert later.region_cpu_ms == 30.0 and s.region_cpu_ms is None
    assert system.usage_table([s, later])[-1].split() == ["region", "cpu", "ms", "/", "action", "-", "30.0"]


def test_the_database_figures_come_from_the_scrapes_around_the_window():
    def sample(command, n, work=None):
        if work:
            return {("jiceng_db_transaction_retries_total", frozenset({("work", work)})): n}
        return {("jiceng_db_commands_total", frozenset({("command", command), ("target", "posts")})): n}

    runner = system.Runner.__new__(system.Runner)
    runner.metrics_before = {"content": {**sample("find", 100), **sample("", 2, "deliver.write")}, "orgs": {}}
    waited = ("jiceng_db_command_seconds_total", frozenset({("command", "find"), ("target", "posts")}))
    runner.metrics_before["content"][waited] = 1.0
    runner.metrics_after = {
        "content": {**sample("find", 400), **sample("", 7, "deliver.write"), waited: 1.5},
        "orgs": {**sample("insert", 50), **sample("", 3, "approve_out.write")},
        "sms": sample("find", 0),  # nothing sent: not listed
    }
    commands, retries, db_ms = runner.database_figures(completed=100)
    assert commands == {"content": 3.0, "orgs": 0.5}
    assert retries == {"content deliver.write": 5, "orgs approve_out.write": 3}
    assert db_ms == {"content find posts": 5.0}  # half a second waited over 100 actions
    s = step(20, 20)
    s.db_commands, s.retries, s.db_ms = commands, retries, db_ms
    lines = system.step_lines(s, labels=False)
    assert lines[1] == "       database commands per action: content 3, orgs 0.5"
    assert lines[2] == "       database ms per action: content find posts 5"
    assert lines[3] == (
        "       transactions retried (write conflicts, timeouts): content deliver.write × 5, orgs approve_out.write × 3"
    )


def test_the_usage_of_a_process_group_is_read_from_proc():
    """This process spins for 0.3 s of CPU (on a busy machine that takes longer): its group's share of one core
    is what it used over the wall time, and so is the client's (this process, counted in that group too)."""
    usage = RegionUsage({"me": os.getpgid(0)}, interval=0.05)
    t0 = time.perf_counter()
    usage.start()
    cpu0 = time.process_time()
    while time.process_time() - cpu0 < 0.3:
        pass
    cpu, rss = usage.stop()
    expected = 100 * 0.3 / (time.perf_counter() - t0)
    assert cpu["client"] >= 0.9 * expected and cpu["me"] >= 0.8 * expected  # /proc counts in clock ticks
    assert rss["me"] >= rss["client"] > 10  # MiB: at least this Python process
    assert list(cpu) == ["me", "region", "client", "rest"] and cpu["region"] == cpu["me"]
    assert list(rss) == ["me", "region", "client"] and rss["region"] == rss["me"]


def test_the_command_reproduces_the_settings():
    args = system.parse_args(["--quick", "--people", "50", "--max-rate", "100"])
    assert (args.start, args.seconds, args.refine, args.people, args.rates) == (20, 8, 0, 50, [20, 40, 80])
    again = system.parse_args(system.command_of(args).split(" -m bench.system ", 1)[1].split())
    assert {k: v for k, v in vars(again).items() if k != "quick"} == {
        k: v for k, v in vars(args).items() if k != "quick"
    }


def test_the_workload_actions_run_on_the_load_generators_http_pool():
    """bench/workload.py's actions, written for httpx, carried out by bench/http1.py's pool through PoolClient:
    query parameters, JSON both ways, answers other than 2xx counted, a failed exchange an httpx error."""
    from bench import workload
    from bench.http1 import Http1Pool

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request := await reader.readline():
                method, target, _ = request.decode().split(" ", 2)
                length = 0
                while (line := await reader.readline()) != b"\r\n":
                    name, _, value = line.decode().partition(":")
                    length = int(value) if name.lower() == "content-length" else length
                body = (await reader.readexactly(length)).decode() if length else None
                if target.endswith("/hang-up"):
                    return
                status = 404 if target.endswith("/missing") else 200
                payload = json.dumps({"method": method, "target": target, "body": body}).encode()
                writer.write(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(payload), payload))
                await writer.drain()
        finally:
            writer.close()

    def action(*calls):
        replies = []
        for call in calls:
            replies.append((yield call))
        return replies

    async def scenario():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with Http1Pool("127.0.0.1", port, size=4, timeout=5) as pool:
            http = system.PoolClient(pool)
            who = workload.Person("p", "137", "pw", "a1", "tok")
            read = workload.Call("GET", "/things", who, params={"q": "党 课", "n": 2})
            write = workload.Call("POST", "/things", who, {"text": "你好"})
            first = []
            assert await workload.run_async(http, _collect(action(read, write), first))
            (got, posted) = first[0]
            assert got.body == {"method": "GET", "target": "/api/v1/things?q=%E5%85%9A+%E8%AF%BE&n=2", "body": None}
            assert posted.status == 200 and json.loads(posted.body["body"]) == {"text": "你好"}
            missing = []
            await workload.run_async(http, _collect(action(workload.Call("GET", "/missing", who)), missing))
            assert missing[0][0].status == 404 and not missing[0][0].ok
            with pytest.raises(workload.Unanswered):  # an idempotent read, but the open loop repeats nothing
                await workload.run_async(http, action(workload.Call("GET", "/hang-up", who)))
            await workload.run_async(http, action(workload.Call("GET", f"/things/{'a1' * 12}/missing", who)))
            assert http.answers == {
                "GET /api/v1/missing 404": 1,
                "GET /api/v1/hang-up ConnectionError": 1,
                "GET /api/v1/things/{id}/missing 404": 1,
            }
        await asyncio.sleep(0.05)  # the server's side of the closed connections ends
        server.close()
        await server.wait_closed()

    asyncio.run(scenario())


def _collect(inner, into: list):
    """An action that runs `inner` and keeps its replies in `into`; True when it ends."""
    replies = yield from inner
    into.append(replies)
    return True
