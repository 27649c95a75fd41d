"""Where a local region lives: its data directory and its ports, all derived from one region name."""

from __future__ import annotations

import base64
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

# Port bases of the regions the federation work starts side by side; any other region needs PORT_BASE.
KNOWN_REGIONS = {"tianjin": 8080, "beijing": 8180, "central": 8280}
PORTS_PER_REGION = 100

# The local SMSC simulator's fixed identities (its password and HTTP key secret are per-region secrets).
SMSC_SYSTEM_ID = "jiceng"
SMSC_HTTP_KEY_ID = "jiceng"
SMSC_SOURCE_ADDR = "1069000"  # the region's number handsets see and reply to
SMSC_TPS = 100  # the simulator's limit; the sender's token bucket (SMS_PROVIDER_TPS) matches it


@dataclass(frozen=True)
class Layout:
    region: str
    data_dir: Path
    port_base: int

    @classmethod
    def from_env(cls, root: Path) -> Layout:
        """REGION (default tianjin) picks the data directory and, for known regions, the ports."""
        region = os.environ.get("REGION", "tianjin")
        base = os.environ.get("PORT_BASE")
        if base is None:
            if region not in KNOWN_REGIONS:
                raise SystemExit(f"region {region!r} has no default ports: set PORT_BASE too (e.g. 8380)")
            base = KNOWN_REGIONS[region]
        data = Path(os.environ.get("JICENG_DATA", root / ".jiceng" / region))
        return cls(region, data.resolve(), int(base))

    # -- ports ------------------------------------------------------------------------------------
    @property
    def gateway_port(self) -> int:
        return self.port_base

    @property
    def mongo_port(self) -> int:
        return self.port_base + 1

    @property
    def amqp_port(self) -> int:
        return self.port_base + 2

    @property
    def rabbit_dist_port(self) -> int:
        return self.port_base + 3

    @property
    def s3_port(self) -> int:
        return self.port_base + 4

    @property
    def redis_port(self) -> int:
        return self.port_base + 5

    @property
    def rtmp_port(self) -> int:
        """nginx-rtmp: broadcasters publish here (media's live broadcasts)."""
        return self.port_base + 6

    @property
    def live_http_port(self) -> int:
        """nginx-rtmp's HTTP side: live HLS for players."""
        return self.port_base + 7

    @property
    def ingest_hook_port(self) -> int:
        """media's ingest hook: nginx-rtmp's callbacks (loopback)."""
        return self.port_base + 8

    @property
    def turn_port(self) -> int:
        """coturn (STUN/TURN for calls), UDP and TCP."""
        return self.port_base + 9

    @property
    def smpp_port(self) -> int:
        """the local SMSC simulator (devstack/smsc.py): SMPP 3.4, what the sms sender binds to."""
        return self.port_base + 90

    @property
    def sms_http_port(self) -> int:
        """the local SMSC simulator's cloud-style HTTP SMS API (the http provider's peer)."""
        return self.port_base + 91

    @property
    def smsc_control_port(self) -> int:
        """the local SMSC simulator's control API: handsets' messages and replies, up/down, config, stats."""
        return self.port_base + 92

    @property
    def relay_metrics_port(self) -> int:
        """the federation relay's Prometheus endpoint (it has no other port)."""
        return self.port_base + 93

    @property
    def gateway_metrics_port(self) -> int:
        return self.port_base  # the gateway serves /metrics itself

    def service_ports(self, slot: int) -> tuple[int, int, int]:
        """(gRPC, server metrics, worker metrics) of the service in slot 1, 2, …
        (identity 1, orgs 2, content 3, media 4, sms 5, geo 6)."""
        base = self.port_base + 10 * slot
        return base, base + 1, base + 2

    # -- files ------------------------------------------------------------------------------------
    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def federation_key_path(self) -> Path:
        """The region's Ed25519 key that signs its requests to peer regions (kernel/federation.py)."""
        return self.keys_dir / "federation.pem"

    @property
    def federation_peers_path(self) -> Path:
        """The peer regions this one trusts (written by `devstack federation`; no peers until then)."""
        return self.data_dir / "federation-peers.json"

    def federation_public_key(self) -> str:
        """The region's federation public key (base64), made with the key on first use."""
        from kernel import federation

        path = self.federation_key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(federation.generate_key())
        if not self.federation_peers_path.exists():
            self.federation_peers_path.write_text('{"peers": []}\n')
        return federation.public_key_b64(federation.load_key(path))

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    @property
    def search_index_dir(self) -> Path:
        """content's search index: written by content-search-indexer, read by content."""
        return self.data_dir / "search"

    @property
    def live_dir(self) -> Path:
        """nginx-rtmp's files: its generated config, live HLS (hls/) and recordings (recordings/)."""
        return self.data_dir / "live"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def rabbit_node(self) -> str:
        return f"jiceng-{self.region}-{self.port_base}@localhost"

    def secrets(self) -> dict[str, str]:
        """Per-region secrets, generated on first use and kept in the data directory (mode 0600)."""
        path = self.data_dir / "secrets.env"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            values = {
                "PII_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                "OTP_PEPPER": base64.b64encode(secrets.token_bytes(32)).decode(),
            }
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.writelines(f"{k}={v}\n" for k, v in values.items())
        found = dict(line.strip().split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        # secrets added after a region was first started are added to its file
        later = {
            "MEDIA_INGEST_SECRET": lambda: secrets.token_hex(24),
            "TURN_SECRET": lambda: secrets.token_urlsafe(32),  # coturn's static-auth-secret
            "MEDIA_URL_SECRET": lambda: secrets.token_urlsafe(32),  # media's signed playlist addresses
            "SMPP_PASSWORD": lambda: secrets.token_hex(4),  # the local SMSC's bind; SMPP allows 8 characters
            "SMS_HTTP_KEY_SECRET": lambda: secrets.token_urlsafe(32),  # the local SMSC's HTTP API key
        }
        missing = {k: make() for k, make in later.items() if k not in found}
        if missing:
            with open(path, "a") as f:
                f.writelines(f"{k}={v}\n" for k, v in missing.items())
            found |= missing
        return found

    def env(self) -> dict[str, str]:
        """Environment shared by every process of the region."""
        identity_grpc, _, _ = self.service_ports(1)
        orgs_grpc, _, _ = self.service_ports(2)
        content_grpc, _, _ = self.service_ports(3)
        media_grpc, _, _ = self.service_ports(4)
        sms_grpc, _, _ = self.service_ports(5)
        geo_grpc, _, _ = self.service_ports(6)
        return {
            "REGION": self.region,
            "MONGO_URI": f"mongodb://127.0.0.1:{self.mongo_port}/",
            "AMQP_URI": f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/",
            "S3_ENDPOINT": f"127.0.0.1:{self.s3_port}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "KEYS_DIR": str(self.keys_dir),
            "JWKS_PATH": str(self.keys_dir / "jwks.json"),
            "IDENTITY_ADDR": f"127.0.0.1:{identity_grpc}",
            "ORGS_ADDR": f"127.0.0.1:{orgs_grpc}",
            "CONTENT_ADDR": f"127.0.0.1:{content_grpc}",
            "MEDIA_ADDR": f"127.0.0.1:{media_grpc}",
            "SMS_ADDR": f"127.0.0.1:{sms_grpc}",
            "GEO_ADDR": f"127.0.0.1:{geo_grpc}",
            # live broadcasts: where broadcasters publish, where players read HLS, nginx-rtmp's callbacks
            "MEDIA_INGEST_URL": f"rtmp://127.0.0.1:{self.rtmp_port}",
            "MEDIA_LIVE_BASE_URL": f"http://127.0.0.1:{self.live_http_port}",
            "MEDIA_INGEST_HOOK_PORT": str(self.ingest_hook_port),
            "MEDIA_RECORDINGS_DIR": str(self.live_dir / "recordings"),
            "SEARCH_INDEX_DIR": str(self.search_index_dir),
            # webhook apps may call endpoints on this machine (the tests' receivers); never in production
            "CONTENT_WEBHOOK_ALLOW_PRIVATE": "true",
            # sms: the local SMSC simulator (devstack/smsc.py) as the carrier, over SMPP or its HTTP API
            "SMPP_HOST": "127.0.0.1",
            "SMPP_PORT": str(self.smpp_port),
            "SMPP_SYSTEM_ID": SMSC_SYSTEM_ID,
            "SMPP_SOURCE_ADDR": SMSC_SOURCE_ADDR,
            "SMS_HTTP_URL": f"http://127.0.0.1:{self.sms_http_port}",
            "SMS_HTTP_KEY_ID": SMSC_HTTP_KEY_ID,
            "SMSC_CONTROL_URL": f"http://127.0.0.1:{self.smsc_control_port}",
            "SMS_PROVIDER_TPS": str(SMSC_TPS),
            "APP_TOKEN_CACHE_SECONDS": "2",  # a revoked app token stops at once in tests (production: 30)
            # federation: the region's signing key and its allow-list of peers (kernel/federation.py)
            "FEDERATION_KEY_PATH": str(self.federation_key_path),
            "FEDERATION_PEERS_PATH": str(self.federation_peers_path),
            **self.secrets(),
        }


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_base(start: int = 20000, stop: int = 32000) -> int:
    """A base whose whole block of ports is free (for tests that run beside a developer's stack).

    Below Linux's ephemeral range (32768–60999 by default): there, the local end of any outgoing
    connection may take one of the block's ports between this check and the server's bind."""
    rng = secrets.SystemRandom()
    for _ in range(200):
        base = rng.randrange(start, stop - PORTS_PER_REGION, PORTS_PER_REGION)
        if all(port_is_free(base + i) for i in range(PORTS_PER_REGION)):
            return base
    raise RuntimeError("no free block of ports found")
