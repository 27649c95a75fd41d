"""What people type into forums, notices and polls, checked alike: texts, media ids, account and org ids.

Each check raises INVALID_ARGUMENT naming the field at fault, so a client can point at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kernel.errors import DomainError, ErrorCode

MEDIA_IDS_MAX = 9
# A media id as the media service hands it out: letters, digits, '-' and '_' (an ObjectId or a uuid fits).
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Account and org ids are slugs or ObjectIds: the same alphabet, bounded.
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def text(value: str, field: str, limit: int, required: bool = True) -> str:
    """The text stripped of surrounding blanks; empty (when required) or longer than limit is refused."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_text_empty", field)
    if len(value) > limit:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_text_too_long", field, max=limit)
    return value


def media_ids(values: Iterable[str], field: str = "attachment_ids") -> list[str]:
    """At most MEDIA_IDS_MAX well-formed media ids, in the given order, duplicates dropped."""
    ids = list(dict.fromkeys(values))
    if len(ids) > MEDIA_IDS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_media_too_many", field, max=MEDIA_IDS_MAX)
    for media_id in ids:
        if not _MEDIA_ID.match(media_id):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_media_id_invalid", field)
    return ids


def ids(values: Iterable[str], field: str, limit: int) -> list[str]:
    """Distinct well-formed ids (accounts, orgs), at most limit of them."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) > limit:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_too_many", field, max=limit)
    for value in distinct:
        if not _ID.match(value):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_id_invalid", field)
    return distinct


def one_id(value: str, field: str) -> str:
    if not value or not _ID.match(value):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "bulletin_id_invalid", field)
    return value
