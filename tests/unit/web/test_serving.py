"""gateway/webapp.py: the built web app under /app/ — its own routes answered with the app's page, hashed
assets cached for a year, nothing outside the build reachable, a clear error when it was not built."""

from __future__ import annotations

import asyncio
import gzip
import json

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import GatewayConfig

pytestmark = pytest.mark.unit


def client_for(tmp_path, built: bool = True):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    if built:
        (dist / "index.html").write_text("<!doctype html><title>基层</title>")
        (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
        (dist / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(b"console.log(1)"))
        (dist / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the build")
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": []}))
    app = create_app(GatewayConfig(region="unitregion", jwks_path=tmp_path / "jwks.json", web_dist=dist))

    def get(url: str, **headers) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
                return await http.get(url, headers={"accept-encoding": "identity", **headers})

        return asyncio.run(go())

    return get


def test_the_root_sends_browsers_to_the_app(tmp_path):
    get = client_for(tmp_path)
    assert get("/").status_code == 302 and get("/").headers["location"] == "/app/"
    assert get("/app").headers["location"] == "/app/"


@pytest.mark.parametrize("path", ["/app/", "/app/chat", "/app/chat/65a1b2c3d4e5f60718293a4b", "/app/manage/import"])
def test_every_route_of_the_app_is_its_page_never_cached(tmp_path, path):
    reply = client_for(tmp_path)(path)
    assert reply.status_code == 200
    assert "<title>基层</title>" in reply.text
    assert reply.headers["cache-control"] == "no-cache"
    policy = reply.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_built_assets_are_cached_for_a_year_and_other_files_briefly(tmp_path):
    get = client_for(tmp_path)
    asset = get("/app/assets/index-abc123.js")
    assert asset.status_code == 200 and asset.text == "console.log(1)"
    assert "immutable" in asset.headers["cache-control"]
    assert get("/app/favicon.svg").headers["cache-control"] == "no-cache"


def test_a_compressed_build_file_goes_to_browsers_that_accept_gzip(tmp_path):
    get = client_for(tmp_path)
    packed = get("/app/assets/index-abc123.js", **{"accept-encoding": "gzip, br"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.text == "console.log(1)"  # httpx unpacks it
    assert packed.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert packed.headers["vary"] == "Accept-Encoding"
    plain = get("/app/assets/index-abc123.js")
    assert "content-encoding" not in plain.headers and plain.text == "console.log(1)"
    assert get("/app/assets/index-abc123.js.gz").status_code == 404  # not a file of its own


def test_an_asset_of_an_older_build_is_not_found_not_the_page(tmp_path):
    reply = client_for(tmp_path)("/app/assets/index-old999.js")
    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/app/../secret.txt", "/app/%2e%2e/secret.txt", "/app/..%2fsecret.txt"])
def test_nothing_outside_the_build_is_served(tmp_path, path):
    reply = client_for(tmp_path)(path)
    assert "outside the build" not in reply.text


def test_an_unbuilt_app_is_a_clear_json_error(tmp_path):
    reply = client_for(tmp_path, built=False)("/app/", **{"accept-language": "zh-CN"})
    assert reply.status_code == 503
    error = reply.json()["error"]
    assert error["code"] == "unavailable" and "make web" in error["message"]
