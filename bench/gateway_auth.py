"""Authenticated requests through the gateway, against gRPC straight to identity and a bare gRPC echo.

    .venv/bin/python -m bench.gateway_auth [--seconds 5] [--levels 1,4,16,64] [--json out.json]

One run starts its own region (`bench`, fresh temp data, free ports) with the project's own code,
creates an admin, logs in through the gateway, then at each concurrency level (closed loop: N requests
in flight, each client sends the next as soon as one answers) measures, after a short warm-up:

  gateway   GET /api/v1/me with a bearer token, through the gateway (HTTP/1.1 keep-alive; wrk if
            installed, else an asyncio httpx client)
  direct    IdentityService.GetMe over gRPC straight to identity (grpc.aio client, N tasks, one channel)
  echo      EchoService.Echo, ~100-byte payload, on a bare grpc.aio server (bench/echo_server.py):
            the transport's ceiling

and prints requests/s, p50 and p99 latency, errors and the CPU each process used, then the ratios
gateway/direct, direct/echo and gateway/echo per level. Every answer must be 200 / OK; any error
makes the exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import platform
import re
import resource
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import grpc
import httpx

from devstack.layout import Layout, free_port_base
from devstack.stack import Stack
from jiceng.bench.v1 import echo_pb2, echo_pb2_grpc
from jiceng.identity.v1 import identity_pb2, identity_pb2_grpc

ROOT = Path(__file__).resolve().parent.parent
REGION = "bench"
ADMIN_PHONE = "13800000000"
DEFAULT_LEVELS = (1, 4, 16, 64)
PAYLOAD = bytes(range(100))  # the echo payload: 100 bytes
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- results ----------------------------------------------------------------------------------------


@dataclass
class Run:
    """One target at one concurrency level."""

    target: str  # gateway | direct | echo
    concurrency: int
    client: str  # the load generator
    seconds: float  # measured wall time
    ok: int  # answers that were 200 / OK
    errors: dict[str, int] = field(default_factory=dict)  # what went wrong, and how often
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # process -> % of one core during the run

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict:
        return {**asdict(self), "rps": round(self.rps, 1), "error_count": self.error_count}


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(q / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


# -- CPU accounting: how busy each process was (is the client the bottleneck?) ----------------------


def _proc_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def _machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle, all cores together (from /proc/stat)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    guest = sum(ticks[8:10])  # already counted in user and nice
    return (sum(ticks) - idle - guest) / CLK_TCK


class CpuMeter:
    """CPU time used between start() and stop(), per named process; `client` is this process (the gRPC
    client) plus the children it reaped meanwhile (wrk); `rest` is everything else on the machine
    (the region's idle processes, and whatever else runs here)."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._self0 = self._own()
        self._busy0 = _machine_busy_seconds()
        self._procs0 = {name: _proc_cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._t0
        used = {"client": self._own() - self._self0}
        for name, pid in self.pids.items():
            before, after = self._procs0.get(name), _proc_cpu_seconds(pid)
            if before is not None and after is not None:
                used[name] = after - before
        used["rest"] = max(0.0, _machine_busy_seconds() - self._busy0 - sum(used.values()))
        return {name: round(100 * sec / wall, 1) for name, sec in used.items()} if wall > 0 else {}

    @staticmethod
    def _own() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# -- closed-loop load with asyncio tasks (gRPC, and HTTP when wrk is missing) -----------------------


async def closed_loop(call, concurrency: int, seconds: float, error_of) -> tuple[list[float], Counter, float]:
    """`concurrency` tasks each awaiting `call()` back to back for `seconds`; returns the sorted
    latencies of the good answers (s), the errors by kind, and the wall time."""
    latencies: list[float] = []
    errors: Counter = Counter()
    clock = time.perf_counter
    end = clock() + seconds

    async def worker() -> None:
        while True:
            t0 = clock()
            if t0 >= end:
                return
            try:
                problem = await call()
            except Exception as exc:  # noqa: BLE001 - every failure is counted, by kind
                problem = error_of(exc)
            if problem is None:
                latencies.append(clock() - t0)
            else:
                errors[problem] += 1

    started = clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = clock() - started
    latencies.sort()
    return latencies, errors, wall


def _grpc_error(exc: BaseException) -> str:
    if isinstance(exc, grpc.aio.AioRpcError):
        return f"grpc {exc.code().name}"
    return type(exc).__name__


def _http_error(exc: BaseException) -> str:
    return type(exc).__name__


async def measure_async(target: str, client: str, make_call, error_of, concurrency: int, args, meter: CpuMeter) -> Run:
    if args.warmup > 0:
        await closed_loop(make_call, concurrency, args.warmup, error_of)  # warm-up, thrown away
    meter.start()
    latencies, errors, wall = await closed_loop(make_call, concurrency, args.seconds, error_of)
    cpu = meter.stop()
    return Run(
        target,
        concurrency,
        client,
        wall,
        len(latencies),
        dict(errors),
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        cpu,
    )


async def grpc_runs(
    target: str, address: str, stub_class, method: str, request, metadata, levels, args, meter: CpuMeter
) -> list[Run]:
    ids = itertools.count()
    async with grpc.aio.insecure_channel(address) as channel:
        rpc = getattr(stub_class(channel), method)

        async def call():
            await rpc(request, metadata=(*metadata, ("x-request-id", f"bench-{next(ids)}")), timeout=10)
            return None

        await call()  # fail fast: one call must work before any load
        return [await measure_async(target, "grpc.aio", call, _grpc_error, n, args, meter) for n in levels]


# -- HTTP load: wrk when installed ------------------------------------------------------------------

# Counts every answer that is not exactly 200 (wrk itself only counts >= 400) and prints one JSON line.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not200 = 0 end
function response(status, headers, body)
  if status ~= 200 then not200 = not200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("not200") end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"not200":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%.1f,"p99_us":%.1f,"bytes":%d}\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), summary.bytes))
end
"""


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    first = (done.stdout + done.stderr).strip().splitlines()[:1]
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def _wrk_duration(seconds: float) -> str:
    return f"{max(1, round(seconds))}s"  # wrk takes whole seconds


def wrk_run(wrk: str, script: Path, url: str, token: str, concurrency: int, seconds: float) -> dict:
    """One wrk run at `concurrency` connections for `seconds`; token "" sends no Authorization header."""
    argv = [
        wrk,
        "-t",
        "1",
        "-c",
        str(concurrency),
        "-d",
        _wrk_duration(seconds),
        "--timeout",
        "10s",
        *(["-H", f"Authorization: Bearer {token}"] if token else []),
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    match = re.search(r"^WRK_RESULT (.*)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return json.loads(match.group(1))


def wrk_level(wrk: str, script: Path, url: str, token: str, concurrency: int, args, meter: CpuMeter, label: str) -> Run:
    if args.warmup > 0:
        wrk_run(wrk, script, url, token, concurrency, args.warmup)  # warm-up, thrown away
    meter.start()
    r = wrk_run(wrk, script, url, token, concurrency, args.seconds)
    cpu = meter.stop()
    errors = {k: r[k] for k in ("connect", "read", "write", "timeout") if r[k]}
    if r["not200"]:
        errors["not 200"] = r["not200"]
    # Requests that were not 200 are among "requests"; only 200s count as throughput.
    ok = r["requests"] - r["not200"]
    return Run(
        "gateway", concurrency, label, r["duration_us"] / 1e6, ok, errors, r["p50_us"] / 1000, r["p99_us"] / 1000, cpu
    )


async def httpx_runs(url: str, token: str, levels, args, meter: CpuMeter) -> list[Run]:
    runs = []
    for n in levels:
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:

            async def call():
                response = await client.get(url)
                return None if response.status_code == 200 else f"HTTP {response.status_code}"

            runs.append(
                await measure_async(
                    "gateway", f"httpx {httpx.__version__} (asyncio)", call, _http_error, n, args, meter
                )
            )
    return runs


# -- the echo server --------------------------------------------------------------------------------


class EchoServer:
    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.address = ""

    def start(self) -> None:
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "bench.echo_server", "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()  # "listening on 127.0.0.1:<port>", or EOF if it died
        match = re.search(r"listening on (\S+)", line)
        if match is None:
            self.stop()
            raise RuntimeError(f"echo server did not start; see {self.log_path}")
        self.address = match.group(1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        with contextlib.suppress(AttributeError):
            self.log.close()


# -- report -----------------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "-"


def _cpu(run: Run) -> str:
    return " ".join(f"{name} {pct:.0f}" for name, pct in run.cpu.items())


def report(runs: list[Run], levels) -> str:
    lines = []
    by = {(r.target, r.concurrency): r for r in runs}
    head = (
        f"{'target':<8} {'conc':>4} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ok':>8} {'errors':>6}  cpu % of one core"
    )
    lines += [head, "-" * len(head)]
    for n in levels:
        for target in ("gateway", "direct", "echo"):
            r = by.get((target, n))
            if r is None:
                continue
            lines.append(
                f"{target:<8} {n:>4} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.ok:>8} "
                f"{r.error_count:>6}  {_cpu(r)}"
            )
        lines.append("")
    lines.append("throughput ratios (1.000 = no overhead over the second)")
    head = f"{'conc':>4} {'gateway/direct':>15} {'direct/echo':>12} {'gateway/echo':>13}"
    lines += [head, "-" * len(head)]
    for n in levels:
        g, d, e = (by.get((t, n)) for t in ("gateway", "direct", "echo"))
        if g and d and e:
            lines.append(f"{n:>4} {_ratio(g.rps, d.rps):>15} {_ratio(d.rps, e.rps):>12} {_ratio(g.rps, e.rps):>13}")
    errors = [(r.target, r.concurrency, r.errors) for r in runs if r.errors]
    lines.append("")
    if errors:
        lines.append("ERRORS (every answer must be 200 / OK):")
        lines += [f"  {t} at {n}: {e}" for t, n, e in errors]
    else:
        lines.append("errors: none (every answer was 200 / OK)")
    return "\n".join(lines)


def ratios(runs: list[Run], levels) -> list[dict]:
    by = {(r.target, r.concurrency): r for r in runs}
    out = []
    for n in levels:
        g, d, e = (by.get((t, n)) for t in ("gateway", "direct", "echo"))
        if g and d and e:
            out.append(
                {
                    "concurrency": n,
                    "gateway_over_direct": round(g.rps / d.rps, 4) if d.rps else None,
                    "direct_over_echo": round(d.rps / e.rps, 4) if e.rps else None,
                    "gateway_over_echo": round(g.rps / e.rps, 4) if e.rps else None,
                }
            )
    return out


# -- the run ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_auth", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per target and level (5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds before each measurement (1)")
    parser.add_argument(
        "--levels", default=",".join(map(str, DEFAULT_LEVELS)), help="concurrency levels, comma-separated (1,4,16,64)"
    )
    parser.add_argument(
        "--http-client",
        choices=("auto", "wrk", "httpx"),
        default="auto",
        help="HTTP load generator: wrk if installed (auto), or asyncio httpx",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    parser.add_argument("--keep-data", action="store_true", help="keep the region's temp dir (logs) afterwards")
    args = parser.parse_args(argv)
    try:
        args.levels = [int(x) for x in args.levels.split(",") if x.strip()]
    except ValueError:
        parser.error("--levels: comma-separated positive integers")
    if not args.levels or min(args.levels) < 1:
        parser.error("--levels: comma-separated positive integers")
    if args.seconds <= 0 or args.warmup < 0:
        parser.error("--seconds must be > 0 and --warmup >= 0")
    return args


def reproduce_command(args: argparse.Namespace, http_client: str) -> str:
    argv = [
        ".venv/bin/python",
        "-m",
        "bench.gateway_auth",
        "--seconds",
        f"{args.seconds:g}",
        "--warmup",
        f"{args.warmup:g}",
        "--levels",
        ",".join(map(str, args.levels)),
        "--http-client",
        http_client,
    ]
    if args.json:
        argv += ["--json", str(args.json.resolve())]
    return f"cd {shlex.quote(str(ROOT))} && {shlex.join(argv)}"


class Login:
    """An access token from POST /api/v1/auth/login, renewed (a new login) when it would expire
    during the next level: tokens live 10 minutes and long runs (--seconds 60) outlast them."""

    def __init__(self, base_url: str, password: str):
        self.base_url = base_url
        self.password = password
        self.token = ""
        self.expires_at = 0.0
        self.logins = 0

    def token_for(self, seconds_needed: float) -> str:
        if self.expires_at - time.time() < seconds_needed + 30:
            response = httpx.post(
                f"{self.base_url}/api/v1/auth/login", json={"phone": ADMIN_PHONE, "password": self.password}, timeout=30
            )
            if response.status_code != 200:
                raise RuntimeError(f"login through the gateway failed: {response.status_code} {response.text}")
            session = response.json()
            self.token = session["access_token"]
            self.expires_at = datetime.fromisoformat(session["expires_at"]).timestamp()
            self.logins += 1
        return self.token


def _on_sigterm(signum, _frame):
    raise KeyboardInterrupt  # so that the finally blocks stop the stack


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    levels = args.levels
    wrk = shutil.which("wrk")
    if args.http_client == "wrk" and wrk is None:
        raise SystemExit("--http-client wrk: wrk is not installed (apt-get install -y wrk)")
    http_client = "wrk" if args.http_client == "wrk" or (args.http_client == "auto" and wrk) else "httpx"
    signal.signal(signal.SIGTERM, _on_sigterm)

    # The gateway limits logins per client address; one login is needed, but keep it out of the way.
    os.environ["AUTH_RATE_PER_MINUTE"] = "1000000"
    data_dir = Path(tempfile.mkdtemp(prefix="jiceng-bench-"))
    layout = Layout(region=REGION, data_dir=data_dir, port_base=free_port_base())
    stack = Stack(layout, root=ROOT)
    echo = EchoServer(data_dir / "echo-server.log")
    identity_addr = f"127.0.0.1:{layout.service_ports(1)[0]}"
    base_url = f"http://127.0.0.1:{layout.gateway_port}"
    cores = os.cpu_count() or 1
    estimate = len(levels) * 3 * (args.seconds + args.warmup)

    print("Jiceng benchmark: authenticated requests, gateway vs direct gRPC vs bare gRPC echo")
    print(
        f"  machine: {cores} cores ({platform.machine()}), Linux {platform.release()}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} before start"
    )
    print(
        f"  NOTE: the load generator and every server share these {cores} cores, so figures are "
        f"lower bounds of what the servers do on their own hardware; see the cpu columns."
    )
    print(f"  region {REGION!r}, ports from {layout.port_base}, data in {data_dir}")
    print(
        f"  levels {levels}, {args.seconds:g}s measured after {args.warmup:g}s warm-up each "
        f"(~{estimate:.0f}s of load after start-up)",
        flush=True,
    )

    runs: list[Run] = []
    info: dict = {}
    started = time.monotonic()
    try:
        t0 = time.monotonic()
        stack.up()
        password = f"Bench-{secrets.token_urlsafe(12)}-9z"
        stack.run_tool("-m", "services.identity.manage", "create-admin", "--phone", ADMIN_PHONE, "--password", password)
        print(
            f"  stack up in {time.monotonic() - t0:.1f}s: "
            + ", ".join(f"{p.name} pid {stack.pid(p.name)}" for p in stack.processes),
            flush=True,
        )
        echo.start()
        print(f"  echo server on {echo.address} (pid {echo.proc.pid})", flush=True)

        login = Login(base_url, password)
        token = login.token_for(0)
        me = httpx.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if me.status_code != 200:
            raise RuntimeError(f"GET /api/v1/me failed: {me.status_code} {me.text}")
        print(f"  logged in through the gateway as {me.json()['phone_masked']} ({me.json()['id']})")

        server_pids = {name: stack.pid(name) for name in ("gateway", "identity", "mongodb")}
        server_pids = {k: v for k, v in server_pids.items() if v is not None}
        http_label = wrk_version(wrk) + ", 1 thread" if http_client == "wrk" else f"httpx {httpx.__version__}"
        info = {
            "cores": cores,
            "python": sys.version.split()[0],
            "grpcio": grpc.__version__,
            "http_client": http_label,
            "grpc_client": f"grpc.aio {grpc.__version__}, one channel, N tasks",
            "levels": levels,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "echo_payload_bytes": len(PAYLOAD),
        }
        print(
            f"  HTTP load: {http_label}; gRPC load: grpc.aio {grpc.__version__} in this process (one channel, N tasks)"
        )
        print(
            f"  cpu: % of one core used during the measured seconds ({100 * cores}% = all cores busy); "
            f"'client' is the load generator ({http_client} for gateway, grpc.aio otherwise), 'rest' is "
            "everything else on the machine\n",
            flush=True,
        )

        url = f"{base_url}/api/v1/me"
        echo_meter = CpuMeter({"echo": echo.proc.pid})
        stack_meter = CpuMeter(server_pids)
        script = data_dir / "bench.lua"
        script.write_text(WRK_SCRIPT)

        # Level by level, the three targets back to back, so each ratio compares like conditions.
        for n in levels:
            token = login.token_for(3 * (args.seconds + args.warmup + 1))
            metadata = (("authorization", f"Bearer {token}"), ("x-tenant", REGION))
            if http_client == "wrk":
                gateway = wrk_level(wrk, script, url, token, n, args, stack_meter, http_label)
            else:
                gateway = asyncio.run(httpx_runs(url, token, [n], args, stack_meter))[0]
            direct = asyncio.run(
                grpc_runs(
                    "direct",
                    identity_addr,
                    identity_pb2_grpc.IdentityServiceStub,
                    "GetMe",
                    identity_pb2.GetMeRequest(),
                    metadata,
                    [n],
                    args,
                    stack_meter,
                )
            )[0]
            bare = asyncio.run(
                grpc_runs(
                    "echo",
                    echo.address,
                    echo_pb2_grpc.EchoServiceStub,
                    "Echo",
                    echo_pb2.EchoRequest(payload=PAYLOAD),
                    (),
                    [n],
                    args,
                    echo_meter,
                )
            )[0]
            for r in (gateway, direct, bare):
                runs.append(r)
                print(
                    f"  {r.target:<8} {n:>3} in flight: {r.rps:9.1f} req/s  p50 {r.p50_ms:7.2f} ms  "
                    f"p99 {r.p99_ms:7.2f} ms  errors {r.error_count}  cpu% {_cpu(r)}",
                    flush=True,
                )
    finally:
        echo.stop()
        stack.down()
        if args.keep_data:
            print(f"  data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    command = reproduce_command(args, http_client)
    print()
    print(report(runs, levels))
    print()
    print(
        f"HTTP client: {info['http_client']}; gRPC client: {info['grpc_client']}; "
        f"{cores} cores shared by client and servers."
    )
    print(f"total {time.monotonic() - started:.0f}s. Reproduce with:\n  {command}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        results = {
            "info": info,
            "command": command,
            "runs": [r.as_dict() for r in runs],
            "ratios": ratios(runs, levels),
        }
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        print(f"results written to {args.json}")
    return 1 if any(r.errors for r in runs) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted: the bench region was stopped", file=sys.stderr)
        sys.exit(130)
