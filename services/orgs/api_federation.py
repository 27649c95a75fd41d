"""The gRPC servicer of peer regions' and the central office's calls (federation.py, transfers_remote.py)."""

from __future__ import annotations

import json

from jiceng.orgs.v1 import federation_pb2 as pb
from jiceng.orgs.v1 import federation_pb2_grpc
from kernel import federation as fed
from kernel.errors import DomainError, ErrorCode
from services.orgs import federation, mobile_remote, transfers_remote, tree

SERVICE = "jiceng.orgs.v1.FederationService"


# What each kind of message from a peer does (services/orgs/federation.py); every handler is idempotent.
HANDLERS = {
    federation.KIND_TRANSFER: transfers_remote.on_snapshot,
    federation.KIND_TRANSFER_STEP: transfers_remote.on_step,
    federation.KIND_MOBILE: mobile_remote.on_snapshot,
    federation.KIND_MOBILE_STEP: mobile_remote.on_step,
}


class FederationApi(federation_pb2_grpc.FederationServiceServicer):
    def Deliver(self, request, context):
        region = fed.calling_peer()
        handler = HANDLERS.get(request.kind)
        if handler is None:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_kind_unknown", "kind", kind=request.kind[:40])
        try:
            body = json.loads(request.body_json or "{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_message_invalid", "body")
        handler(region, body)
        return pb.DeliverResponse()

    def DescribeOrg(self, request, context):
        fed.calling_peer()
        org = tree.get(request.org_id)
        return pb.DescribedOrg(org_id=org.id, name=org.name, type=org.type, dissolved=bool(org.dissolved))

    def RegionStats(self, request, context):
        stats = federation.region_stats(request.period)
        return pb.RegionStatsResponse(
            members_by_status=stats["members_by_status"],
            orgs_by_type=stats["orgs_by_type"],
            root_orgs=stats["root_orgs"],
            life=pb.LifeSummary(**stats["life"]) if stats["life"] else None,
        )

    def FindPeople(self, request, context):
        found = federation.find_people(request.name, request.phone_tail)
        return pb.FindPeopleResponse(people=[pb.FoundPerson(**p) for p in found])
