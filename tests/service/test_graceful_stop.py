"""SIGTERM drains a service: calls in flight finish, new ones are refused, nothing half-done."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from devstack import demo
from jiceng.identity.v1 import identity_pb2 as pb
from jiceng.identity.v1 import identity_pb2_grpc

pytestmark = pytest.mark.service


def test_sigterm_lets_calls_in_flight_finish(stack):
    port, _, _ = stack.layout.service_ports(1)
    identity = stack.process("identity")
    pid = stack.pid("identity")
    metadata = [("x-tenant", stack.layout.region)]
    request = pb.LoginRequest(phone=demo.ADMIN_PHONE, password=demo.ADMIN_PASSWORD)

    connected = threading.Barrier(13)  # the 12 callers and this thread

    def login(_):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = identity_pb2_grpc.IdentityServiceStub(channel)
            grpc.channel_ready_future(channel).result(timeout=10)
            connected.wait(timeout=10)  # every call leaves on a ready connection, before the signal
            try:
                return stub.Login(request, metadata=metadata, timeout=20).access_token and "OK"
            except grpc.RpcError as err:
                return err.code().name

    log_path = stack.layout.log_dir / "identity.log"
    log_start = len(log_path.read_text())
    try:
        with ThreadPoolExecutor(12) as pool:
            calls = [pool.submit(login, n) for n in range(12)]
            connected.wait(timeout=10)
            time.sleep(0.2)  # the calls reach the server; password hashing keeps them busy for a while
            os.kill(pid, signal.SIGTERM)
            outcomes = [c.result() for c in calls]
        started = time.monotonic()
        stack.stop(identity)  # already draining: this only waits for the exit (and reaps it)
        assert time.monotonic() - started < 10
        log = log_path.read_text()[log_start:]
        assert '"draining"' in log and '"grpc server stopped"' in log
        assert "Traceback" not in log, "the drain must end cleanly"
        # A call still on its way when the signal lands is refused before any handler runs: UNAVAILABLE, or
        # CANCELLED when the server's transport had taken the stream as it stopped (seen once in CI, 1 of 12).
        assert set(outcomes) <= {"OK", "UNAVAILABLE", "CANCELLED"}, outcomes
        assert outcomes.count("OK") >= len(outcomes) // 2, outcomes  # the calls in flight finished
    finally:
        stack.stop(identity)
        stack.start(identity)
