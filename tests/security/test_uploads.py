"""Upload type confusion: bytes that are not what the upload declared are refused at finalize (media sniffs
them), nothing is stored under a type a browser would run, and the files served say what they are."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.corner import wait_until
from tests.security.surface import json_error
from tests.security.world import PNG, build

pytestmark = pytest.mark.security

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"payload"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program cannot be run in DOS mode"
GIFAR = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + b"<script>alert(1)</script>"  # a GIF header, then script


@pytest.fixture(scope="module")
def world(stack, gateway_url, identity_events, tmp_path_factory):
    w = build(stack, gateway_url, identity_events, tmp_path_factory.mktemp("security-uploads"), False, ("vic",))
    yield w
    w.http.close()


def _upload(w, data: bytes, declared: str, filename: str = "photo.png") -> tuple[dict, httpx.Response]:
    body = {"org_id": w.orgs["V"], "filename": filename, "content_type": declared, "size": len(data)}
    authorized = w.ok("vic", "POST", "/media/uploads", body, 201)
    put = httpx.put(authorized["put_url"], content=data, headers={"Content-Type": declared}, timeout=30)
    assert put.status_code == 200, put.text
    return authorized["media"], w.call("vic", "POST", f"/media/{authorized['media']['id']}/finalize")


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (HTML, "image/png"),
        (SVG, "image/png"),
        (ELF, "image/png"),
        (EXE, "application/pdf"),
        (HTML, "application/pdf"),
    ],
    ids=["html-as-png", "svg-as-png", "elf-as-png", "exe-as-pdf", "html-as-pdf"],
)
def test_finalize_refuses_bytes_that_are_not_what_was_declared(world, data, declared):
    media, reply = _upload(world, data, declared)
    assert reply.status_code in (400, 409), reply.text
    assert json_error(reply)["field"] == "media_id"
    item = world.call("vic", "GET", f"/media/{media['id']}")
    assert item.status_code == 404 or item.json()["status"] == "failed", item.text
    assert not (item.status_code == 200 and item.json().get("url")), "refused bytes are never served"


@pytest.mark.parametrize(
    "declared", ["text/html", "image/svg+xml", "application/javascript", "application/x-msdownload"]
)
def test_types_a_browser_would_run_are_not_accepted_at_all(world, declared):
    body = {"org_id": world.orgs["V"], "filename": "x", "content_type": declared, "size": 10}
    reply = world.call("vic", "POST", "/media/uploads", body)
    assert reply.status_code == 400 and json_error(reply)["field"] == "content_type", reply.text


def _settled(world, media_id: str) -> dict:
    return wait_until(
        lambda: (item := world.ok("vic", "GET", f"/media/{media_id}"))["status"] != "processing" and item,
        60,
        "media to finish processing",
    )


def test_a_polyglot_is_kept_under_its_sniffed_type_and_a_broken_image_fails(world):
    """A GIF with script after its header, declared PNG: an image, kept and served as the GIF it is (the
    declared type is never trusted); a truncated PNG: refused by the worker, nothing served."""
    media, reply = _upload(world, GIFAR, "image/png")
    assert reply.status_code == 200 and reply.json()["content_type"] == "image/gif", reply.text
    item = _settled(world, media["id"])
    if item["status"] == "ready":
        assert httpx.get(item["url"], timeout=30).headers["content-type"] == "image/gif"
    media, reply = _upload(world, PNG[:16], "image/png")
    assert reply.status_code in (200, 409), reply.text
    item = _settled(world, media["id"])
    assert item["status"] == "failed" and not item["url"], item


def test_what_is_served_is_what_was_sniffed(world):
    """The store answers with the sniffed type (not what the uploader's PUT claimed), and documents as
    attachments: nothing an upload holds is rendered as a page of the store's origin."""
    media, reply = _upload(world, PNG, "image/png")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/json"
    assert reply.headers["x-content-type-options"] == "nosniff"
    item = _settled(world, media["id"])
    served = httpx.get(item["url"], timeout=30)
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert "attachment" not in served.headers.get("content-disposition", "")

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    media, reply = _upload(world, pdf, "application/pdf", "通知<script>.pdf")
    assert reply.status_code == 200, reply.text
    item = _settled(world, media["id"])
    served = httpx.get(item["url"], timeout=30)
    assert served.status_code == 200 and served.content == pdf
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;"), served.headers
    assert "<script>" not in served.headers["content-disposition"]
