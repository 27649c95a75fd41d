"""`python -m devstack up|down|status|seed|announce` — the local region (see README);
`python -m devstack backup [--out DIR]` — the region to a dated, checksummed archive, while it serves;
`python -m devstack restore ARCHIVE [--force]` — the archive into the (stopped, empty) region, then start it;
`python -m devstack federation up|down` — tianjin, beijing and the central office, federated."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devstack import backup, federation
from devstack.demo import ADMIN_PASSWORD, ADMIN_PHONE, announce, seed
from devstack.layout import Layout
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent


def federation_main(command: str) -> int:
    """Three regions side by side, peers of each other, each seeded (the centre: one auditor)."""
    regions = federation.layouts(ROOT)
    federation.connect(regions)
    stacks = [Stack(lay, ROOT) for lay in regions]
    if command == "down":
        for stack in stacks:
            stack.down()
        return 0
    if command != "up":
        print(__doc__)
        return 2
    for stack in stacks:
        stack.up()
        if stack.layout.region == federation.CENTRAL:
            print(
                stack.run_tool(
                    "-m",
                    "services.identity.manage",
                    "create-admin",
                    "--role",
                    "central_auditor",
                    "--phone",
                    federation.AUDITOR_PHONE,
                    "--password",
                    federation.AUDITOR_PASSWORD,
                    "--name",
                    "中央审计员",
                ),
                end="",
            )
        else:
            print(seed(stack, phone_prefix=federation.DEMO_PHONES[stack.layout.region]), end="")
            print(announce(stack), end="")
    print("\nFederated regions are up:")
    for stack in stacks:
        print(f"  {stack.layout.region:<8} {federation.gateway_url(stack.layout)}  (data in {stack.layout.data_dir})")
    print(f"  regions' admin: phone {ADMIN_PHONE}, password {ADMIN_PASSWORD}")
    print(f"  central auditor: phone {federation.AUDITOR_PHONE}, password {federation.AUDITOR_PASSWORD}")
    print(f"  merged statistics: GET {federation.gateway_url(stacks[-1].layout)}api/v1/federation/stats")
    return 0


def backup_main(stack: Stack, command: str, args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m devstack {command}")
    if command == "backup":
        parser.add_argument("--out", type=Path, help="directory of the archive (default: .jiceng/backups)")
    else:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true", help="replace what the region holds")
    options = parser.parse_args(args)
    try:
        if command == "backup":
            report = backup.backup_stack(stack, options.out)
        else:
            stack, report = backup.restore_stack(stack, options.archive, force=options.force)
    except backup.BackupError as e:
        print(f"{command} failed: {e}", file=sys.stderr)
        return 1
    print(report.summary(), end="")
    if command == "restore":
        print(f"region '{stack.layout.region}' restored and up: http://127.0.0.1:{stack.layout.gateway_port}/app/")
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "federation":
        return federation_main(argv[1] if len(argv) > 1 else "")
    stack = Stack(Layout.from_env(ROOT), ROOT)
    lay = stack.layout
    if command == "up":
        stack.up()
        print(seed(stack), end="")
        print(announce(stack), end="")
        print(f"\nJiceng region '{lay.region}' is up (data in {lay.data_dir}, logs in {lay.log_dir}).")
        print(
            f"  web app:  http://127.0.0.1:{lay.gateway_port}/app/    API docs: http://127.0.0.1:{lay.gateway_port}/docs"
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
    elif command in ("backup", "restore"):
        return backup_main(stack, command, argv[1:])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
