"""Spreadsheets handed to people (.xlsx exports): every cell is text, and none can be read as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence


def safe_cell(value: str) -> str:
    """Keep a cell from being read as a formula by a spreadsheet (CSV/Excel injection): a leading quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_xlsx(sheets: dict[str, tuple[Sequence[str], Iterable[Sequence[str]]]]) -> bytes:
    """A workbook of one worksheet per title: (header, rows), every cell safe text."""
    from openpyxl import Workbook  # imported here: only exports pay for it

    book = Workbook(write_only=True)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet's name
        sheet.append([safe_cell(h) for h in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
