"""Run nameko worker classes as one process (eventlet-patched: never host a gRPC server here)."""

from __future__ import annotations

import logging
import signal

from kernel import logs, metrics
from kernel.config import BusConfig
from kernel.outbox import OutboxRelay

log = logging.getLogger(__name__)


def run(process_name: str, config: BusConfig, *service_classes: type, on_start=None, max_workers: int = 10) -> None:
    """Start the services' event handlers and block until SIGTERM/SIGINT, then stop gracefully. max_workers:
    handlers running at once (and messages taken from the broker ahead of them), per service class."""
    import eventlet
    from nameko.runners import ServiceRunner

    logs.setup(process_name, config.log_level)
    metrics.serve(config.metrics_port)
    if on_start is not None:
        on_start()
    runner = ServiceRunner(
        config={
            "AMQP_URI": config.amqp_uri,
            "serializer": "json",
            "max_workers": max_workers,
            "HEARTBEAT": 30,
        }
    )
    for cls in service_classes:
        runner.add_service(cls)

    def stop(signum, _frame):
        log.info("stopping worker", extra={"signal": signum})
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # What the handlers commit is published at once by this process (the server's sweep is the fallback).
    relay = OutboxRelay(None, config.amqp_uri)
    relay.start()
    runner.start()
    log.info("worker started", extra={"services": [c.name for c in service_classes]})
    runner.wait()
    relay.stop()
    log.info("worker stopped")
