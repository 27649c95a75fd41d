"""The gRPC servicer of orgs: messages ↔ calls of tree.py and members.py."""

from __future__ import annotations

import json

from jiceng.orgs.v1 import orgs_pb2 as pb
from jiceng.orgs.v1 import orgs_pb2_grpc
from kernel.wire import timestamp
from services.orgs import members, tree
from services.orgs.domain import dossier
from services.orgs.store import AttendanceSnapshot, AttendanceTally, DuesRecord, Membership, Org, OrgChange

SERVICE = "jiceng.orgs.v1.OrgService"


def _location(request) -> tuple[float, float] | None:
    return (request.location.lng, request.location.lat) if request.has_location else None


def org_message(org: Org) -> pb.Org:
    coords = (org.location or {}).get("coordinates")
    return pb.Org(
        id=org.id,
        name=org.name,
        type=org.type,
        category=org.category,
        parent_id=org.parent_id,
        path=list(org.path),
        slug=org.slug or "",
        address=org.address,
        location=pb.GeoPoint(lng=coords[0], lat=coords[1]) if coords else None,
        has_location=bool(coords),
        dissolved=org.dissolved,
        created_at=timestamp(org.created_at),
    )


def _tally_message(t: AttendanceTally) -> pb.AttendanceTally:
    counts = dossier.Tally(t.invited, t.attended, t.on_leave)
    return pb.AttendanceTally(
        meeting_type=t.meeting_type,
        invited=counts.invited,
        attended=counts.attended,
        on_leave=counts.on_leave,
        absent=counts.absent,
        rate=counts.rate,
    )


def attendance_message(a: AttendanceSnapshot | None) -> pb.AttendanceSummary | None:
    """A stored attendance snapshot (a transfer's, or a history step's) as the contract's summary."""
    if a is None:
        return None
    return pb.AttendanceSummary(
        since=timestamp(a.since),
        until=timestamp(a.until),
        total=_tally_message(a.total),
        by_type=[_tally_message(t) for t in a.by_type],
    )


def membership_message(m: Membership, with_history: bool = False) -> pb.Membership:
    history = (
        [
            pb.StatusStep(
                status=s.status,
                effective_on=s.effective_on,
                approved_by=s.approved_by,
                org_id=s.org_id,
                note=s.note,
                recorded_at=timestamp(s.recorded_at),
                attendance=attendance_message(s.attendance),
            )
            for s in m.history
        ]
        if with_history
        else []
    )
    return pb.Membership(
        id=str(m.id),
        account_id=m.account_id,
        org_id=m.org_id,
        status=m.status,
        status_since=m.status_since,
        roles=list(m.roles),
        dues_paid_up_to=m.dues_paid_up_to,
        display_name=m.display_name,
        history=history,
    )


def dues_message(r: DuesRecord) -> pb.DuesRecord:
    return pb.DuesRecord(
        id=str(r.id),
        membership_id=r.membership_id,
        account_id=r.account_id,
        org_id=r.org_id,
        month=r.month,
        amount_fen=r.amount_fen,
        recorded_by=r.recorded_by,
        recorded_at=timestamp(r.recorded_at),
    )


def change_message(c: OrgChange) -> pb.OrgChange:
    return pb.OrgChange(
        id=str(c.id),
        org_id=c.org_id,
        kind=c.kind,
        actor_id=c.actor_id,
        at=timestamp(c.at),
        before_json=json.dumps(c.before, ensure_ascii=False, default=str),
        after_json=json.dumps(c.after, ensure_ascii=False, default=str),
    )


class OrgApi(orgs_pb2_grpc.OrgServiceServicer):
    def CreateOrg(self, request, context):
        return org_message(
            tree.create(
                request.parent_id,
                request.name,
                request.type,
                request.category,
                request.slug,
                request.address,
                _location(request),
            )
        )

    def GetOrg(self, request, context):
        tree.access.actor()
        return org_message(tree.get(request.org_id))

    def UpdateOrg(self, request, context):
        return org_message(
            tree.update(
                request.org_id, request.name, request.category, request.address, _location(request), request.slug
            )
        )

    def MoveOrg(self, request, context):
        return org_message(tree.move(request.org_id, request.new_parent_id))

    def MergeOrg(self, request, context):
        return org_message(tree.merge(request.source_id, request.target_id))

    def DissolveOrg(self, request, context):
        return org_message(tree.dissolve(request.org_id, request.reason))

    def ListChildren(self, request, context):
        orgs, cursor = tree.children(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListOrgsResponse(orgs=[org_message(o) for o in orgs], next_cursor=cursor)

    def ListAncestors(self, request, context):
        return pb.ListOrgsResponse(orgs=[org_message(o) for o in tree.ancestors(request.org_id)])

    def ListSubtree(self, request, context):
        orgs, cursor = tree.subtree(request.org_id, request.type, request.page.page_size, request.page.cursor)
        return pb.ListOrgsResponse(orgs=[org_message(o) for o in orgs], next_cursor=cursor)

    def GetSubtreeStats(self, request, context):
        org = tree.stats(request.org_id)
        members_by_status = {k: int(v) for k, v in (org.members_by_status or {}).items() if v}
        orgs_by_type = {k: int(v) for k, v in (org.orgs_by_type or {}).items() if v}
        return pb.SubtreeStats(
            org_id=org.id,
            members_by_status=members_by_status,
            orgs_by_type=orgs_by_type,
            members_total=sum(members_by_status.values()),
            orgs_total=sum(orgs_by_type.values()),
        )

    def ListOrgHistory(self, request, context):
        changes, cursor = tree.history(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListOrgHistoryResponse(changes=[change_message(c) for c in changes], next_cursor=cursor)

    def AddMember(self, request, context):
        return membership_message(
            members.add(
                request.org_id,
                request.account_id,
                request.status,
                request.effective_on,
                request.display_name,
                request.note,
            ),
            True,
        )

    def ChangeStatus(self, request, context):
        return membership_message(
            members.change_status(request.membership_id, request.to_status, request.effective_on, request.note), True
        )

    def GetMembership(self, request, context):
        return membership_message(members.read(request.membership_id), True)

    def GetDossier(self, request, context):
        membership, records = members.dossier(request.account_id)
        return pb.Dossier(membership=membership_message(membership, True), dues=[dues_message(r) for r in records])

    def ListMembers(self, request, context):
        rows, cursor = members.list_members(
            request.org_id, request.subtree, request.status, request.page.page_size, request.page.cursor
        )
        return pb.ListMembersResponse(members=[membership_message(m) for m in rows], next_cursor=cursor)

    def AssignRole(self, request, context):
        return membership_message(members.assign_role(request.membership_id, request.role))

    def RemoveRole(self, request, context):
        return membership_message(members.remove_role(request.membership_id, request.role))

    def RecordDues(self, request, context):
        return dues_message(members.record_dues(request.membership_id, request.month, request.amount_fen))

    def ListDues(self, request, context):
        return pb.ListDuesResponse(records=[dues_message(r) for r in members.list_dues(request.membership_id)])

    def ArrearsReport(self, request, context):
        owed, cursor, total = members.arrears(
            request.org_id, request.as_of_month, request.page.page_size, request.page.cursor
        )
        return pb.ArrearsReportResponse(
            arrears=[pb.Arrear(membership=membership_message(m), months_owed=n) for m, n in owed],
            next_cursor=cursor,
            total_in_arrears=total,
        )
