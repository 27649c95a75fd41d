"""The PersonDataService every service serves (protos/jiceng/privacy/v1), and the worker that erases a deleted
account's data (identity's account_deleted event), both built from the service's `privacy.py`."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import mongoengine as me

from jiceng.privacy.v1 import privacy_pb2 as pb
from jiceng.privacy.v1 import privacy_pb2_grpc
from kernel import context
from kernel.erasure import Holding, section
from kernel.events import Event, handles

SERVICE = "jiceng.privacy.v1.PersonDataService"
IDENTITY = "identity"
ACCOUNT_DELETED = "account_deleted"

log = logging.getLogger(__name__)

Blocker = tuple[str, dict[str, str]]


def database():
    return me.get_db()


class PersonDataApi(privacy_pb2_grpc.PersonDataServiceServicer):
    """A service's part of the member's export (its holdings, plus `extra`) and its reasons to refuse deletion."""

    def __init__(
        self,
        service: str,
        holdings: list[Holding],
        extra: Callable[[str, str], dict[str, Any]] | None = None,
        blockers: Callable[[str, str], list[Blocker]] | None = None,
    ):
        self.service = service
        self.holdings = holdings
        self.extra = extra
        self.blockers = blockers

    def ExportPersonData(self, request, servicer_context):
        ctx = context.current()
        who = ctx.require_actor().account_id
        more = self.extra(ctx.tenant, who) if self.extra else {}  # noqa: S610 - not Django: a function
        data = section(database(), ctx.tenant, who, self.holdings, **more)
        return pb.PersonDataExport(service=self.service, json=json.dumps(data, ensure_ascii=False, default=str))

    def CheckDeletion(self, request, servicer_context):
        ctx = context.current()
        who = ctx.require_actor().account_id
        found = self.blockers(ctx.tenant, who) if self.blockers else []
        return pb.DeletionCheck(blockers=[pb.DeletionBlocker(key=k, params=p) for k, p in found])


def erasure_worker(service: str, erase: Callable[[str, str], dict[str, int]]) -> type:
    """A nameko worker class erasing a deleted account's data in this service (idempotent: erase twice, same)."""

    class Erasure:
        name = f"{service}_erasure"

        @handles(IDENTITY, ACCOUNT_DELETED)
        def account_deleted(self, event: Event) -> None:
            changed = erase(event.tenant, event.data["account_id"])
            log.info("account erased", extra={"account_id": event.data["account_id"], "changed": changed})

    Erasure.__name__ = Erasure.__qualname__ = f"{service.capitalize()}Erasure"
    return Erasure


def servicer(service: str, holdings: list[Holding], extra=None, blockers=None) -> tuple:
    """The line of a server's SERVICERS serving PersonDataService for this service."""
    return (
        lambda: PersonDataApi(service, holdings, extra, blockers),
        privacy_pb2_grpc.add_PersonDataServiceServicer_to_server,
        SERVICE,
    )
