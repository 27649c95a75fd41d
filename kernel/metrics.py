"""Prometheus metrics: each process serves its registry on METRICS_PORT."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, start_http_server

GRPC_HANDLED = Counter("jiceng_grpc_server_handled_total", "gRPC calls handled", ["service", "method", "code"])
GRPC_LATENCY = Histogram(
    "jiceng_grpc_server_handling_seconds",
    "gRPC call duration",
    ["service", "method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)

DB_COMMANDS = Counter(
    "jiceng_db_commands_total",
    "Database commands sent (kernel/store.py), by command and collection",
    ["command", "target"],
)
DB_COMMAND_SECONDS = Counter(
    "jiceng_db_command_seconds",
    "Time spent waiting for database commands (as the client sees it), by command and collection",
    ["command", "target"],
)
DB_TRANSACTION_RETRIES = Counter(
    "jiceng_db_transaction_retries_total",
    "Transactions run again after a transient error (a write conflict, or a network error or timeout inside the"
    " transaction: kernel/store.atomically), by the work retried",
    ["work"],
)


def serve(port: int) -> None:
    """Serve /metrics on 127.0.0.1-or-all as configured; port 0 turns the endpoint off."""
    if port:
        start_http_server(port)
