"""Calling peer regions: signed HTTP requests (kernel/federation.py) to their gateways' /federation/v1/.

`Peers` holds this region's key and allow-list. `PeerCaller` is the gateway's asynchronous client (the
central office's fan-out, a transfer's look-up of the incoming org); the relay uses `signed_request` with a
synchronous client. A peer that cannot be reached in time is `federation_peer_unavailable` (503): the
caller's region keeps serving, and nothing waits on the peer longer than FEDERATION_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kernel import federation as fed
from kernel.errors import DomainError, ErrorCode

log = logging.getLogger(__name__)

PREFIX = "/federation/v1"


@dataclass(frozen=True)
class Peers:
    region: str
    key: Any  # Ed25519PrivateKey, or None when the region has no federation key
    peers: dict[str, fed.Peer]

    @classmethod
    def load(cls, region: str, key_path: Path | None, peers_path: Path | None) -> Peers:
        key = fed.load_key(key_path) if key_path else None
        return cls(region, key, fed.load_peers(peers_path))

    def peer(self, region: str, field: str = "region") -> fed.Peer:
        if self.key is None:
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "federation_not_configured")
        found = self.peers.get(region)
        if found is None:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "federation_region_unknown", field, region=region[:40])
        return found

    def regions(self) -> list[fed.Peer]:
        """The regional deployments among the peers (not the central office)."""
        return [p for p in self.peers.values() if p.role == "region"]


def signed_request(peers: Peers, peer: fed.Peer, method: str, path: str, payload: dict | None) -> tuple[bytes, dict]:
    """The body and headers of a request to peer at PREFIX + path, signed by this region."""
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
    full_path = PREFIX + path
    headers = fed.sign(peers.key, peers.region, peer.region, method, full_path, body, int(time.time()))
    if payload is not None:
        headers["Content-Type"] = "application/json"
    return body, headers


class PeerCaller:
    """The gateway's client of its peers (one connection pool for all of them)."""

    def __init__(self, peers: Peers, timeout: float):
        self.peers = peers
        self._http = httpx.AsyncClient(timeout=timeout)

    async def call(
        self, region: str, method: str, path: str, payload: dict | None = None, field: str = "region"
    ) -> tuple[int, dict]:
        """(status, JSON body) of the peer's answer; DomainError(UNAVAILABLE) if it cannot be reached, and
        INVALID_ARGUMENT on `field` if region is no peer of this one."""
        peer = self.peers.peer(region, field)
        body, headers = signed_request(self.peers, peer, method, path, payload)
        url = peer.url.rstrip("/") + PREFIX + path
        try:
            reply = await self._http.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as err:
            log.warning("peer %s unreachable: %s", region, err.__class__.__name__)
            raise DomainError(ErrorCode.UNAVAILABLE, "federation_peer_unavailable", region=region) from None
        try:
            data = reply.json()
        except ValueError:
            data = {}
        return reply.status_code, data if isinstance(data, dict) else {}

    async def close(self) -> None:
        await self._http.aclose()
