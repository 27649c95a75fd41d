"""The gRPC servicer of transfers and mobile members: messages ↔ calls of transfers.py and mobile.py."""

from __future__ import annotations

from jiceng.orgs.v1 import transfer_pb2 as pb
from jiceng.orgs.v1 import transfer_pb2_grpc
from kernel.wire import timestamp
from services.orgs import mobile, transfers
from services.orgs.api import attendance_message
from services.orgs.domain import transfer as rules

SERVICE = "jiceng.orgs.v1.TransferService"


def transfer_message(t: transfers.Transfer, with_allowed_steps: bool = True) -> pb.Transfer:
    return pb.Transfer(
        id=str(t.id),
        membership_id=t.membership_id,
        account_id=t.account_id,
        display_name=t.display_name,
        from_org_id=t.from_org_id,
        to_org_id=t.to_org_id,
        to_region=t.to_region,
        state=t.state,
        version=t.version,
        letter_no=t.letter_no or "",
        reason=t.reason,
        requested_by=t.requested_by,
        requested_at=timestamp(t.requested_at),
        steps=[
            pb.TransferStep(
                step=s.step,
                actor_id=s.actor_id,
                from_state=s.from_state,
                to_state=s.to_state,
                reason=s.reason,
                at=timestamp(s.at),
            )
            for s in t.steps
        ],
        # Lists leave it out: it costs two permission decisions (org reads) per transfer.
        allowed_steps=rules.allowed_steps(t.state, transfers.parties(t)) if with_allowed_steps else [],
        attendance=attendance_message(t.attendance),
        to_org_name=t.to_org_name,
        from_region=t.from_region,
        from_org_name=t.from_org_name,
        awaiting_peer=t.awaiting_peer,
    )


def registration_message(r: mobile.MobileRegistration) -> pb.MobileRegistration:
    return pb.MobileRegistration(
        id=str(r.id),
        membership_id=r.membership_id,
        account_id=r.account_id,
        display_name=r.display_name,
        home_org_id=r.home_org_id,
        host_org_id=r.host_org_id,
        destination=r.destination,
        reason=r.reason,
        left_on=r.left_on,
        expected_return_on=r.expected_return_on,
        state=r.state,
        registered_by=r.registered_by,
        accepted_by=r.accepted_by,
        ended_by=r.ended_by,
        returned_on=r.returned_on,
        end_note=r.end_note,
        created_at=timestamp(r.created_at),
        host_region=r.host_region,
        host_org_name=r.host_org_name,
        from_region=r.from_region,
        home_org_name=r.home_org_name,
        awaiting_peer=r.awaiting_peer,
    )


def report_message(r: mobile.MobileReport) -> pb.MobileReport:
    return pb.MobileReport(
        id=str(r.id),
        registration_id=r.registration_id,
        account_id=r.account_id,
        home_org_id=r.home_org_id,
        text=r.text,
        submitted_at=timestamp(r.submitted_at),
    )


def _transfers(rows, cursor: str) -> pb.ListTransfersResponse:
    return pb.ListTransfersResponse(transfers=[transfer_message(t, False) for t in rows], next_cursor=cursor)


def _registrations(rows, cursor: str) -> pb.ListMobileRegistrationsResponse:
    return pb.ListMobileRegistrationsResponse(registrations=[registration_message(r) for r in rows], next_cursor=cursor)


class TransferApi(transfer_pb2_grpc.TransferServiceServicer):
    def __init__(self) -> None:
        # Built after the store connects (server.py); the collections are this area's own.
        transfers.ensure_indexes()
        mobile.ensure_indexes()

    def RequestTransfer(self, request, context):
        return transfer_message(
            transfers.request(
                request.membership_id, request.to_org_id, request.reason, request.to_region, request.to_org_name
            )
        )

    def GetTransfer(self, request, context):
        return transfer_message(transfers.read(request.transfer_id))

    def TakeTransferStep(self, request, context):
        return transfer_message(transfers.take_step(request.transfer_id, request.step, request.reason))

    def ListMyTransfers(self, request, context):
        return _transfers(*transfers.list_mine(request.page.page_size, request.page.cursor))

    def ListOrgTransfers(self, request, context):
        rows, cursor = transfers.list_for_org(
            request.org_id, request.direction, request.state, request.page.page_size, request.page.cursor
        )
        return _transfers(rows, cursor)

    def RegisterOutflow(self, request, context):
        return registration_message(
            mobile.register_outflow(
                request.membership_id,
                request.destination,
                request.reason,
                request.left_on,
                request.expected_return_on,
                request.host_org_id,
                request.host_region,
                request.host_org_name,
            )
        )

    def AcceptInflow(self, request, context):
        return registration_message(mobile.accept_inflow(request.registration_id))

    def EndMobilePeriod(self, request, context):
        return registration_message(mobile.end_period(request.registration_id, request.returned_on, request.note))

    def GetMobileRegistration(self, request, context):
        return registration_message(mobile.read(request.registration_id))

    def ListMyMobileRegistrations(self, request, context):
        return _registrations(*mobile.list_mine(request.page.page_size, request.page.cursor))

    def ListOrgMobileMembers(self, request, context):
        rows, cursor = mobile.list_for_org(
            request.org_id, request.side, request.state, request.page.page_size, request.page.cursor
        )
        return _registrations(rows, cursor)

    def SubmitMobileReport(self, request, context):
        return report_message(mobile.submit_report(request.registration_id, request.text))

    def ListMobileReports(self, request, context):
        rows, cursor = mobile.list_reports(request.registration_id, request.page.page_size, request.page.cursor)
        return pb.ListMobileReportsResponse(reports=[report_message(r) for r in rows], next_cursor=cursor)
