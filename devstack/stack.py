"""Start, stop and inspect a local region: real servers (RabbitMQ, SecantusDB, localbucket) and the
platform's processes, each detached with a pid file and a log file under the region's data directory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from devstack import live_edge
from devstack.layout import Layout

PYTHON = sys.executable
RABBIT_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
RABBIT_CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"  # not /usr/sbin/rabbitmqctl: that one switches user and HOME
REDIS_SERVER = "/usr/bin/redis-server"
TURN_SERVER = "/usr/bin/turnserver"  # Debian coturn


@dataclass
class Process:
    name: str
    argv: list[str]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout: float = 60.0
    stop: Callable[[], None] | None = None  # a graceful stop of its own, before SIGTERM
    prepare: Callable[[], None] | None = None  # before each start (e.g. write its generated config)


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:  # noqa: S310 - loopback only
            return response.status == 200
    except OSError:
        return False


def _mongo_ready(port: int) -> bool:
    import pymongo

    try:
        with pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=500) as client:
            client.admin.command("ping")
        return True
    except pymongo.errors.PyMongoError:
        return False


def _redis_ready(port: int) -> bool:
    import redis

    try:
        with redis.Redis(port=port, socket_timeout=0.5, socket_connect_timeout=0.5) as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _grpc_serving(port: int) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=0.5)
            return reply.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False


def _queues_consumed(amqp_uri: str, queues: list[str]) -> bool:
    """A worker is ready once each of its queues exists and has a consumer."""
    import kombu
    from amqp.exceptions import NotFound

    try:
        with kombu.Connection(amqp_uri, connect_timeout=1) as conn:
            for queue in queues:
                channel = conn.channel()
                try:
                    _, _, consumers = channel.queue_declare(queue, passive=True)
                finally:
                    channel.close()
                if consumers < 1:
                    return False
        return True
    except (OSError, NotFound, kombu.exceptions.OperationalError):
        return False
    except Exception:  # noqa: BLE001 - any broker-side refusal means "not ready yet"
        return False


def _stun_answers(port: int) -> bool:
    """A STUN binding request over UDP gets a binding success response (RFC 5389)."""
    txid = os.urandom(12)
    request = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + txid
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        try:
            s.sendto(request, ("127.0.0.1", port))
            reply, _ = s.recvfrom(2048)
        except OSError:
            return False
    return reply[:2] == b"\x01\x01" and reply[8:20] == txid


def _search_index_ready(root: Path) -> bool:
    from services.content.search_index import version_dir  # its schema version names the directory

    return (version_dir(root) / "meta.json").exists()


class Stack:
    """A region's processes. only: the names of the processes this stack runs (all when None) — a smaller
    region for tests that need just a few services (federation's); its gateway is told which services run
    (GATEWAY_SERVICES), so /readyz waits for those."""

    def __init__(
        self, layout: Layout, root: Path, extra_env: dict[str, str] | None = None, only: list[str] | None = None
    ):
        self.layout = layout
        self.root = root
        layout.federation_public_key()  # the region's federation key and (empty) peers file exist
        self.env = {**os.environ, **layout.env(), "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        self.only = only
        self.processes = [p for p in self._processes() if only is None or p.name in only]
        self._children: dict[str, subprocess.Popen] = {}  # started by this object: reaped on stop

    # -- what runs --------------------------------------------------------------------------------
    def _processes(self) -> list[Process]:
        lay = self.layout
        identity_grpc, identity_metrics, identity_worker_metrics = lay.service_ports(1)
        orgs_grpc, orgs_metrics, orgs_worker_metrics = lay.service_ports(2)
        content_grpc, content_metrics, content_worker_metrics = lay.service_ports(3)
        media_grpc, media_metrics, media_worker_metrics = lay.service_ports(4)
        sms_grpc, sms_metrics, sms_worker_metrics = lay.service_ports(5)
        geo_grpc, geo_metrics, geo_worker_metrics = lay.service_ports(6)
        rabbit_dir = lay.data_dir / "rabbitmq"
        amqp_uri = self.env["AMQP_URI"]
        return [
            Process(
                "mongodb",
                [
                    PYTHON,
                    "-m",
                    "secantus",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(lay.mongo_port),
                    "--storage-path",
                    str(lay.data_dir / "mongodb"),
                    "--log-level",
                    "WARNING",
                ],
                ready=lambda: _mongo_ready(lay.mongo_port),
            ),
            Process(
                "rabbitmq",
                [RABBIT_SERVER],
                ready=lambda: _tcp_open(lay.amqp_port) and self._rabbit_ctl("await_startup", timeout=30) == 0,
                env={
                    "HOME": str(rabbit_dir),
                    "RABBITMQ_NODENAME": lay.rabbit_node,
                    "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                    "RABBITMQ_NODE_PORT": str(lay.amqp_port),
                    "RABBITMQ_DIST_PORT": str(lay.rabbit_dist_port),
                    "RABBITMQ_MNESIA_BASE": str(rabbit_dir / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(rabbit_dir / "log"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(rabbit_dir / "enabled_plugins"),
                    "RABBITMQ_CONFIG_FILE": str(rabbit_dir / "rabbitmq"),
                },
                ready_timeout=90,
                stop=lambda: self._rabbit_ctl("stop", timeout=30),
            ),
            Process(
                "s3",
                [
                    PYTHON,
                    "-m",
                    "localbucket",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(lay.s3_port),
                    str(lay.data_dir / "s3"),
                ],
                ready=lambda: _tcp_open(lay.s3_port),
            ),
            Process(  # a cache, never the record: no snapshots, volatile keys evicted when full
                "redis",
                [
                    REDIS_SERVER,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(lay.redis_port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(lay.data_dir / "redis"),
                    "--maxmemory",
                    "512mb",
                    "--maxmemory-policy",
                    "volatile-lru",
                    "--loglevel",
                    "warning",
                ],
                ready=lambda: _redis_ready(lay.redis_port),
            ),
            self._coturn(),
            self._smsc(),  # the carrier: up before anything that sends SMS
            Process(  # before orgs: it declares the queues orgs' messages to peer regions land in
                "federation-relay",
                [PYTHON, "-m", "gateway.federation.relay"],
                ready=lambda: _http_ok(f"http://127.0.0.1:{lay.relay_metrics_port}/metrics"),
                env={"METRICS_PORT": str(lay.relay_metrics_port)},
            ),
            Process(
                "identity",
                [PYTHON, "-m", "services.identity.server"],
                ready=lambda: _grpc_serving(identity_grpc),
                env={"GRPC_PORT": str(identity_grpc), "METRICS_PORT": str(identity_metrics)},
            ),
            Process(
                "identity-worker",
                [PYTHON, "-m", "services.identity.worker"],
                ready=lambda: _queues_consumed(amqp_uri, ["evt-orgs-org_created--identity_org_mirror.org_created"]),
                env={"METRICS_PORT": str(identity_worker_metrics)},
            ),
            Process(
                "orgs",
                [PYTHON, "-m", "services.orgs.server"],
                ready=lambda: _grpc_serving(orgs_grpc),
                env={"GRPC_PORT": str(orgs_grpc), "METRICS_PORT": str(orgs_metrics)},
            ),
            Process(
                "orgs-worker",
                [PYTHON, "-m", "services.orgs.worker"],
                ready=lambda: _queues_consumed(
                    amqp_uri, ["evt-identity-account_registered--orgs_people_mirror.account_registered"]
                ),
                env={"METRICS_PORT": str(orgs_worker_metrics)},
            ),
            Process(  # before content: it creates the index that content's search reads
                "content-search-indexer",
                [PYTHON, "-m", "services.content.search_indexer"],
                ready=lambda: _search_index_ready(lay.search_index_dir),
                env={"METRICS_PORT": str(content_worker_metrics + 1)},
            ),
            Process(
                "content",
                [PYTHON, "-m", "services.content.server"],
                ready=lambda: _grpc_serving(content_grpc),
                env={"GRPC_PORT": str(content_grpc), "METRICS_PORT": str(content_metrics)},
            ),
            Process(
                "content-worker",
                [PYTHON, "-m", "services.content.worker"],
                ready=lambda: _queues_consumed(amqp_uri, ["evt-orgs-followed--content_mirror.followed"]),
                env={"METRICS_PORT": str(content_worker_metrics)},
            ),
            Process(
                "media",
                [PYTHON, "-m", "services.media.server"],
                ready=lambda: _grpc_serving(media_grpc),
                env={"GRPC_PORT": str(media_grpc), "METRICS_PORT": str(media_metrics), **self._turn_env()},
            ),
            Process(  # the live edge: RTMP in, HLS out; asks media's ingest hook about each stream
                "nginx-rtmp",
                live_edge.argv(lay),
                ready=lambda: _tcp_open(lay.rtmp_port) and _http_ok(f"http://127.0.0.1:{lay.live_http_port}/healthz"),
                prepare=lambda: live_edge.prepare(lay, self.env["MEDIA_INGEST_SECRET"]),
            ),
            Process(
                "media-worker",
                [PYTHON, "-m", "services.media.worker"],
                ready=lambda: _queues_consumed(amqp_uri, ["evt-orgs-org_created--media_mirror.org_created"]),
                env={"METRICS_PORT": str(media_worker_metrics)},
            ),
            Process(
                "media-transcoder",
                [PYTHON, "-m", "services.media.worker", "transcoder"],
                ready=lambda: _queues_consumed(amqp_uri, ["evt-media-media_uploaded--media_transcoder.media_uploaded"]),
                env={"METRICS_PORT": str(media_worker_metrics + 1)},
            ),
            Process(
                "sms",
                [PYTHON, "-m", "services.sms.server"],
                ready=lambda: _grpc_serving(sms_grpc),
                env={"GRPC_PORT": str(sms_grpc), "METRICS_PORT": str(sms_metrics)},
            ),
            Process(
                "sms-worker",
                [PYTHON, "-m", "services.sms.worker"],
                ready=lambda: _queues_consumed(
                    amqp_uri, ["evt-identity-phone_registered--sms_mirror.phone_registered"]
                ),
                env={"METRICS_PORT": str(sms_worker_metrics)},
            ),
            Process(  # hands queued messages to the provider (the local SMSC), at its TPS
                "sms-sender",
                [PYTHON, "-m", "services.sms.sender"],
                ready=lambda: _http_ok(f"http://127.0.0.1:{sms_worker_metrics + 1}/metrics"),
                env={"METRICS_PORT": str(sms_worker_metrics + 1)},
            ),
            Process(
                "geo",
                [PYTHON, "-m", "services.geo.server"],
                ready=lambda: _grpc_serving(geo_grpc),
                env={"GRPC_PORT": str(geo_grpc), "METRICS_PORT": str(geo_metrics)},
            ),
            Process(
                "geo-worker",
                [PYTHON, "-m", "services.geo.worker"],
                ready=lambda: _queues_consumed(amqp_uri, ["evt-orgs-org_created--geo_mirror.org_created"]),
                env={"METRICS_PORT": str(geo_worker_metrics)},
            ),
            Process(
                "gateway",
                [PYTHON, "-m", "gateway"],
                ready=lambda: _http_ok(f"http://127.0.0.1:{lay.gateway_port}/readyz"),
                env={"HTTP_PORT": str(lay.gateway_port), "GATEWAY_SERVICES": self._gateway_services()},
            ),
        ]

    def _gateway_services(self) -> str:
        """The services this stack runs, for the gateway's readiness (all of them unless `only` says less)."""
        services = ("identity", "orgs", "content", "media", "sms", "geo")
        return ",".join(s for s in services if self.only is None or s in self.only)

    # -- coturn (STUN/TURN for calls) --------------------------------------------------------------
    def _coturn(self) -> Process:
        """The region's STUN/TURN server with coturn's REST-API auth (TURN_SECRET). Loopback peers are allowed
        because every peer of the local stack is on this machine; production must never allow them (a relay
        to 127.0.0.1 reaches the server's own services)."""
        lay, turn_dir = self.layout, self.layout.data_dir / "coturn"
        return Process(
            "coturn",
            [
                TURN_SERVER,
                "-n",  # no configuration file: everything is here
                "--listening-ip=127.0.0.1",
                f"--listening-port={lay.turn_port}",
                "--relay-ip=127.0.0.1",
                f"--realm={lay.region}",
                "--use-auth-secret",
                f"--static-auth-secret={self.env['TURN_SECRET']}",
                "--no-tls",
                "--no-dtls",
                "--allow-loopback-peers",
                "--no-cli",
                "--log-file=stdout",  # into the region's log directory with the others (coturn.log)
                f"--pidfile={turn_dir / 'turnserver.pid'}",
                f"--userdb={turn_dir / 'turndb'}",  # unused (REST-API auth), but coturn opens one
            ],
            ready=lambda: _tcp_open(lay.turn_port) and _stun_answers(lay.turn_port),
        )

    # -- the local SMSC (the carrier the sms sender talks to) ---------------------------------------
    def _smsc(self) -> Process:
        """devstack/smsc.py on the region's SMS ports, with the credentials the shared env gives the sender."""
        lay, env = self.layout, self.env
        return Process(
            "smsc",
            [
                PYTHON,
                "-m",
                "devstack.smsc",
                f"--smpp-port={lay.smpp_port}",
                f"--http-port={lay.sms_http_port}",
                f"--control-port={lay.smsc_control_port}",
                f"--tps={env['SMS_PROVIDER_TPS']}",
                f"--system-id={env['SMPP_SYSTEM_ID']}",
                f"--password={env['SMPP_PASSWORD']}",
                f"--http-key-id={env['SMS_HTTP_KEY_ID']}",
                f"--http-key-secret={env['SMS_HTTP_KEY_SECRET']}",
            ],
            ready=lambda: _http_ok(f"http://127.0.0.1:{lay.smsc_control_port}/health"),
        )

    def _turn_env(self) -> dict[str, str]:
        at = f"127.0.0.1:{self.layout.turn_port}"
        return {
            "TURN_URLS": f"stun:{at},turn:{at}?transport=udp,turn:{at}?transport=tcp",
            "TURN_TTL_SECONDS": "3600",
        }

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    # -- rabbitmq ---------------------------------------------------------------------------------
    def _rabbit_ctl(self, *args: str, timeout: float = 30) -> int:
        rabbit = self.process("rabbitmq")
        env = {**self.env, **rabbit.env}
        try:
            return subprocess.run(  # noqa: S603 - fixed argv
                [RABBIT_CTL, "-n", self.layout.rabbit_node, *args, "--timeout", str(int(timeout))],
                env=env,
                capture_output=True,
                timeout=timeout + 5,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            return 1

    def _prepare_rabbit(self) -> None:
        if not (Path(RABBIT_SERVER).exists() and Path(RABBIT_CTL).exists()):
            raise SystemExit("RabbitMQ is not installed: run `make deps` (apt-get install rabbitmq-server)")
        rabbit_dir = self.layout.data_dir / "rabbitmq"
        (rabbit_dir / "log").mkdir(parents=True, exist_ok=True)
        (rabbit_dir / "enabled_plugins").write_text("[].\n")
        (rabbit_dir / "rabbitmq.conf").write_text("loopback_users.guest = true\nlog.console = false\n")

    # -- lifecycle --------------------------------------------------------------------------------
    def _pid_file(self, name: str) -> Path:
        return self.layout.run_dir / f"{name}.pid"

    def pid(self, name: str) -> int | None:
        try:
            pid = int(self._pid_file(name).read_text())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return pid

    def start(self, proc: Process) -> None:
        if self.pid(proc.name) is not None:
            return
        if proc.prepare is not None:
            proc.prepare()
        self.layout.log_dir.mkdir(parents=True, exist_ok=True)
        self.layout.run_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.layout.log_dir / f"{proc.name}.log", "ab")  # noqa: SIM115 - handed to the child
        child = subprocess.Popen(  # noqa: S603 - fixed argv
            proc.argv,
            env={**self.env, **proc.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=self.root,
            start_new_session=True,
        )
        log.close()
        self._children[proc.name] = child
        self._pid_file(proc.name).write_text(str(child.pid))
        deadline = time.monotonic() + proc.ready_timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(
                    f"{proc.name} exited with {child.returncode}; see {self.layout.log_dir / proc.name}.log"
                )
            if proc.ready():
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"{proc.name} not ready after {proc.ready_timeout}s; see {self.layout.log_dir}/{proc.name}.log"
        )

    def stop(self, proc: Process, timeout: float = 20.0) -> None:
        pid = self.pid(proc.name)
        if pid is None:
            self._pid_file(proc.name).unlink(missing_ok=True)
            return
        if proc.stop is not None:
            proc.stop()
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)
            if not _alive(pid):
                break
        child = self._children.pop(proc.name, None)
        if child is not None:
            child.wait(timeout=5)
        self._pid_file(proc.name).unlink(missing_ok=True)

    def run_tool(self, *argv: str, timeout: float = 180.0) -> str:
        """Run a one-off command (key tool, seed) in the region's environment; returns its output. A tool
        still running after `timeout` seconds is stopped with SIGABRT, which makes Python print every
        thread's stack (PYTHONFAULTHANDLER): the error then says where it hung."""
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [PYTHON, *argv],
            env={**self.env, "PYTHONFAULTHANDLER": "1"},
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            out, err = proc.communicate()
            raise RuntimeError(f"{' '.join(argv)} hung for {timeout:.0f}s; its stacks:\n{out}{err}") from None
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{out}{err}")
        return out

    def up(self, names: list[str] | None = None) -> None:
        self.layout.data_dir.mkdir(parents=True, exist_ok=True)
        (self.layout.data_dir / "redis").mkdir(exist_ok=True)
        if not Path(REDIS_SERVER).exists():
            raise SystemExit("Redis is not installed: run `make deps` (apt-get install redis-server)")
        if not Path(TURN_SERVER).exists():
            raise SystemExit("coturn is not installed: run `make deps` (apt-get install coturn)")
        (self.layout.data_dir / "coturn").mkdir(exist_ok=True)
        self._prepare_rabbit()
        self.run_tool("-m", "services.identity.manage", "init-keys")
        for proc in self.processes:
            if names is None or proc.name in names:
                self.start(proc)

    def down(self) -> None:
        for proc in reversed(self.processes):
            self.stop(proc)

    def status(self) -> list[tuple[str, int | None, bool]]:
        return [(p.name, pid := self.pid(p.name), pid is not None and p.ready()) for p in self.processes]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by us) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False
