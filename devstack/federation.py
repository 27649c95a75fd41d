"""Several regions on one machine, federated: `python -m devstack federation up|down` (`make up-federation`).

Starts tianjin, beijing and the central office, each a complete region of its own (its own broker,
database, keys and gateway, on its own ports: devstack/layout.py), and makes them peers: each region's
allow-list names the others with their gateway address and federation public key; the central office is
`central` in the regions' lists (it may ask for statistics and person searches).
"""

from __future__ import annotations

import json
from pathlib import Path

from devstack.layout import KNOWN_REGIONS, Layout

REGIONS = ("tianjin", "beijing")
# The demo people's phones per region: the same people in two regions would be namesakes with one phone.
DEMO_PHONES = {"tianjin": "1380000000", "beijing": "1381000000"}
CENTRAL = "central"
AUDITOR_PHONE = "13900000000"
AUDITOR_PASSWORD = "Jiceng-audit-2026"  # noqa: S105 - the demo central auditor's, printed by `up`


def gateway_url(layout: Layout) -> str:
    return f"http://127.0.0.1:{layout.gateway_port}/"


def connect(layouts: list[Layout], central: str = CENTRAL) -> None:
    """Write each region's allow-list: every other region, with its address, key and role."""
    entries = [
        {
            "region": lay.region,
            "url": gateway_url(lay),
            "public_key": lay.federation_public_key(),
            "role": "central" if lay.region == central else "region",
        }
        for lay in layouts
    ]
    for lay in layouts:
        peers = [e for e in entries if e["region"] != lay.region]
        lay.federation_peers_path.write_text(json.dumps({"peers": peers}, indent=2) + "\n")


def layouts(root: Path) -> list[Layout]:
    return [Layout(r, (root / ".jiceng" / r).resolve(), KNOWN_REGIONS[r]) for r in (*REGIONS, CENTRAL)]
