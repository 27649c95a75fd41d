"""A bare gRPC echo server: the transport's ceiling the benchmarks compare the stack against.

    python -m bench.echo_server --port 0     # 0: any free port; prints "listening on 127.0.0.1:<port>"

grpc.aio, one process, no interceptors, no health or reflection, no database: the least work a Python
gRPC server can do per call. Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

import grpc

from jiceng.bench.v1 import echo_pb2, echo_pb2_grpc


class Echo(echo_pb2_grpc.EchoServiceServicer):
    async def Echo(self, request, context):  # noqa: N802 - gRPC method name
        return echo_pb2.EchoResponse(payload=request.payload)


async def serve(host: str, port: int) -> None:
    server = grpc.aio.server(options=[("grpc.so_reuseport", 0)])
    echo_pb2_grpc.add_EchoServiceServicer_to_server(Echo(), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise SystemExit(f"cannot listen on {host}:{port}")
    await server.start()
    print(f"listening on {host}:{bound}", flush=True)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    await server.stop(grace=1.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.echo_server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): any free port")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
