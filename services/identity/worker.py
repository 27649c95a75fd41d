"""identity's event worker (nameko, eventlet): `python -m services.identity.worker`.

Mirrors the org tree from orgs' events (for permission decisions). One-time codes are delivered by the sms
service (it consumes otp_requested).
"""

import eventlet

eventlet.monkey_patch()  # must precede every other import in a worker process

import logging

from kernel import config as kconfig
from kernel import store
from kernel.config import BusConfig, StoreConfig
from kernel.events import Event, handles
from kernel.worker import run
from services.identity import events, roles
from services.identity import store as identity_store

log = logging.getLogger("identity.worker")


class WorkerConfig(StoreConfig, BusConfig):
    pass


class OrgTreeMirror:
    name = "identity_org_mirror"

    @handles(events.ORGS, events.ORG_CREATED)
    def org_created(self, event: Event) -> None:
        d = event.data
        roles.mirror_org_created(event.tenant, d["org_id"], d.get("name", ""), list(d["path"]))

    @handles(events.ORGS, events.ORG_MOVED)
    def org_moved(self, event: Event) -> None:
        d = event.data
        roles.mirror_org_moved(event.tenant, d["org_id"], list(d["old_path"]), list(d["new_path"]))

    @handles(events.ORGS, events.ORG_DISSOLVED)
    def org_dissolved(self, event: Event) -> None:
        roles.mirror_org_dissolved(event.tenant, event.data["org_id"])

    @handles(events.ORGS, events.ROLE_ASSIGNED)
    def role_assigned(self, event: Event) -> None:
        d = event.data
        roles.apply_org_role(event.tenant, d["account_id"], d["role"], d["org_id"], event.actor_id, assigned=True)

    @handles(events.ORGS, events.ROLE_REMOVED)
    def role_removed(self, event: Event) -> None:
        d = event.data
        roles.apply_org_role(event.tenant, d["account_id"], d["role"], d["org_id"], event.actor_id, assigned=False)

    @handles(events.ORGS, events.MEMBERSHIPS_IMPORTED)
    def memberships_imported(self, event: Event) -> None:
        # A replay (orgs' `manage announce`) carries a snapshot that may be older than a role_removed
        # already applied: granting from it could restore a revoked role, so identity takes none.
        if not event.data.get("replay"):
            roles.apply_imported_roles(event.tenant, event.data["members"], event.actor_id)


def main() -> None:
    config = kconfig.load(WorkerConfig)

    def on_start() -> None:
        store.connect(config, "identity")
        identity_store.ensure_indexes()

    run("identity-worker", config, OrgTreeMirror, on_start=on_start)


if __name__ == "__main__":
    main()
