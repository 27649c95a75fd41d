"""`python -m devstack up|down|status|seed|announce` — the local region (see README)."""

from __future__ import annotations

import sys
from pathlib import Path

from devstack.demo import ADMIN_PASSWORD, ADMIN_PHONE, announce, seed
from devstack.layout import Layout
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    stack = Stack(Layout.from_env(ROOT), ROOT)
    lay = stack.layout
    if command == "up":
        stack.up()
        print(seed(stack), end="")
        print(announce(stack), end="")
        print(f"\nJiceng region '{lay.region}' is up (data in {lay.data_dir}, logs in {lay.log_dir}).")
        print(
            f"  gateway:  http://127.0.0.1:{lay.gateway_port}/        API docs: http://127.0.0.1:{lay.gateway_port}/docs"
        )
        print(f"  admin:    phone {ADMIN_PHONE}, password {ADMIN_PASSWORD}")
        print(
            "  SMS (codes, reminders) go to the local SMSC: read a phone's messages at "
            f"http://127.0.0.1:{lay.smsc_control_port}/handsets/<phone>/messages"
        )
    elif command == "down":
        stack.down()
        print(f"region '{lay.region}' stopped; data kept in {lay.data_dir}")
    elif command == "status":
        width = max(len(p.name) for p in stack.processes)
        healthy = True
        for name, pid, ready in stack.status():
            state = "healthy" if ready else ("running, not ready" if pid else "stopped")
            healthy &= ready
            print(f"{name:<{width}}  pid {pid or '-':<8} {state}")
        return 0 if healthy else 1
    elif command == "seed":
        print(seed(stack), end="")
    elif command == "announce":
        print(announce(stack, force=True), end="")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
