"""The gRPC servicer of roster import and export: messages ↔ calls of imports.py."""

from __future__ import annotations

from jiceng.orgs.v1 import io_pb2 as pb
from jiceng.orgs.v1 import io_pb2_grpc
from kernel import config as kconfig
from services.orgs import imports
from services.orgs.domain import roster
from services.orgs.settings import OrgsConfig

SERVICE = "jiceng.orgs.v1.ImportService"
_FORMATS = {pb.EXPORT_FORMAT_XLSX: "xlsx", pb.EXPORT_FORMAT_CSV: "csv"}


def report_message(r: imports.Report) -> pb.ImportReport:
    return pb.ImportReport(
        applied=r.applied,
        dry_run=r.dry_run,
        format=r.format,
        encoding=r.encoding,
        org_rows=r.org_rows,
        member_rows=r.member_rows,
        orgs_created=r.orgs_created,
        orgs_unchanged=r.orgs_unchanged,
        members_added=r.members_added,
        members_unchanged=r.members_unchanged,
        accounts_created=r.accounts_created,
        problems=[
            pb.RowProblem(table=p.table, row=p.row, column=p.column, key=p.key, params=p.params)
            for p in r.problems[: roster.MAX_PROBLEMS]
        ],
        problems_total=len(r.problems),
    )


class ImportApi(io_pb2_grpc.ImportServiceServicer):
    def __init__(self, config: OrgsConfig | None = None):
        # Built after the database connection (server.py's on_start), so its indexes can be made here.
        self.importer = imports.Importer(config or kconfig.load(OrgsConfig))
        imports.ensure_indexes()

    def ImportRoster(self, request, context):
        return report_message(self.importer.import_roster(request.org_id, request.content, request.dry_run))

    def ExportRoster(self, request, context):
        content, media, name, orgs, members = self.importer.export_roster(
            request.org_id, _FORMATS.get(request.format, ""), request.table
        )
        return pb.ExportRosterResponse(
            content=content, media_type=media, filename=name, org_rows=orgs, member_rows=members
        )
