"""Roster import and export over HTTP (orgs' ImportService).

POST /api/v1/orgs/{org_id}/import takes the file as the raw body (application/octet-stream) or as the
`file` field of a multipart/form-data form, up to the gateway's upload limit (its own, not the 64 KiB
of JSON bodies: see UPLOAD_PATHS and gateway/middleware.py). Row problems come back with their message
rendered in the reader's language.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from gateway.auth import CallerDep, client_address
from gateway.clients import as_json
from gateway.errors import ErrorOut
from gateway.routes.orgs import Id
from jiceng.orgs.v1 import io_pb2 as pb
from kernel import messages
from kernel.errors import DomainError, ErrorCode

router = APIRouter(prefix="/api/v1", tags=["orgs: import and export"])

UPLOAD_PATHS = (re.compile(r"/api/v1/orgs/[^/]{1,64}/import"),)
_FORMATS = {"xlsx": pb.EXPORT_FORMAT_XLSX, "csv": pb.EXPORT_FORMAT_CSV}


class RowProblemOut(BaseModel):
    table: str
    row: int
    column: str
    code: str
    message: str
    params: dict[str, str] = {}


class ImportReportOut(BaseModel):
    applied: bool
    dry_run: bool
    format: str
    encoding: str
    org_rows: int
    member_rows: int
    orgs_created: int
    orgs_unchanged: int
    members_added: int
    members_unchanged: int
    accounts_created: int
    problems: list[RowProblemOut]
    problems_total: int


class RejectedImportOut(ImportReportOut):
    """A report whose rows had problems: nothing was applied."""

    error: dict[str, str | None]


async def _file(request: Request) -> tuple[bytes, str]:
    """The uploaded bytes and their file name, from a raw body or a multipart form's `file` field."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        name = urllib.parse.unquote(request.headers.get("x-filename", ""))[:200]
        return await request.body(), name
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_required", "file")
    return await upload.read(), (upload.filename or "")[:200]


def report_json(reply: pb.ImportReport, locale: str) -> dict:
    data = as_json(reply)
    data["problems"] = [
        {
            "table": p.table,
            "row": p.row,
            "column": p.column,
            "code": p.key,
            "message": messages.render(p.key, locale, dict(p.params)),
            "params": dict(p.params),
        }
        for p in reply.problems
    ]
    return data


@router.post(
    "/orgs/{org_id}/import",
    response_model=ImportReportOut,
    summary="Import orgs and members from an .xlsx or CSV file (all or nothing)",
    description=(
        "Body: the file (application/octet-stream, name in `X-Filename`) or a multipart form with a `file` "
        "field; at most 10 MiB and 10,000 rows. Headers in Chinese: members 姓名, 手机号, 所在党组织, 党员状态 "
        "(and 身份证号, 状态日期, 职务); orgs 组织编号, 组织名称, 组织类型, 上级组织 (and 组织类别, 地址). "
        "`dry_run=true` checks only. If any row has a problem nothing is imported: the answer is 422 "
        "with every problem by row and column."
    ),
    responses={422: {"model": RejectedImportOut, "description": "Rows with problems; nothing was imported"}},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            }
        }
    },
)
async def import_roster(org_id: Id, request: Request, who: CallerDep, dry_run: bool = False):
    content, filename = await _file(request)
    services = request.app.state.services.on_behalf_of(client_address(request))
    message = pb.ImportRosterRequest(org_id=org_id, content=content, filename=filename, dry_run=dry_run)
    timeout = request.app.state.config.import_timeout_seconds
    reply = await services.call(services.orgs_io.ImportRoster, message, who.token, timeout=timeout)
    locale = messages.negotiate(request.headers.get("accept-language"))
    body = report_json(reply, locale)
    if reply.problems_total and not dry_run:
        error = DomainError(ErrorCode.INVALID_ARGUMENT, "import_rejected", "file", count=reply.problems_total)
        return JSONResponse({**body, **error.to_json(locale)}, status_code=422)
    return body


@router.get(
    "/orgs/{org_id}/export",
    summary="Export the subtree's orgs and members (.xlsx, or one table as CSV)",
    description=(
        "Same headers as the import. Phone and ID-card numbers are not exported (members carry 账号编号); "
        "every export is recorded with who, when and how many rows."
    ),
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "text/csv": {},
            },
            "description": "The file, as an attachment",
        },
        400: {"model": ErrorOut},
    },
    response_class=Response,
)
async def export_roster(
    org_id: Id,
    request: Request,
    who: CallerDep,
    format: Literal["xlsx", "csv"] = "xlsx",  # noqa: A002 - the API's parameter name
    table: Annotated[Literal["members", "orgs", ""], Query()] = "",
):
    services = request.app.state.services.on_behalf_of(client_address(request))
    message = pb.ExportRosterRequest(org_id=org_id, format=_FORMATS[format], table=table)
    timeout = request.app.state.config.import_timeout_seconds
    reply = await services.call(services.orgs_io.ExportRoster, message, who.token, timeout=timeout)
    disposition = f"attachment; filename*=UTF-8''{urllib.parse.quote(reply.filename)}"
    return Response(reply.content, media_type=reply.media_type, headers={"Content-Disposition": disposition})
