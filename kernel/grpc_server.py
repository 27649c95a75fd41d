"""gRPC server bootstrap shared by every service.

Interceptors, outermost first: logging, metrics, errors, call context (auth). Then health
(grpc.health.v1), reflection, Prometheus metrics, the outbox relay, and a graceful drain on SIGTERM:
health turns NOT_SERVING, new calls are refused, calls in flight get `grace_seconds` to finish.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pymongo
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from pymongo.errors import PyMongoError

from kernel import context, logs, metrics
from kernel.config import BusConfig, KeysConfig, StoreConfig
from kernel.errors import DomainError, ErrorCode, internal_status
from kernel.outbox import OutboxRelay
from kernel.tokens import TokenVerifier, bearer

log = logging.getLogger(__name__)

DEADLINE_UNBOUNDED_S = 24 * 3600.0  # a remaining time beyond this is "no deadline" (gRPC reports a huge one)


class ServiceConfig(StoreConfig, BusConfig, KeysConfig):
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    grpc_threads: int = 16
    grace_seconds: float = 10.0
    grpc_max_message_bytes: int = 4 * 1024 * 1024  # largest request a call may carry


@dataclass
class ServiceSpec:
    """What a service hands to `run`: its name, gRPC service names, and how to register servicers."""

    name: str
    full_names: list[str]
    register: Callable[[grpc.Server], None]
    anonymous_methods: set[str] = field(default_factory=set)  # "/pkg.Service/Method" allowed without a token

    @classmethod
    def of(
        cls,
        name: str,
        servicers: list[tuple[Callable[[], object], Callable, str]],
        anonymous_methods: set[str] | None = None,
    ) -> ServiceSpec:
        """A spec serving each (servicer factory, generated add_…_to_server, full service name)."""

        def register(server: grpc.Server) -> None:
            for factory, add, _ in servicers:
                add(factory(), server)

        full_names = [full for _, _, full in servicers]
        return cls(name=name, full_names=full_names, register=register, anonymous_methods=set(anonymous_methods or ()))


Proceed = Callable[[object, grpc.ServicerContext], object]


class _UnaryInterceptor(grpc.ServerInterceptor):
    """Wraps the unary-unary methods of our own services; health and reflection pass through."""

    def __init__(self, spec: ServiceSpec):
        self.spec = spec
        self._prefixes = tuple(f"/{n}/" for n in spec.full_names)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or handler.unary_unary is None or not method.startswith(self._prefixes):
            return handler
        inner = handler.unary_unary
        metadata = dict(handler_call_details.invocation_metadata or ())

        def behavior(request, servicer_context):
            return self.around(method, metadata, request, servicer_context, inner)

        return grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def around(self, method: str, metadata: dict, request, servicer_context, proceed: Proceed):
        raise NotImplementedError


def _code_of(servicer_context) -> str:
    code = servicer_context.code()
    return code.name if code is not None else "OK"


class LoggingInterceptor(_UnaryInterceptor):
    def around(self, method, metadata, request, servicer_context, proceed):
        started = time.perf_counter()
        token = logs.request_id_var.set(metadata.get(context.REQUEST_ID) or logs.new_request_id())
        try:
            return proceed(request, servicer_context)
        finally:
            elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
            code = _code_of(servicer_context)
            level = logging.WARNING if code in ("INTERNAL", "UNKNOWN") else logging.INFO
            log.log(level, "grpc call", extra={"method": method, "code": code, "ms": elapsed_ms})
            logs.request_id_var.reset(token)


class MetricsInterceptor(_UnaryInterceptor):
    def around(self, method, metadata, request, servicer_context, proceed):
        short = method.rsplit("/", 1)[-1]
        started = time.perf_counter()
        try:
            return proceed(request, servicer_context)
        finally:
            metrics.GRPC_LATENCY.labels(self.spec.name, short).observe(time.perf_counter() - started)
            metrics.GRPC_HANDLED.labels(self.spec.name, short, _code_of(servicer_context)).inc()


class ErrorInterceptor(_UnaryInterceptor):
    """DomainError → its status with details; anything else → INTERNAL, logged here, not leaked."""

    def around(self, method, metadata, request, servicer_context, proceed):
        try:
            return proceed(request, servicer_context)
        except DomainError as err:
            servicer_context.abort_with_status(err.to_status())
        except Exception:
            if servicer_context.code() not in (None, grpc.StatusCode.OK):
                raise  # an abort further in: already a status
            log.exception("unhandled error", extra={"method": method})
            servicer_context.abort_with_status(internal_status())


class DeadlineInterceptor(_UnaryInterceptor):
    """The caller's deadline bounds the call's database work too (pymongo's client-side operation timeout,
    sent on as maxTimeMS): past it, the caller has given up, and work still queued at an overloaded
    database would only delay the calls that can still be answered."""

    def around(self, method, metadata, request, servicer_context, proceed):
        remaining = servicer_context.time_remaining()
        if remaining is None or remaining > DEADLINE_UNBOUNDED_S:
            return proceed(request, servicer_context)
        try:
            with pymongo.timeout(max(remaining, 0.001)):
                return proceed(request, servicer_context)
        except PyMongoError as err:
            if getattr(err, "timeout", False):
                raise DomainError(ErrorCode.DEADLINE_EXCEEDED) from None
            raise


class CallContextInterceptor(_UnaryInterceptor):
    """Binds tenant and actor for the call, from a verified token only; anonymous methods take the
    tenant from the gateway's routing (x-tenant), which must name this deployment's region."""

    def __init__(self, spec: ServiceSpec, verifier: TokenVerifier, region: str):
        super().__init__(spec)
        self.verifier = verifier
        self.region = region

    def around(self, method, metadata, request, servicer_context, proceed):
        request_id = logs.request_id_var.get()
        client_ip = metadata.get(context.CLIENT_IP, "")[:64]
        raw = bearer(metadata.get(context.AUTHORIZATION))
        if raw is not None:
            verified = self.verifier.verify(raw)
            ctx = context.CallContext(verified.tenant, request_id, verified.actor, raw, client_ip)
        elif method in self.spec.anonymous_methods:
            tenant = metadata.get(context.TENANT, "")
            if tenant != self.region:
                raise DomainError(ErrorCode.WRONG_REGION)
            ctx = context.CallContext(tenant, request_id, client_ip=client_ip)
        else:
            raise DomainError(ErrorCode.UNAUTHENTICATED)
        token = context.bind(ctx)
        try:
            return proceed(request, servicer_context)
        finally:
            context.unbind(token)


class RunningServer:
    def __init__(self, server: grpc.Server, health_servicer, relay: OutboxRelay | None, port: int):
        self.server = server
        self.health = health_servicer
        self.relay = relay
        self.port = port

    def stop(self, grace: float) -> None:
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()
        if self.relay is not None:
            self.relay.stop()


def start(spec: ServiceSpec, config: ServiceConfig, *, with_relay: bool = True) -> RunningServer:
    verifier = TokenVerifier(Path(config.jwks_path), config.region)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.grpc_threads, thread_name_prefix=spec.name),
        interceptors=[
            LoggingInterceptor(spec),
            MetricsInterceptor(spec),
            ErrorInterceptor(spec),
            DeadlineInterceptor(spec),
            CallContextInterceptor(spec, verifier, config.region),
        ],
        options=[("grpc.max_receive_message_length", config.grpc_max_message_bytes), ("grpc.so_reuseport", 0)],
    )
    spec.register(server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection([*spec.full_names, health.SERVICE_NAME, reflection.SERVICE_NAME], server)
    port = server.add_insecure_port(f"{config.grpc_host}:{config.grpc_port}")
    if port == 0:
        raise SystemExit(f"cannot listen on {config.grpc_host}:{config.grpc_port}")
    relay = OutboxRelay(spec.name, config.amqp_uri) if with_relay else None
    server.start()
    if relay is not None:
        relay.start()
    for name in ["", *spec.full_names]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("grpc server started", extra={"service": spec.name, "port": port})
    return RunningServer(server, health_servicer, relay, port)


def run(spec: ServiceSpec, config: ServiceConfig, on_start: Callable[[], None] | None = None) -> None:
    """Start the service and block until SIGTERM or SIGINT, then drain gracefully."""
    logs.setup(f"{spec.name}-server", config.log_level)
    metrics.serve(config.metrics_port)
    if on_start is not None:
        on_start()
    running = start(spec, config)
    stopping = threading.Event()

    def on_signal(signum, _frame):
        log.info("draining", extra={"signal": signum, "grace_seconds": config.grace_seconds})
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping.wait(1.0):
        pass
    running.stop(config.grace_seconds)
    log.info("grpc server stopped", extra={"service": spec.name})
