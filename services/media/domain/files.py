"""What may be uploaded: the allow-list by sniffed content (never by the file's name), the size limit of
each kind, the visibilities, and an org's default storage quota.

The client declares a content type when it asks to upload; the first bytes of what it actually put decide
at finalize (`sniff`). A declared type outside the allow-list is refused at once; bytes of another kind than
declared (a program renamed .jpg) are refused at finalize. Nothing here renders in a browser as active
content: no HTML, no SVG, no scripts.
"""

from __future__ import annotations

from dataclasses import dataclass

import filetype

from kernel.errors import DomainError, ErrorCode

IMAGE, AUDIO, VIDEO, DOCUMENT = "image", "audio", "video", "document"
KINDS = (IMAGE, AUDIO, VIDEO, DOCUMENT)

MiB = 1024 * 1024
GiB = 1024 * MiB

# the largest file of each kind
SIZE_LIMITS = {IMAGE: 20 * MiB, AUDIO: 200 * MiB, VIDEO: 2 * GiB, DOCUMENT: 50 * MiB}

# sniffed MIME type -> kind. Declared types map through ALIASES first (browsers disagree on a few names).
ALLOWED: dict[str, str] = {
    "image/jpeg": IMAGE,
    "image/png": IMAGE,
    "image/gif": IMAGE,
    "image/webp": IMAGE,
    "image/heic": IMAGE,
    "audio/mpeg": AUDIO,
    "audio/mp4": AUDIO,
    "audio/aac": AUDIO,
    "audio/ogg": AUDIO,
    "audio/x-wav": AUDIO,
    "audio/x-flac": AUDIO,
    "audio/amr": AUDIO,
    "video/mp4": VIDEO,
    "video/quicktime": VIDEO,
    "video/x-matroska": VIDEO,
    "video/webm": VIDEO,
    "video/x-m4v": VIDEO,
    "video/3gpp": VIDEO,
    "video/x-flv": VIDEO,
    "application/pdf": DOCUMENT,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCUMENT,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": DOCUMENT,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": DOCUMENT,
}
ALIASES = {
    "image/jpg": "image/jpeg",
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/wav": "audio/x-wav",
    "audio/wave": "audio/x-wav",
    "audio/flac": "audio/x-flac",
    "audio/x-aac": "audio/aac",
    "video/x-flv": "video/x-flv",
    "video/matroska": "video/x-matroska",
}
# Containers that hold either sound or pictures: the sniffed type names the container, the declared kind
# (checked again by ffprobe in the worker) says which.
AUDIO_OR_VIDEO = {"video/mp4": AUDIO, "video/webm": AUDIO, "video/x-matroska": AUDIO, "audio/mp4": VIDEO}

SNIFF_BYTES = 8192  # filetype needs at most this much of the head (Office files: the first zip entries)

PRIVATE, MEMBERS, PUBLIC = "private", "members", "public"
VISIBILITIES = (PRIVATE, MEMBERS, PUBLIC)

DEFAULT_QUOTA = 10 * GiB  # an org's storage until a region admin sets another
MAX_QUOTA = 10 * 1024 * GiB
FILENAME_MAX = 200


@dataclass(frozen=True)
class Declared:
    """An upload as the client describes it, checked."""

    kind: str
    content_type: str
    size: int
    filename: str
    visibility: str


def declare(filename: str, content_type: str, size: int, visibility: str) -> Declared:
    """Check what the client says before any byte moves (INVALID_ARGUMENT naming the field)."""
    filename = (filename or "").strip()
    if not filename or len(filename) > FILENAME_MAX or any(ord(c) < 32 for c in filename) or "/" in filename:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "media_filename_invalid", "filename", max=FILENAME_MAX)
    normal = normalize_type(content_type)
    kind = ALLOWED.get(normal)
    if kind is None:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "media_type_not_allowed", "content_type", type=content_type[:80])
    if size <= 0:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "media_empty", "size")
    check_size(kind, size, "size")
    visibility = visibility or MEMBERS
    if visibility not in VISIBILITIES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "media_visibility_unknown", "visibility")
    return Declared(kind, normal, size, filename, visibility)


def normalize_type(content_type: str) -> str:
    base = (content_type or "").split(";", 1)[0].strip().lower()
    return ALIASES.get(base, base)


def check_size(kind: str, size: int, field: str) -> None:
    limit = SIZE_LIMITS[kind]
    if size > limit:
        raise DomainError(ErrorCode.PAYLOAD_TOO_LARGE, "media_too_large", field, max_mib=limit // MiB)


def sniff(head: bytes) -> str:
    """The MIME type the first bytes show ("" when nothing known)."""
    guess = filetype.guess(head)
    return guess.mime if guess is not None else ""


def verify(declared_kind: str, head: bytes, size: int) -> str:
    """At finalize: the bytes' own type, or FAILED_PRECONDITION when they are not what was declared or
    not allowed at all (the caller deletes them)."""
    if size == 0:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "media_empty", "media_id")
    check_size(declared_kind, size, "media_id")
    sniffed = sniff(head)
    kind = ALLOWED.get(sniffed)
    if kind is None:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "media_content_not_allowed", "media_id")
    if kind != declared_kind and AUDIO_OR_VIDEO.get(sniffed) != declared_kind:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "media_content_mismatch", "media_id", kind=declared_kind)
    return sniffed


def check_quota(used: int, quota: int, size: int) -> None:
    if used + size > quota:
        raise DomainError(
            ErrorCode.FAILED_PRECONDITION, "media_quota_exceeded", "size", quota_mib=quota // MiB, used_mib=used // MiB
        )
