"""The live edge's wiring without a region: nginx accepts the generated config (nginx -t), a region made before
live broadcasts gets its ingest secret, and media's ingest hook answers only under its secret."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from devstack import live_edge
from devstack.layout import Layout
from services.media import ingest
from services.media.settings import LiveSettings

pytestmark = pytest.mark.unit

NGINX_MISSING = not (Path(live_edge.NGINX).exists() and Path(live_edge.RTMP_MODULE).exists())


@pytest.mark.skipif(NGINX_MISSING, reason="nginx with libnginx-mod-rtmp is not installed (make deps)")
def test_nginx_accepts_the_generated_config(tmp_path):
    layout = Layout("edge", tmp_path, 20100)
    live_edge.prepare(layout, "s" * 32)
    config = live_edge.config_path(layout).read_text()
    assert "s" * 32 in config and f"listen 127.0.0.1:{layout.rtmp_port}" in config
    assert f"listen 127.0.0.1:{layout.live_http_port}" in config and f":{layout.ingest_hook_port}/rtmp/" in config
    assert "/var/" not in config  # everything nginx writes is under the data directory
    done = subprocess.run([*live_edge.argv(layout), "-t"], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr


def test_the_ports_of_the_live_edge_are_the_region_blocks_6_7_8():
    layout = Layout("edge", Path("/nonexistent"), 20100)
    assert (layout.rtmp_port, layout.live_http_port, layout.ingest_hook_port) == (20106, 20107, 20108)


def test_a_region_made_before_live_broadcasts_gets_its_ingest_secret_once(tmp_path):
    (tmp_path / "secrets.env").write_text("PII_KEY=a\nOTP_PEPPER=b\n")
    layout = Layout("edge", tmp_path, 20100)
    first = layout.secrets()
    assert first["PII_KEY"] == "a" and len(first["MEDIA_INGEST_SECRET"]) >= 32
    assert layout.secrets() == first  # kept, not made again
    env = layout.env()
    assert env["MEDIA_INGEST_SECRET"] == first["MEDIA_INGEST_SECRET"]
    assert env["MEDIA_INGEST_HOOK_PORT"] == "20108" and env["MEDIA_INGEST_URL"] == "rtmp://127.0.0.1:20106"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_ingest_hook_answers_only_under_its_secret(tmp_path):
    secret = "k" * 24
    port = _free_port()
    settings = LiveSettings(media_ingest_hook_port=port, media_ingest_secret=secret, media_recordings_dir=str(tmp_path))
    server = ingest.serve("edge", settings)
    try:
        base = f"http://127.0.0.1:{port}/rtmp"
        form = {"app": "tvhls", "name": "0" * 24, "call": "record_done", "path": "/etc/passwd.flv"}
        assert httpx.post(f"{base}/{'x' * 24}/record_done", data=form).status_code == 404  # wrong secret
        assert httpx.post(f"{base}/{secret[:-1]}/record_done", data=form).status_code == 404
        assert httpx.get(f"{base}/{secret}/record_done").status_code == 404
        assert httpx.post(f"{base}/{secret}/nonsense", data=form).status_code == 404
        # a path outside the recordings directory is acknowledged and never read
        assert httpx.post(f"{base}/{secret}/record_done", data=form).status_code == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_hook_port_without_a_long_secret_fails_at_start():
    with pytest.raises(ValueError, match="MEDIA_INGEST_SECRET"):
        LiveSettings(media_ingest_hook_port=1935, media_ingest_secret="short")
    assert ingest.serve("edge", LiveSettings()) is None  # no port: live ingest off
