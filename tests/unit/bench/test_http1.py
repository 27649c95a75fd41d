"""The load drivers' HTTP/1.1 client against a tiny in-process server: keep-alive, bodies both ways,
chunked answers, a kept-alive connection the server has closed, and a timeout."""

from __future__ import annotations

import asyncio
import json

import pytest

from bench.http1 import Http1Pool

pytestmark = pytest.mark.unit


async def _serve(handler):
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_request(reader) -> tuple[str, bytes] | None:
    line = await reader.readline()
    if not line:
        return None
    length = 0
    while (header := await reader.readline()) != b"\r\n":
        name, _, value = header.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return line.decode().split()[1], await reader.readexactly(length)


def test_requests_share_a_connection_and_carry_json_both_ways():
    connections = []

    async def handler(reader, writer):
        connections.append(writer)
        while (request := await _read_request(reader)) is not None:
            path, body = request
            answer = json.dumps({"path": path, "got": json.loads(body) if body else None}).encode()
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
        writer.close()

    async def main():
        server, port = await _serve(handler)
        async with server, Http1Pool("127.0.0.1", port, size=4) as http:
            first = await http.post("/a", json={"text": "你好"})
            second = await http.get("/b")
        await asyncio.sleep(0.05)  # the server's side closes once the pool has
        return first, second

    first, second = asyncio.run(main())
    assert first.status_code == 201 and first.json() == {"path": "/a", "got": {"text": "你好"}}
    assert second.json() == {"path": "/b", "got": None}
    assert len(connections) == 1


def test_a_chunked_answer_and_a_closed_keep_alive_connection():
    served = []

    async def handler(reader, writer):
        if await _read_request(reader) is None:
            writer.close()
            return
        served.append(1)
        writer.write(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n')
        await writer.drain()
        writer.close()  # the server ends every connection after one answer, without saying so

    async def main():
        server, port = await _serve(handler)
        async with server, Http1Pool("127.0.0.1", port) as http:
            first = await http.get("/")
            await asyncio.sleep(0.05)
            second = await http.get("/")  # the kept connection is closed: a new one answers
        return first, second

    first, second = asyncio.run(main())
    assert first.json() == second.json() == {"a": 1}
    assert len(served) == 2


def test_no_answer_in_time_is_a_timeout():
    async def handler(reader, writer):
        await reader.read()  # never answers; ends when the client gives up and closes
        writer.close()

    async def main():
        server, port = await _serve(handler)
        async with server, Http1Pool("127.0.0.1", port, timeout=0.2) as http:
            with pytest.raises(TimeoutError):
                await http.get("/")
            await asyncio.sleep(0.05)

    asyncio.run(main())
