"""Cursor pagination by _id (ObjectId or string ids, both sort by creation)."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from mongoengine import QuerySet

from kernel.errors import DomainError, ErrorCode

DEFAULT_PAGE = 50
MAX_PAGE = 200


def page(query: QuerySet, page_size: int, cursor: str, id_is_object_id: bool = True) -> tuple[list, str]:
    """One page of query ordered by id, and the cursor of the next page ("" at the end)."""
    size = page_size or DEFAULT_PAGE
    if not 1 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    if cursor:
        try:
            after = ObjectId(cursor) if id_is_object_id else cursor
        except (InvalidId, TypeError):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor") from None
        query = query.filter(id__gt=after)
    rows = list(query.order_by("id").limit(size + 1))
    next_cursor = str(rows[size - 1].id) if len(rows) > size else ""
    return rows[:size], next_cursor
