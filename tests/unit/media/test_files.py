"""Uploads' rules: what a client may declare, and what the bytes must show at finalize (sniffed, never by
the file's name)."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from kernel.errors import DomainError, ErrorCode
from services.media.domain import files as rules

pytestmark = pytest.mark.unit


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, "JPEG")
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _refused(call) -> DomainError:
    with pytest.raises(DomainError) as err:
        call()
    return err.value


def test_a_declared_type_on_the_allow_list_gives_its_kind():
    assert rules.declare("照片.jpg", "image/jpeg", 10, "").kind == rules.IMAGE
    assert rules.declare("a.JPG", "image/jpg", 10, "").content_type == "image/jpeg"  # browsers' alias
    assert rules.declare("a.mp3", "audio/mp3; charset=binary", 10, "private").kind == rules.AUDIO
    assert rules.declare("a.mp4", "video/mp4", 10, "public").visibility == rules.PUBLIC
    assert rules.declare("a.pdf", "application/pdf", 10, "").visibility == rules.MEMBERS  # the default


@pytest.mark.parametrize("declared", ["text/html", "image/svg+xml", "application/x-msdownload", "", "text/plain"])
def test_active_content_and_unknown_types_are_refused_by_name_of_the_field(declared):
    err = _refused(lambda: rules.declare("x", declared, 10, ""))
    assert (err.code, err.key, err.field) == (ErrorCode.INVALID_ARGUMENT, "media_type_not_allowed", "content_type")


def test_size_is_positive_and_within_the_kinds_limit():
    assert _refused(lambda: rules.declare("a.jpg", "image/jpeg", 0, "")).field == "size"
    err = _refused(lambda: rules.declare("a.jpg", "image/jpeg", rules.SIZE_LIMITS[rules.IMAGE] + 1, ""))
    assert (err.code, err.key, err.params["max_mib"]) == (ErrorCode.PAYLOAD_TOO_LARGE, "media_too_large", 20)
    assert rules.declare("v.mp4", "video/mp4", rules.SIZE_LIMITS[rules.VIDEO], "").size == 2 * rules.GiB


@pytest.mark.parametrize("name", ["", " ", "a/b.jpg", "a\x00.jpg", "x" * 201])
def test_file_names_are_plain(name):
    assert _refused(lambda: rules.declare(name, "image/jpeg", 10, "")).field == "filename"


def test_visibility_is_one_of_three():
    assert _refused(lambda: rules.declare("a.jpg", "image/jpeg", 10, "everyone")).field == "visibility"


def test_the_bytes_decide_at_finalize():
    assert rules.verify(rules.IMAGE, _png(), 100) == "image/png"  # declared jpeg, is png: still an image
    assert rules.verify(rules.IMAGE, _jpeg(), 100) == "image/jpeg"
    assert rules.verify(rules.DOCUMENT, b"%PDF-1.7\n%...", 100) == "application/pdf"
    assert rules.verify(rules.DOCUMENT, _docx(), 100).endswith("wordprocessingml.document")


def test_a_program_renamed_as_a_picture_is_refused():
    err = _refused(lambda: rules.verify(rules.IMAGE, b"MZ\x90\x00\x03" + b"\x00" * 200, 205))
    assert (err.code, err.key) == (ErrorCode.FAILED_PRECONDITION, "media_content_not_allowed")
    err = _refused(lambda: rules.verify(rules.IMAGE, b"<html><script>alert(1)</script>", 40))
    assert err.key == "media_content_not_allowed"


def test_bytes_of_another_kind_than_declared_are_refused():
    err = _refused(lambda: rules.verify(rules.VIDEO, _png(), 100))
    assert (err.key, err.params["kind"]) == ("media_content_mismatch", rules.VIDEO)


def test_an_mp4_holding_only_sound_may_be_declared_audio():
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    assert rules.verify(rules.AUDIO, head, 1000) == "video/mp4"
    assert rules.verify(rules.VIDEO, head, 1000) == "video/mp4"


def test_empty_and_oversized_bytes_are_refused():
    assert _refused(lambda: rules.verify(rules.IMAGE, b"", 0)).key == "media_empty"
    err = _refused(lambda: rules.verify(rules.IMAGE, _png(), rules.SIZE_LIMITS[rules.IMAGE] + 1))
    assert err.code == ErrorCode.PAYLOAD_TOO_LARGE


def test_quota_counts_what_is_used_and_what_comes():
    rules.check_quota(used=90, quota=100, size=10)
    err = _refused(lambda: rules.check_quota(used=91 * rules.MiB, quota=100 * rules.MiB, size=10 * rules.MiB))
    assert (err.key, err.params) == ("media_quota_exceeded", {"quota_mib": 100, "used_mib": 91})
