"""Roster import and export: a spreadsheet of orgs and members, checked whole, applied all or nothing.

An import reads the file (services/orgs/domain/roster.py), looks up in a few queries what the file
names (orgs by id or slug, people's accounts at identity, their memberships), checks every row, and
only when no row has a problem writes everything in ONE transaction: new orgs with their history and
counters, memberships with their counters, and the events (org_created, membership_added,
role_assigned) the tree and member code paths announce. People without an account get one from
identity first (EnsureAccounts, called on behalf of the importer), and orgs' people mirror learns them
at once (not waiting for identity's account_registered event).

Why one transaction rather than resumable batches: at the row limit (roster.MAX_ROWS) the transaction
stays well under MongoDB's 60 s transaction lifetime at the rate measured here (bench/orgs_import.py),
and all or nothing is then simply true, with no half-imported state to resume or clean up.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import grpc
import mongoengine as me
from bson import ObjectId
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from jiceng.identity.v1 import identity_pb2, identity_pb2_grpc
from kernel import context
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, utcnow
from services.orgs import access, events, tree
from services.orgs.domain import pipeline, roster
from services.orgs.settings import OrgsConfig
from services.orgs.store import Membership, Org, OrgChange, Person

log = logging.getLogger(__name__)

# SecantusDB answers a large $in in time quadratic in its length (2,000 values: ~3 s; 100: ~15 ms).
IN_CHUNK = 100


def _find_in(collection, query: dict, field: str, values: list, projection: dict) -> list[dict]:
    """find(query, field $in values) in chunks of IN_CHUNK values."""
    found: list[dict] = []
    for start in range(0, len(values), IN_CHUNK):
        found += collection.find({**query, field: {"$in": values[start : start + IN_CHUNK]}}, projection)
    return found


class RosterTransfer(TenantDocument):
    """The record of each import (dry runs and rejections too) and each export of personal data."""

    kind = me.StringField(required=True, choices=("import", "export"))
    org_id = me.StringField(required=True)
    actor_id = me.StringField(required=True)
    at = me.DateTimeField(required=True)
    request_id = me.StringField(default="")
    client_ip = me.StringField(default="")
    format = me.StringField(default="")
    dry_run = me.BooleanField(default=False)
    applied = me.BooleanField(default=False)
    org_rows = me.IntField(default=0)
    member_rows = me.IntField(default=0)
    problems = me.IntField(default=0)

    meta = {"collection": "roster_transfers", "indexes": [("tenant", "org_id", "-id")]}


class Report:
    """What an import found and did (the fields of ImportReport)."""

    def __init__(self, book: roster.Workbook, dry_run: bool):
        self.format, self.encoding, self.dry_run = book.format, book.encoding, dry_run
        self.applied = False
        self.org_rows = self.member_rows = 0
        self.orgs_created = self.orgs_unchanged = self.members_added = self.members_unchanged = 0
        self.accounts_created = 0
        self.problems: list[roster.Problem] = []


class Importer:
    """Imports and exports; holds the channel to identity (calls go out on behalf of the caller)."""

    def __init__(self, config: OrgsConfig):
        self.max_bytes = config.import_max_bytes
        self.timeout = config.identity_timeout_seconds
        self._channel = grpc.insecure_channel(
            config.identity_addr, options=[("grpc.max_receive_message_length", config.grpc_max_message_bytes)]
        )
        self.identity = identity_pb2_grpc.IdentityServiceStub(self._channel)

    # -- import -----------------------------------------------------------------------------------

    def import_roster(self, org_id: str, content: bytes, dry_run: bool) -> Report:
        root = tree.get(org_id)
        access.require("member.manage", root)
        if root.dissolved:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "org_dissolved", "org_id")
        if len(content) > self.max_bytes:
            raise DomainError(ErrorCode.PAYLOAD_TOO_LARGE, "import_file_too_large", "file", limit=self.max_bytes)
        started = time.perf_counter()
        book = roster.read(content)
        today = dt.date.today()
        org_rows, problems = roster.parse_orgs(book.table(roster.ORGS)) if book.table(roster.ORGS) else ([], [])
        member_rows: list[roster.MemberRow] = []
        if book.table(roster.MEMBERS):
            member_rows, member_problems = roster.parse_members(book.table(roster.MEMBERS), today)
            problems += member_problems
        if org_rows:
            access.require("org.manage", root)  # the file creates orgs (or names them as existing)
        report = Report(book, dry_run)
        report.org_rows = len(book.table(roster.ORGS).rows) if book.table(roster.ORGS) else 0
        report.member_rows = len(book.table(roster.MEMBERS).rows) if book.table(roster.MEMBERS) else 0
        parsed = time.perf_counter()
        world = self._world(root, org_rows, member_rows)
        plan = roster.plan(org_rows, member_rows, world, problems)
        checked = time.perf_counter()
        report.problems = plan.problems
        report.orgs_created, report.orgs_unchanged = len(plan.new_orgs), plan.orgs_unchanged
        report.members_added, report.members_unchanged = len(plan.new_members), plan.members_unchanged
        report.accounts_created = len({m.phone for m in plan.new_members if not m.account_id})
        if plan.problems or dry_run:
            self._record(root, report)
            return report
        if report.accounts_created:
            self._make_accounts(plan.new_members)
        accounts = time.perf_counter()
        self._apply(root, plan, report)
        ms = {"read_ms": parsed - started, "check_ms": checked - parsed, "accounts_ms": accounts - checked}
        ms["write_ms"] = time.perf_counter() - accounts
        log.info("roster imported", extra={"org_id": root.id, **{k: round(v * 1000) for k, v in ms.items()}})
        return report

    def _world(self, root: Org, org_rows: list[roster.OrgRow], member_rows: list[roster.MemberRow]) -> roster.World:
        """What exists of what the file names: a handful of queries and one call to identity."""
        tenant = root.tenant
        refs = sorted(roster.refs(org_rows, member_rows) | {root.id})
        projection = {"type": 1, "slug": 1, "path": 1, "dissolved": 1, "parent_id": 1}
        collection = Org._get_collection()
        found = _find_in(collection, {"tenant": tenant}, "_id", refs, projection)
        found += _find_in(collection, {"tenant": tenant}, "slug", refs, projection)
        orgs: dict[str, roster.KnownOrg] = {}
        for doc in found:
            known = roster.KnownOrg(
                doc["_id"],
                doc.get("slug") or "",
                doc["type"],
                tuple(doc["path"]),
                bool(doc.get("dissolved")),
                doc.get("parent_id", ""),
            )
            orgs[known.id] = known
            if known.slug:
                orgs.setdefault(known.slug, known)
        phones = sorted({m.phone for m in member_rows if m.phone})
        by_phone = {a.phone: a.account_id for a in self._ensure(phones, {}, False) if a.account_id}
        named = {m.account_id for m in member_rows if m.account_id}
        mirrored = _find_in(
            Person._get_collection(), {"tenant": tenant}, "account_id", sorted(named), {"account_id": 1}
        )
        known_accounts = {p["account_id"] for p in mirrored}
        people = sorted(named | set(by_phone.values()))
        memberships = {
            m["account_id"]: (m["org_id"], m["status"])
            for m in _find_in(
                Membership._get_collection(),
                {"tenant": tenant},
                "account_id",
                people,
                {"account_id": 1, "org_id": 1, "status": 1},
            )
        }
        return roster.World(orgs[root.id], orgs, by_phone, known_accounts, memberships)

    def _ensure(self, phones: list[str], names: dict[str, str], create: bool) -> list:
        if not phones:
            return []
        request = identity_pb2.EnsureAccountsRequest(
            people=[identity_pb2.AccountToEnsure(phone=p, display_name=names.get(p, "")) for p in phones],
            create_missing=create,
        )
        reply = context.call_as_caller(self.identity.EnsureAccounts, request, self.timeout)
        return list(reply.accounts)

    def _make_accounts(self, new_members: list[roster.NewMember]) -> None:
        """Accounts for the people identity doesn't know yet, and their rows in orgs' people mirror."""
        wanted = {m.phone: m.name for m in new_members if m.phone}
        answered = {a.phone: a for a in self._ensure(sorted(wanted), wanted, True)}
        for m in new_members:
            if not m.account_id:
                m.account_id = answered[m.phone].account_id
        # The mirror learns them from account_registered too, later; the import can't wait for it. An
        # unordered insert skips the ones it has already (duplicate key) without a lookup first.
        tenant = context.current().tenant
        missing = [
            {
                "tenant": tenant,
                "account_id": a.account_id,
                "display_name": a.display_name,
                "phone_masked": a.phone_masked,
            }
            for a in answered.values()
        ]
        if missing:
            try:
                Person._get_collection().insert_many(missing, ordered=False)
            except BulkWriteError as err:  # the worker mirrored some meanwhile: theirs are as good
                if any(e.get("code") != 11000 for e in err.details.get("writeErrors", [])):
                    raise

    def _apply(self, root: Org, plan: roster.Plan, report: Report) -> None:
        tenant, who, now = root.tenant, access.actor().account_id, utcnow()
        members_delta, orgs_delta = roster.counter_deltas(plan)
        new_orgs = [
            Org(
                id=o.id,
                tenant=tenant,
                name=o.name,
                type=o.type,
                category=o.category,
                parent_id=o.parent_id,
                path=o.path,
                slug=o.slug,
                address=o.address,
                created_at=now,
                members_by_status=members_delta.get(o.id, {}),
                orgs_by_type=orgs_delta.get(o.id, {}),
            )
            for o in plan.new_orgs
        ]
        created_ids = {o.id for o in new_orgs}
        today = dt.date.today().isoformat()
        # Stored form (dicts), not mongoengine documents: a document per row cost the importing process
        # ~0.5 s of CPU per 2,000 rows (bench/orgs_import.py); UnitOfWork.insert_rows checks the first.
        memberships = [
            {
                "_id": ObjectId(),
                "tenant": tenant,
                "account_id": m.account_id,
                "display_name": m.name,
                "org_id": m.org_id,
                "org_path": m.org_path,
                "status": m.status,
                "status_since": m.status_date.isoformat(),
                "roles": ["member", m.role] if m.role else ["member"],
                "dues_paid_up_to": "",
                "joined_org_on": today,  # dues are owed here from the import on; earlier ones were kept elsewhere
                "history": [
                    {
                        "status": m.status,
                        "effective_on": m.status_date.isoformat(),
                        "approved_by": who,
                        "org_id": m.org_id,
                        "note": "",
                        "recorded_at": now,
                    }
                ],
            }
            for m in plan.new_members
        ]
        announced: list[tuple[str, dict]] = []
        for o in new_orgs:
            announced.append(
                (
                    events.ORG_CREATED,
                    {
                        "org_id": o.id,
                        "parent_id": o.parent_id,
                        "name": o.name,
                        "type": o.type,
                        "category": o.category,
                        "path": list(o.path),
                        "location": None,  # a roster names no coordinates
                        "address": o.address,
                    },
                )
            )
        # One message per chunk of members rather than two per row: identity grants a chunk's roles in one
        # bulk write, and the outbox holds ~1/1000 of the rows (bench/orgs_import.py).
        for start in range(0, len(memberships), events.IMPORT_CHUNK):
            chunk = memberships[start : start + events.IMPORT_CHUNK]
            members = [
                {
                    "membership_id": str(ms["_id"]),
                    "account_id": ms["account_id"],
                    "org_id": ms["org_id"],
                    "status": ms["status"],
                    "roles": ms["roles"],
                }
                for ms in chunk
            ]
            announced.append((events.MEMBERSHIPS_IMPORTED, {"org_id": root.id, "members": members}))
        counters = [
            UpdateOne({"_id": org_id, "tenant": tenant}, {"$inc": inc})
            for org_id in sorted((set(members_delta) | set(orgs_delta)) - created_ids)
            if (inc := _inc(members_delta.get(org_id, {}), orgs_delta.get(org_id, {})))
        ]
        summary = {
            "org_id": root.id,
            "orgs_created": len(new_orgs),
            "members_added": len(memberships),
            "accounts_created": report.accounts_created,
        }
        report.applied = True

        def write(uow: UnitOfWork) -> None:
            uow.insert_many(new_orgs)
            history = [
                OrgChange(tenant=tenant, org_id=o.id, kind="created", actor_id=who, at=now, after=tree.snapshot(o))
                for o in new_orgs
            ]
            uow.insert_many(history)
            if counters:
                Org._get_collection().bulk_write(counters, ordered=True, session=uow.session)
            uow.insert_rows(Membership, memberships)
            uow.emit_many(events.SOURCE, [*announced, (events.ROSTER_IMPORTED, summary)], who)
            uow.insert(self._transfer(root, report))

        try:
            atomically(tenant, write)
        except DuplicateKeyError:
            report.applied = False  # someone added one of these people or slugs meanwhile
            raise DomainError(ErrorCode.ALREADY_EXISTS, "import_conflict", "file") from None

    # -- export -----------------------------------------------------------------------------------

    def export_roster(self, org_id: str, fmt: str, table: str) -> tuple[bytes, str, str, int, int]:
        """(content, media type, file name, org rows, member rows) of the subtree's orgs and members."""
        root = tree.get(org_id)
        access.require("member.manage", root)
        if fmt not in ("xlsx", "csv"):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "export_format_invalid", "format")
        if fmt == "csv" and table not in (roster.ORGS, roster.MEMBERS):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "export_table_invalid", "table")
        tenant = root.tenant
        orgs = list(
            Org._get_collection().find(
                {"tenant": tenant, "path": root.id, "dissolved": False},  # an equality: $ne would scan
                {"name": 1, "type": 1, "category": 1, "parent_id": 1, "path": 1, "slug": 1, "address": 1},
            )
        )
        orgs.sort(key=lambda o: (len(o["path"]), o["_id"]))  # a parent before its children
        code_of = {o["_id"]: o.get("slug") or o["_id"] for o in orgs}
        if root.parent_id:
            code_of.setdefault(root.parent_id, tree.get(root.parent_id).slug or root.parent_id)
        org_rows = [
            roster.org_export_row(
                code_of[o["_id"]],
                o["name"],
                o["type"],
                code_of.get(o.get("parent_id", ""), ""),
                o.get("category", ""),
                o.get("address", ""),
            )
            for o in orgs
        ]
        member_rows = [
            roster.member_export_row(
                m.get("display_name", ""),
                m["account_id"],
                code_of.get(m["org_id"], m["org_id"]),
                m["status"],
                m.get("status_since", ""),
                m.get("roles", []),
            )
            for m in Membership._get_collection()
            .find(
                {"tenant": tenant, "org_path": root.id, "status": {"$in": list(pipeline.ACTIVE)}},
                {"display_name": 1, "account_id": 1, "org_id": 1, "status": 1, "status_since": 1, "roles": 1},
            )
            .sort("_id", 1)
        ]
        stem = f"roster-{code_of[root.id]}-{dt.date.today().isoformat()}"
        if fmt == "xlsx":
            content = roster.write_xlsx({roster.ORGS: org_rows, roster.MEMBERS: member_rows})
            media, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{stem}.xlsx"
        else:
            rows = org_rows if table == roster.ORGS else member_rows
            content = roster.write_csv(table, rows)
            media, name = "text/csv; charset=utf-8", f"{stem}-{table}.csv"
            org_rows, member_rows = (org_rows, []) if table == roster.ORGS else ([], member_rows)
        record = self._transfer(root, None, kind="export", fmt=fmt)
        record.org_rows, record.member_rows = len(org_rows), len(member_rows)
        record.save(force_insert=True)
        return content, media, name, len(org_rows), len(member_rows)

    # -- the record -------------------------------------------------------------------------------

    @staticmethod
    def _transfer(root: Org, report: Report | None, kind: str = "import", fmt: str = "") -> RosterTransfer:
        ctx = context.current()
        record = RosterTransfer(
            tenant=root.tenant,
            kind=kind,
            org_id=root.id,
            actor_id=ctx.require_actor().account_id,
            at=utcnow(),
            request_id=ctx.request_id,
            client_ip=ctx.client_ip,
            format=fmt,
        )
        if report is not None:
            record.format, record.dry_run, record.applied = report.format, report.dry_run, report.applied
            record.org_rows, record.member_rows, record.problems = (
                report.org_rows,
                report.member_rows,
                len(report.problems),
            )
        return record

    def _record(self, root: Org, report: Report) -> None:
        self._transfer(root, report).save(force_insert=True)


def _inc(members: dict[str, int], orgs: dict[str, int]) -> dict[str, int]:
    inc = {f"members_by_status.{k}": v for k, v in members.items() if v}
    inc.update({f"orgs_by_type.{k}": v for k, v in orgs.items() if v})
    return inc


def ensure_indexes() -> None:
    RosterTransfer.ensure_indexes()
