"""orgs through its real gRPC API: only verified tokens of this region get in."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from jiceng.orgs.v1 import orgs_pb2 as pb
from jiceng.orgs.v1 import orgs_pb2_grpc
from kernel.authz import REGION_ADMIN
from kernel.context import Actor
from kernel.tokens import TokenIssuer
from tests.service.test_identity_grpc import details

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def channel(stack):
    port, _, _ = stack.layout.service_ports(2)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch


def token(stack, region: str, *platform_roles: str) -> list[tuple[str, str]]:
    issued = TokenIssuer(stack.layout.keys_dir, region, 300).issue(
        Actor(account_id="svc-test", session_id="s", platform_roles=platform_roles)
    )
    return [("authorization", f"Bearer {issued.token}")]


def test_orgs_is_healthy(channel):
    reply = health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service="jiceng.orgs.v1.OrgService")
    )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_every_call_needs_a_token(channel, stack):
    orgs = orgs_pb2_grpc.OrgServiceStub(channel)
    with pytest.raises(grpc.RpcError) as caught:
        orgs.GetOrg(pb.GetOrgRequest(org_id="demo-committee"), metadata=[("x-tenant", stack.layout.region)])
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_token_of_another_region_sees_nothing(channel, stack):
    """Even a region admin's token, signed with a key this region trusts, is refused if it names another region."""
    orgs = orgs_pb2_grpc.OrgServiceStub(channel)
    for call, request in (
        (orgs.GetOrg, pb.GetOrgRequest(org_id="demo-committee")),
        (orgs.GetSubtreeStats, pb.GetSubtreeStatsRequest(org_id="demo-committee")),
        (orgs.ListMembers, pb.ListMembersRequest(org_id="demo-branch-2")),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            call(request, metadata=token(stack, "beijing", REGION_ADMIN))
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert details(caught.value)[0].reason == "wrong_region"
    here = orgs.GetSubtreeStats(
        pb.GetSubtreeStatsRequest(org_id="demo-committee"), metadata=token(stack, stack.layout.region, REGION_ADMIN)
    )
    assert here.members_total >= 5


def test_unknown_orgs_and_bad_pages_name_the_field(channel, stack):
    orgs = orgs_pb2_grpc.OrgServiceStub(channel)
    admin = token(stack, stack.layout.region, REGION_ADMIN)
    with pytest.raises(grpc.RpcError) as caught:
        orgs.GetOrg(pb.GetOrgRequest(org_id="nope"), metadata=admin)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert details(caught.value)[1][0].field == "org_id"
    with pytest.raises(grpc.RpcError) as caught:
        orgs.ListChildren(pb.ListChildrenRequest(org_id="demo-committee", page=pb.Page(page_size=999)), metadata=admin)
    assert details(caught.value)[1][0].field == "page_size"
