"""identity through its real gRPC API: the kernel's interceptors, health, reflection, metrics, events."""

from __future__ import annotations

import time
import urllib.request
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from jiceng.identity.v1 import identity_pb2 as pb
from jiceng.identity.v1 import identity_pb2_grpc
from kernel.outbox import Publisher, new_event

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def channel(stack):
    port, _, _ = stack.layout.service_ports(1)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch


@pytest.fixture(scope="module")
def identity(channel):
    return identity_pb2_grpc.IdentityServiceStub(channel)


def anonymous(stack):
    return [("x-tenant", stack.layout.region), ("x-request-id", uuid.uuid4().hex)]


def details(err: grpc.RpcError) -> tuple[error_details_pb2.ErrorInfo, list]:
    status = rpc_status.from_call(err)
    info, violations = None, []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations = list(bad.field_violations)
    return info, violations


def test_health_and_reflection(channel):
    health = health_pb2_grpc.HealthStub(channel)
    assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    reply = health.Check(health_pb2.HealthCheckRequest(service="jiceng.identity.v1.IdentityService"))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = {s.name for r in responses for s in r.list_services_response.service}
    assert "jiceng.identity.v1.IdentityService" in names


def test_invalid_input_carries_the_code_and_the_field(identity, stack):
    with pytest.raises(grpc.RpcError) as caught:
        identity.Login(pb.LoginRequest(phone="123", password="x"), metadata=anonymous(stack))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info, violations = details(caught.value)
    assert info.reason == "invalid_argument" and info.domain == "jiceng"
    assert info.metadata["field"] == "phone" and info.metadata["key"] == "phone_invalid"
    assert [v.field for v in violations] == ["phone"]


def test_the_tenant_must_be_this_region(identity, stack):
    for metadata in ([], [("x-tenant", "beijing")]):
        with pytest.raises(grpc.RpcError) as caught:
            identity.Login(pb.LoginRequest(phone="13800000000", password="x"), metadata=metadata)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert details(caught.value)[0].reason == "wrong_region"


def test_authenticated_methods_refuse_anonymous_callers(identity, stack):
    """x-tenant alone never stands in for a token: the actor comes from a verified token only."""
    with pytest.raises(grpc.RpcError) as caught:
        identity.GetMe(pb.GetMeRequest(), metadata=anonymous(stack))
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.RpcError) as caught:
        identity.GetMe(pb.GetMeRequest(), metadata=[("authorization", "Bearer junk")])
    assert details(caught.value)[0].reason == "token_invalid"


def test_calls_are_counted_in_metrics(identity, stack):
    with pytest.raises(grpc.RpcError):
        identity.Login(pb.LoginRequest(phone="1", password="x"), metadata=anonymous(stack))
    _, metrics_port, _ = stack.layout.service_ports(1)
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics").read().decode()  # noqa: S310
    assert 'jiceng_grpc_server_handled_total{code="INVALID_ARGUMENT",method="Login",service="identity"}' in text
    assert "jiceng_grpc_server_handling_seconds_bucket" in text
    assert "jiceng_outbox_pending" in text


def test_events_leave_the_outbox_with_the_request_id(identity, stack, identity_events):
    request_id = uuid.uuid4().hex
    phone = "137" + str(time.time_ns())[-8:]
    identity.RequestCode(
        pb.RequestCodeRequest(phone=phone, purpose=pb.CODE_PURPOSE_LOGIN),
        metadata=[("x-tenant", stack.layout.region), ("x-request-id", request_id)],
    )
    event = identity_events.wait_for(lambda m: m["type"] == "otp_requested" and m["data"]["phone"] == phone)
    assert event["request_id"] == request_id
    assert event["tenant"] == stack.layout.region and event["source"] == "identity"
    import pymongo

    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        outbox = client[f"{stack.layout.region}_identity"]["outbox"]
        deadline = time.monotonic() + 5
        while outbox.count_documents({"pending": True}) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outbox.count_documents({"pending": True}) == 0
        assert outbox.find_one({"_id": event["id"]})["published_at"] is not None


def test_the_org_mirror_follows_orgs_events_once_each(api, stack, identity_events, admin):
    """identity decides from its mirror of the org tree, fed by orgs' events (redelivery is harmless)."""
    from tests.conftest import register

    person = register(api, identity_events)
    suffix = uuid.uuid4().hex[:8]
    parent, child = f"t-parent-{suffix}", f"t-child-{suffix}"
    publisher = Publisher(stack.env["AMQP_URI"])
    tenant = stack.layout.region
    created_parent = new_event(
        tenant, "orgs", "org_created", {"org_id": parent, "name": "P", "path": ["demo-committee", parent]}
    )
    created_child = new_event(
        tenant,
        "orgs",
        "org_created",
        {"org_id": child, "name": "C", "path": ["demo-committee", parent, child]},
    )
    for event in (created_parent, created_child, created_child):  # the second delivery is a duplicate
        publisher.publish(event.envelope())

    def decision(org_id: str):
        reply = api.get(
            "/api/v1/authz/check",
            headers=admin.auth,
            params={"action": "member.manage", "org_id": org_id, "account_id": person.account_id},
        )
        return reply

    deadline = time.monotonic() + 10
    while decision(child).status_code == 404 and time.monotonic() < deadline:
        time.sleep(0.1)
    api.post(
        "/api/v1/roles",
        headers=admin.auth,
        json={"account_id": person.account_id, "role": "secretary", "org_id": "demo-tower"},
    )
    assert decision(child).json()["allowed"] is False

    # Move the parent (and so the child) under demo-tower: her secretary role now covers both.
    moved = new_event(
        tenant,
        "orgs",
        "org_moved",
        {
            "org_id": parent,
            "old_path": ["demo-committee", parent],
            "new_path": ["demo-committee", "demo-tower", parent],
        },
    )
    publisher.publish(moved.envelope())
    publisher.close()
    deadline = time.monotonic() + 10
    while not decision(child).json()["allowed"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert decision(child).json() == {"allowed": True, "role": "secretary", "org_id": "demo-tower"}

    # Each handler has its own queue: the duplicate may be handled after the move; wait for it.
    _, _, worker_metrics = stack.layout.service_ports(1)
    wanted = 'jiceng_events_handled_total{consumer="identity_org_mirror.org_created",outcome="duplicate"}'
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = urllib.request.urlopen(f"http://127.0.0.1:{worker_metrics}/metrics").read().decode()  # noqa: S310
        counts = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(wanted)]
        if counts and counts[0] >= 1:
            break
        time.sleep(0.1)
    assert counts and counts[0] >= 1, "the second delivery was not recognised as a duplicate"
