"""Cursor pagination: by _id (ObjectId or string ids, both sort by creation), or by a time and _id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bson import ObjectId
from bson.errors import InvalidId
from mongoengine import QuerySet

from kernel.clock import aware
from kernel.errors import DomainError, ErrorCode

DEFAULT_PAGE = 50
MAX_PAGE = 200
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)


def _size(page_size: int) -> int:
    size = page_size or DEFAULT_PAGE
    if not 1 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "page_size_invalid", "page_size")
    return size


def _invalid_cursor() -> DomainError:
    return DomainError(ErrorCode.INVALID_ARGUMENT, "cursor_invalid", "cursor")


def page(
    query: QuerySet,
    page_size: int,
    cursor: str,
    id_is_object_id: bool = True,
    keep: Callable[[object], bool] | None = None,
) -> tuple[list, str]:
    """One page of query ordered by id, and the cursor of the next page ("" at the end).

    keep filters rows in Python (a field no index of the query holds alongside the _id range): more
    rows are read until the page is full, so a page is short only at the end."""
    size = _size(page_size)
    after = None
    if cursor:
        try:
            after = ObjectId(cursor) if id_is_object_id else cursor
        except (InvalidId, TypeError):
            raise _invalid_cursor() from None
    kept: list = []
    while True:
        batch = list((query.filter(id__gt=after) if after else query).order_by("id").limit(size + 1))
        kept += [r for r in batch if keep is None or keep(r)]
        if len(kept) > size or len(batch) <= size:
            break
        after = batch[-1].id  # a batch mostly filtered out: read on after it
    next_cursor = str(kept[size - 1].id) if len(kept) > size else ""
    return kept[:size], next_cursor


def page_of(rows: list, page_size: int, cursor: str) -> tuple[list, str]:
    """One page of rows already read (few, ObjectId ids), ordered by id: the same cursors as page()."""
    size = _size(page_size)
    rows = sorted(rows, key=lambda r: r.id)
    if cursor:
        try:
            after = ObjectId(cursor)
        except (InvalidId, TypeError):
            raise _invalid_cursor() from None
        rows = [r for r in rows if r.id > after]
    next_cursor = str(rows[size - 1].id) if len(rows) > size else ""
    return rows[:size], next_cursor


def time_cursor(moment: dt.datetime, row_id: ObjectId) -> str:
    """The cursor after a row of a time-ordered page: its time in milliseconds (what BSON keeps) and id."""
    return f"{(aware(moment) - _EPOCH) // _MS}.{row_id}"


def _parse_time_cursor(cursor: str) -> tuple[dt.datetime, ObjectId]:
    ms, _, row_id = cursor.partition(".")
    if not (ms.isascii() and ms.isdigit() and len(ms) <= 15):
        raise _invalid_cursor()
    try:
        return _EPOCH + int(ms) * _MS, ObjectId(row_id)
    except (InvalidId, TypeError):
        raise _invalid_cursor() from None


# Rows sharing the cursor's time are read again and dropped in Python; this much room covers the usual ties.
_TIE_ROOM = 8


def page_by_time(
    query: QuerySet, field: str, page_size: int, cursor: str, after: dt.datetime | None = None
) -> tuple[list, str]:
    """One page of query ordered by (field, id), optionally only rows with field > after.

    For listings that filter a range on a time field: SecantusDB plans no index for two range predicates,
    so the query holds one range (field >= the cursor's time) and the rows at that very time up to the
    cursor's id are dropped in Python, never a range on _id."""
    size = _size(page_size)
    last = _parse_time_cursor(cursor) if cursor else None
    if last is not None and (after is None or last[0] > after):
        query = query.filter(**{f"{field}__gte": last[0]})
    elif after is not None:
        query = query.filter(**{f"{field}__gt": after})

    def later(row) -> bool:
        return last is None or (aware(getattr(row, field)), row.id) > last

    batch = size + 1 + (_TIE_ROOM if last else 0)
    while True:
        raw = list(query.order_by(field, "id").limit(batch))
        rows = [r for r in raw if later(r)]
        if len(rows) > size or len(raw) < batch:
            break
        batch *= 2  # rows at the cursor's own time filled the batch: read further
    next_cursor = time_cursor(getattr(rows[size - 1], field), rows[size - 1].id) if len(rows) > size else ""
    return rows[:size], next_cursor
