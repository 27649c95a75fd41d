"""The handlers of orgs' events that keep a service's copy of the org tree and of people's home orgs.

content keeps such a copy (its `mirror.py`), media and sms the shared one of kernel/home_orgs.py (org paths
scope permissions, home orgs say who belongs where). The events and how they apply are the same for all;
each service's worker subclasses `HomeOrgMirror`, names its nameko service (`name`) and its mirror module,
and adds handlers of its own:

    class Mirror(HomeOrgMirror):
        name = "media_mirror"
        mirror = kernel.home_orgs

The mirror module provides org_created(tenant, org_id, name, path), org_moved(tenant, org_id, old_path,
new_path), org_merged(tenant, source_id, target_id), home_org(tenant, account_id, org_id, present) and
PRESENT (the membership statuses in which a person belongs to their org).
"""

from __future__ import annotations

from types import ModuleType

from kernel.events import Event, handles

ORGS = "orgs"


class HomeOrgMirror:
    name: str
    mirror: ModuleType

    @handles(ORGS, "org_created")
    def org_created(self, event: Event) -> None:
        d = event.data
        self.mirror.org_created(event.tenant, d["org_id"], d.get("name", ""), list(d["path"]))

    @handles(ORGS, "org_moved")
    def org_moved(self, event: Event) -> None:
        d = event.data
        self.mirror.org_moved(event.tenant, d["org_id"], list(d["old_path"]), list(d["new_path"]))

    @handles(ORGS, "org_merged")
    def org_merged(self, event: Event) -> None:
        self.mirror.org_merged(event.tenant, event.data["source_id"], event.data["target_id"])

    @handles(ORGS, "membership_added")
    def membership_added(self, event: Event) -> None:
        d = event.data
        self.mirror.home_org(event.tenant, d["account_id"], d["org_id"], d["status"] in self.mirror.PRESENT)

    @handles(ORGS, "memberships_imported")
    def memberships_imported(self, event: Event) -> None:
        for m in event.data["members"]:
            self.mirror.home_org(event.tenant, m["account_id"], m["org_id"], m["status"] in self.mirror.PRESENT)

    @handles(ORGS, "membership_status_changed")
    def membership_status_changed(self, event: Event) -> None:
        d = event.data
        self.mirror.home_org(event.tenant, d["account_id"], d["org_id"], d["to"] in self.mirror.PRESENT)

    @handles(ORGS, "transfer_completed")
    def transfer_completed(self, event: Event) -> None:
        d = event.data
        here = d.get("to_region", "") in ("", event.tenant)  # to another region: no home org here any more
        self.mirror.home_org(event.tenant, d["account_id"], d["to_org_id"] if here else "", here)
