"""geo's event workers (nameko, eventlet): `python -m services.geo.worker`.

geo's copy of the org tree and people's home orgs (kernel/home_orgs.py) with their current cities following
them, where orgs are (places.py), who is a mobile member (whereabouts.py), and the retention job."""

import eventlet

eventlet.monkey_patch()  # must precede every other import in a worker process

import logging

from nameko.timer import timer

from kernel import config as kconfig
from kernel import home_orgs, store
from kernel.events import Event, handles
from kernel.mirroring import ORGS, HomeOrgMirror
from kernel.person_data import erasure_worker
from kernel.worker import run
from services.geo import events, places, privacy, retention, whereabouts
from services.geo import store as geo_store
from services.geo.settings import GeoWorkerConfig

log = logging.getLogger(__name__)

CONFIG: GeoWorkerConfig | None = None


def _base(method: str):
    """HomeOrgMirror's own handling of an event (its undecorated method), for a handler that adds to it."""
    return getattr(HomeOrgMirror, method).__wrapped__


class Mirror(HomeOrgMirror):
    """The org tree and home orgs (kernel/mirroring.py); a person's current city follows their home org, and
    org places follow the tree, in the same handler (so in order)."""

    name = "geo_mirror"
    mirror = home_orgs

    @handles(ORGS, "org_created")
    def org_created(self, event: Event) -> None:
        _base("org_created")(self, event)
        places.org_created(event.tenant, event.data)

    @handles(ORGS, "org_moved")
    def org_moved(self, event: Event) -> None:
        _base("org_moved")(self, event)
        d = event.data
        places.org_moved(event.tenant, d["org_id"], list(d["old_path"]), list(d["new_path"]))
        whereabouts.follow_move(event.tenant, d["org_id"])

    @handles(ORGS, "org_merged")
    def org_merged(self, event: Event) -> None:
        _base("org_merged")(self, event)
        places.org_gone(event.tenant, event.data["source_id"])

    @handles(ORGS, "membership_added")
    def membership_added(self, event: Event) -> None:
        _base("membership_added")(self, event)
        whereabouts.follow_home(event.tenant, event.data["account_id"])

    @handles(ORGS, "memberships_imported")
    def memberships_imported(self, event: Event) -> None:
        _base("memberships_imported")(self, event)
        for m in event.data["members"]:
            whereabouts.follow_home(event.tenant, m["account_id"])

    @handles(ORGS, "membership_status_changed")
    def membership_status_changed(self, event: Event) -> None:
        _base("membership_status_changed")(self, event)
        whereabouts.follow_home(event.tenant, event.data["account_id"])

    @handles(ORGS, "transfer_completed")
    def transfer_completed(self, event: Event) -> None:
        _base("transfer_completed")(self, event)
        whereabouts.follow_home(event.tenant, event.data["account_id"])


class Places:
    """Org changes that do not touch the tree: names, addresses, locations, dissolution."""

    name = "geo_places"

    @handles(events.ORGS, events.ORG_UPDATED)
    def org_updated(self, event: Event) -> None:
        places.org_updated(event.tenant, event.data["org_id"], dict(event.data.get("changes") or {}))

    @handles(events.ORGS, events.ORG_DISSOLVED)
    def org_dissolved(self, event: Event) -> None:
        places.org_gone(event.tenant, event.data["org_id"])


class Mobility:
    """Who is a mobile member now (流动党员): their city counts among the mobile members'."""

    name = "geo_mobility"

    @handles(events.ORGS, events.MOBILE_OUTFLOW_REGISTERED)
    def outflow(self, event: Event) -> None:
        whereabouts.set_mobile(event.tenant, event.data["account_id"], True)

    @handles(events.ORGS, events.MOBILE_PERIOD_ENDED)
    def ended(self, event: Event) -> None:
        whereabouts.set_mobile(event.tenant, event.data["account_id"], False)


class Retention:
    name = "geo_retention"

    @timer(interval=60)
    def sweep(self) -> None:
        # nameko's timer interval is fixed at import; the job itself runs every GEO_RETENTION_SECONDS
        global _last_sweep
        import time

        if time.monotonic() - _last_sweep < CONFIG.geo_retention_seconds:
            return
        _last_sweep = time.monotonic()
        swept = retention.run(CONFIG.region)
        log.info("geo retention", extra=swept.__dict__)


_last_sweep = float("-inf")


def main() -> None:
    global CONFIG
    config = CONFIG = kconfig.load(GeoWorkerConfig)

    def on_start() -> None:
        store.connect(config, "geo")
        geo_store.ensure_indexes()

    # Two handlers at a time per class: geo's copies are not urgent, and a burst of orgs' events (a roster
    # import creating hundreds of orgs) applied ten at a time by every service's worker saturates the database
    # the users' requests need (a fresh-clone test run saw registrations time out during one).
    erasure = erasure_worker("geo", privacy.erase)
    run("geo-worker", config, Mirror, Places, Mobility, Retention, erasure, on_start=on_start, max_workers=2)


if __name__ == "__main__":
    main()
