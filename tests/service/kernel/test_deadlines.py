"""A call's deadline bounds its database work: past it, the work stops with DEADLINE_EXCEEDED."""

from __future__ import annotations

import time
import uuid

import pymongo
import pytest

from kernel.errors import DomainError, ErrorCode
from kernel.grpc_server import DeadlineInterceptor, ServiceSpec

pytestmark = pytest.mark.service


class _Call:
    """The part of a servicer context the interceptor reads."""

    def __init__(self, remaining: float | None):
        self.remaining = remaining

    def time_remaining(self) -> float | None:
        return self.remaining


@pytest.fixture
def notes(stack):
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        db = client[f"deadline_{uuid.uuid4().hex[:8]}"]
        db.notes.insert_one({"text": "在"})
        yield db.notes
        client.drop_database(db.name)


def _interceptor() -> DeadlineInterceptor:
    return DeadlineInterceptor(ServiceSpec("kerneltest", ["jiceng.test.v1.Test"], lambda server: None))


def _slow_read(notes, pause: float):
    def proceed(request, call):
        time.sleep(pause)  # the call's own work took this long before it reads
        return notes.find_one({})["text"]

    return proceed


def test_work_past_the_deadline_stops_with_deadline_exceeded(notes):
    with pytest.raises(DomainError) as raised:
        _interceptor().around("/m", {}, None, _Call(0.05), _slow_read(notes, 0.1))
    assert raised.value.code is ErrorCode.DEADLINE_EXCEEDED


def test_work_inside_the_deadline_or_without_one_is_untouched(notes):
    assert _interceptor().around("/m", {}, None, _Call(5.0), _slow_read(notes, 0.0)) == "在"
    assert _interceptor().around("/m", {}, None, _Call(None), _slow_read(notes, 0.1)) == "在"
    assert _interceptor().around("/m", {}, None, _Call(1e9), _slow_read(notes, 0.1)) == "在"
