"""The network's part of orgs' worker: contacts follow their owners' home orgs (services/orgs/network.py)."""

from __future__ import annotations

from kernel.events import Event, handles
from services.orgs import events, network


class ContactPaths:
    """Keeps each contact's copy of its owner's home org and path in step with memberships and the tree."""

    name = "orgs_contact_paths"

    @handles(events.SOURCE, events.MEMBERSHIP_ADDED)
    def membership_added(self, event: Event) -> None:
        network.sync_owner(event.tenant, event.data["account_id"])

    @handles(events.SOURCE, events.MEMBERSHIPS_IMPORTED)
    def memberships_imported(self, event: Event) -> None:
        network.sync_owners(event.tenant, [m["account_id"] for m in event.data["members"]])

    @handles(events.SOURCE, events.MEMBERSHIP_STATUS_CHANGED)
    def status_changed(self, event: Event) -> None:  # transferred out or deceased: no longer counted
        network.sync_owner(event.tenant, event.data["account_id"])

    @handles(events.SOURCE, events.ORG_MOVED)
    def org_moved(self, event: Event) -> None:
        network.sync_subtree(event.tenant, event.data["org_id"])

    @handles(events.SOURCE, events.ORG_MERGED)
    def org_merged(self, event: Event) -> None:
        network.sync_merged(event.tenant, event.data["source_id"], event.data["target_id"])

    @handles(events.SOURCE, events.TRANSFER_COMPLETED)
    def transfer_completed(self, event: Event) -> None:  # the owner's home org changed
        network.sync_owner(event.tenant, event.data["account_id"])
