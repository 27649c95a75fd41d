"""What the benchmarks measure besides latency: CPU per server process group, and deltas of the
services' Prometheus metrics (time inside handlers, database commands, cache hits) between two scrapes.

Shared by bench/content_mix.py, bench/chat.py and bench/system.py (RegionUsage: CPU and peak RSS of every
process group of a region).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.gateway_auth import CLK_TCK, _machine_busy_seconds
from bench.openloop import Series

# -- CPU per process (group: RabbitMQ's Erlang VM is a child of its start script) -----------------------


def _group_cpu_seconds(pgid: int) -> float:
    return scan_groups({pgid})[pgid][0]


class GroupCpu:
    """% of one core used between start() and stop() by each server (its process group), this client
    process (`client`) and everything else on the machine (`rest`: other work on a shared box)."""

    def __init__(self, groups: dict[str, int]):
        self.groups = groups

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.busy0 = _machine_busy_seconds()
        self.own0 = time.process_time()
        self.cpu0 = {name: _group_cpu_seconds(g) for name, g in self.groups.items()}

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        used = {"client": time.process_time() - self.own0}
        for name, g in self.groups.items():
            used[name] = _group_cpu_seconds(g) - self.cpu0[name]
        used["rest"] = max(0.0, _machine_busy_seconds() - self.busy0 - sum(used.values()))
        return {name: round(100 * s / wall, 1) for name, s in used.items()}


PAGE = os.sysconf("SC_PAGE_SIZE")


# -- CPU and resident memory of every process group of a region, in one pass over /proc per sample ---------


def scan_groups(pgids: set[int]) -> dict[int, tuple[float, int]]:
    """CPU seconds (user + system) and resident bytes of every process in each group, one pass over /proc."""
    out: dict[int, list] = {g: [0.0, 0] for g in pgids}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        group = out.get(int(fields[2]))
        if group is not None:
            group[0] += (int(fields[11]) + int(fields[12])) / CLK_TCK
            group[1] += int(fields[21]) * PAGE
    return {g: (cpu, rss) for g, (cpu, rss) in out.items()}


def _own_rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class RegionUsage:
    """Between start() and stop(): each process group's CPU (% of one core) and peak RSS (sampled every
    `interval` seconds in a thread), `region` (all of them together: CPU summed, the peak of the summed RSS),
    this process (`client`, the load generator) and the rest of the machine's CPU (`rest`: other work)."""

    def __init__(self, groups: dict[str, int], interval: float = 1.0):
        self.groups, self.interval = groups, interval
        self._stop = threading.Event()

    def _sample(self) -> dict[int, tuple[float, int]]:
        scan = scan_groups(set(self.groups.values()))
        for name, g in self.groups.items():
            self.peak[name] = max(self.peak.get(name, 0), scan[g][1])
        self.peak["region"] = max(self.peak.get("region", 0), sum(scan[g][1] for g in self.groups.values()))
        self.peak["client"] = max(self.peak.get("client", 0), _own_rss())
        return scan

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self.peak: dict[str, int] = {}
        self._stop.clear()
        self.t0, self.busy0, self.own0 = time.perf_counter(), _machine_busy_seconds(), time.process_time()
        self.cpu0 = {g: cpu for g, (cpu, _) in self._sample().items()}
        self._thread = threading.Thread(target=self._run, name="region-usage", daemon=True)
        self._thread.start()

    def stop(self) -> tuple[dict[str, float], dict[str, float]]:
        """CPU % of one core and peak RSS in MiB, by process: the region's in start order, then region,
        client and rest."""
        self._stop.set()
        self._thread.join()
        scan = self._sample()
        wall = time.perf_counter() - self.t0
        used = {name: scan[g][0] - self.cpu0[g] for name, g in self.groups.items()}
        used["region"] = sum(used.values())
        used["client"] = time.process_time() - self.own0
        used["rest"] = max(0.0, _machine_busy_seconds() - self.busy0 - used["region"] - used["client"])
        cpu = {name: round(100 * s / wall, 1) for name, s in used.items()}
        return cpu, {name: round(self.peak[name] / 2**20, 1) for name in [*self.groups, "region", "client"]}


# -- Prometheus histograms: time spent in the gateway and in content's handlers -------------------------

_SAMPLE = re.compile(r"^(\w+)\{(.*)\} ([0-9.eE+-]+)$")  # a route's labels may hold braces: {account_id}


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            text = response.read().decode()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m and m.group(1).endswith(("_sum", "_count", "_total")):
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def metrics_urls(stack) -> dict[str, str]:
    """Each region process that serves Prometheus metrics (METRICS_PORT in its environment): name -> URL."""
    return {
        p.name: f"http://127.0.0.1:{port}/metrics"
        for p in stack.processes
        if (port := p.env.get("METRICS_PORT", "0")) not in ("", "0")
    }


def scrape_all(urls: dict[str, str]) -> dict[str, dict]:
    return {name: scrape(url) for name, url in urls.items()}


def grown_by(before: dict, after: dict, metric: str, *labels: str) -> dict[str, float]:
    """How much each series of a counter grew between two scrapes, by the values of some of its labels
    (joined by a space)."""
    grown: dict[str, float] = {}
    for (name, lbls), value in after.items():
        if name == f"{metric}_total":
            key = " ".join(dict(lbls).get(label, "") for label in labels)
            grown[key] = grown.get(key, 0.0) + value - before.get((name, lbls), 0.0)
    return {k: v for k, v in grown.items() if v}


def mean_ms(before: dict, after: dict, metric: str, **labels: str) -> float | None:
    """Mean of a histogram's observations between two scrapes whose labels include `labels`, in ms."""
    want = set(labels.items())
    total = count = 0.0
    for (name, lbls), value in after.items():
        if want <= lbls and name in (f"{metric}_sum", f"{metric}_count"):
            delta = value - before.get((name, lbls), 0.0)
            if name.endswith("_sum"):
                total += delta
            else:
                count += delta
    return 1000 * total / count if count else None


def counter_delta(before: dict, after: dict, metric: str, **labels: str) -> float:
    """How much a counter (summed over its series whose labels include `labels`) grew between two scrapes."""
    want = set(labels.items())
    return sum(
        value - before.get((name, lbls), 0.0)
        for (name, lbls), value in after.items()
        if name == f"{metric}_total" and want <= lbls
    )


def top_commands(before: dict, after: dict, per: int, top: int = 8) -> list[tuple[str, float]]:
    """The `top` most frequent (database command, collection) between two scrapes, per one of `per`."""
    grown: Counter = Counter()
    for (metric, lbls), value in after.items():
        if metric == "jiceng_db_commands_total":
            labels = dict(lbls)
            grown[f"{labels.get('command')} {labels.get('target')}"] += value - before.get((metric, lbls), 0.0)
    return [(k, round(v / max(1, per), 2)) for k, v in grown.most_common(top) if v > 0]


def pct(values: list[float], p: float) -> float:
    return Series(latencies=list(values)).percentile(p)


def disk_usage(path: Path) -> str:
    out = subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True, check=False).stdout  # noqa: S603,S607
    return out.split()[0] if out else "?"
