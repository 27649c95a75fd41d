"""content's study summary for the central office (GetStudySummary): counts only, the centre only."""

from __future__ import annotations

import datetime as dt
import time

import grpc
import pymongo
import pytest

from jiceng.content.v1 import education_pb2 as pb
from jiceng.content.v1 import education_pb2_grpc
from kernel import authz
from kernel.context import Actor
from kernel.tokens import TokenIssuer

pytestmark = pytest.mark.service

COURSE = "federation-summary-course"


def metadata(stack, account_id: str, *roles: str) -> list[tuple[str, str]]:
    actor = Actor(account_id=account_id, session_id="s", platform_roles=roles)
    issued = TokenIssuer(stack.layout.keys_dir, stack.layout.region, 300).issue(actor)
    return [("authorization", f"Bearer {issued.token}")]


@pytest.fixture(scope="module")
def education(stack):
    port, _, _ = stack.layout.service_ports(3)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield education_pb2_grpc.EducationServiceStub(channel)


def test_the_centre_reads_assignments_due_members_reached_and_finishers(stack, education):
    region = stack.layout.region
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        db = client[f"{region}_content"]
        deadline = time.monotonic() + 30
        while True:  # the demo branch's people reach content's mirror from orgs' events
            reached = list(db["mirror_people"].find({"tenant": region, "org_path": "demo-branch-2"}, {"account_id": 1}))
            if len(reached) >= 3 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(reached) >= 3, "王芳, 刘洋 and 张伟 in content's mirror"
        due = dt.datetime(2031, 5, 1, tzinfo=dt.UTC)
        db["course_assignments"].update_one(
            {"tenant": region, "course_id": COURSE, "org_id": "demo-branch-2"},
            {"$set": {"assigned_by": "t", "deadline": due, "created_at": due}},
            upsert=True,
        )
        for person in reached[:2]:  # two finished; the others have not
            db["course_progress"].update_one(
                {"tenant": region, "course_id": COURSE, "account_id": person["account_id"]},
                {
                    "$set": {
                        "done": ["l1"],
                        "finished_at": due,
                        "org_path": ["demo-committee", "demo-community", "demo-branch-2"],
                        "updated_at": due,
                    }
                },
                upsert=True,
            )
    centre = metadata(stack, "region:centre", authz.FEDERATION_CENTRAL)
    summary = education.GetStudySummary(pb.StudySummaryRequest(since="2031-04-01", until="2031-07-01"), metadata=centre)
    assert (summary.assignments, summary.members, summary.finished) == (1, len(reached), 2)
    assert not summary.truncated
    outside = education.GetStudySummary(pb.StudySummaryRequest(since="2031-07-01", until="2031-10-01"), metadata=centre)
    assert outside.assignments == 0
    for who in (
        metadata(stack, "admin", authz.REGION_ADMIN),  # a region admin is no peer
        metadata(stack, "region:peer", authz.FEDERATION_PEER),  # a region is not the centre
    ):
        with pytest.raises(grpc.RpcError) as caught:
            education.GetStudySummary(pb.StudySummaryRequest(since="2031-04-01", until="2031-07-01"), metadata=who)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as caught:
        education.GetStudySummary(pb.StudySummaryRequest(since="soon", until="2031-07-01"), metadata=centre)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
