"""orgs' event worker (nameko, eventlet): `python -m services.orgs.worker`.

Mirrors identity's accounts (who may be made a member); keeps meetings' org paths after tree moves.
"""

import eventlet

eventlet.monkey_patch()  # must precede every other import in a worker process

from kernel import config as kconfig
from kernel import store
from kernel.config import BusConfig, StoreConfig
from kernel.events import Event, handles
from kernel.worker import run
from services.orgs import events, life, network, worker_network
from services.orgs import store as orgs_store
from services.orgs.store import Person


class WorkerConfig(StoreConfig, BusConfig):
    pass


class PeopleMirror:
    name = "orgs_people_mirror"

    @handles(events.IDENTITY, events.ACCOUNT_REGISTERED)
    def account_registered(self, event: Event) -> None:
        d = event.data
        Person.in_tenant(event.tenant).filter(account_id=d["account_id"]).update_one(
            upsert=True, set__display_name=d.get("display_name", ""), set__phone_masked=d.get("phone_masked", "")
        )


class MeetingPaths:
    """A moved or merged subtree takes its meetings along (they keep their org's path for reports)."""

    name = "orgs_meeting_paths"

    @handles(events.SOURCE, events.ORG_MOVED)
    def org_moved(self, event: Event) -> None:
        life.follow_tree(event.tenant, event.data["org_id"])

    @handles(events.SOURCE, events.ORG_MERGED)
    def org_merged(self, event: Event) -> None:
        life.follow_tree(event.tenant, event.data["target_id"])


def main() -> None:
    config = kconfig.load(WorkerConfig)

    def on_start() -> None:
        store.connect(config, "orgs")
        orgs_store.ensure_indexes()
        network.ensure_indexes()

    run("orgs-worker", config, PeopleMirror, MeetingPaths, worker_network.ContactPaths, on_start=on_start)


if __name__ == "__main__":
    main()
