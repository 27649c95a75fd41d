"""A small HTTP/1.1 keep-alive client for load drivers: a pool of asyncio connections to one server.

httpx costs the driving process ~1–2 ms of CPU a request: at a few hundred requests a second the load
generator then takes a core of a two-core machine from the servers it measures. This client does what the
benchmarks need and no more — JSON bodies, Content-Length or chunked answers, keep-alive, a timeout that
closes the connection — at a fraction of that.

    async with Http1Pool("127.0.0.1", 8080, size=256) as http:
        answer = await http.get("/api/v1/me", headers={"Authorization": "Bearer …"})
        answer.status_code, answer.json()
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass


@dataclass
class Response:
    status_code: int
    content: bytes

    def json(self):
        return json.loads(self.content)


class Http1Pool:
    def __init__(self, host: str, port: int, size: int = 256, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(size)

    async def __aenter__(self) -> Http1Pool:
        return self

    async def __aexit__(self, *_exc) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers)

    async def post(self, path: str, json: object = None, headers: dict[str, str] | None = None) -> Response:
        return await self.request("POST", path, headers, json)

    async def request(self, method: str, path: str, headers=None, body: object = None) -> Response:
        """One request on an idle connection (or a new one); TimeoutError past the pool's timeout."""
        async with self._slots:
            return await asyncio.wait_for(self._exchange(method, path, headers or {}, body), self.timeout)

    async def _exchange(self, method: str, path: str, headers: dict[str, str], body: object) -> Response:
        while self._idle:  # a kept-alive connection the server has closed meanwhile answers nothing: the next
            try:
                return await self._on(self._idle.pop(), method, path, headers, body)
            except (_Closed, ConnectionResetError, BrokenPipeError):
                continue
        connection = await asyncio.open_connection(self.host, self.port)
        try:
            return await self._on(connection, method, path, headers, body)
        except _Closed:
            raise ConnectionError("the server closed the connection without answering") from None

    async def _on(self, connection, method: str, path: str, headers: dict[str, str], body: object) -> Response:
        reader, writer = connection
        try:
            payload = json.dumps(body).encode() if body is not None else b""
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            if body is not None:
                lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
            status_line = await reader.readline()
            if not status_line:
                raise _Closed
            status = int(status_line.split(b" ", 2)[1])
            length, chunked, close = 0, False, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip().lower(), value.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "transfer-encoding":
                    chunked = "chunked" in value
                elif name == "connection":
                    close = value == "close"
            content = await (_read_chunked(reader) if chunked else reader.readexactly(length))
        except BaseException:  # a timeout (cancelled), a reset, a malformed answer: the connection is done
            writer.close()
            raise
        if close:
            writer.close()
        else:
            self._idle.append((reader, writer))
        return Response(status, content)


class _Closed(Exception):
    """The connection ended before an answer began."""


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()  # the CRLF after each chunk
    while await reader.readline() not in (b"\r\n", b""):  # trailers
        pass
    return b"".join(parts)
