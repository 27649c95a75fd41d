"""MongoDB through mongoengine: connection, tenant-scoped documents, and the unit of work.

Every document of a service inherits `TenantDocument`, and every lookup goes through
`Model.in_tenant(tenant)`, so a query can't forget its region. A write and the events announcing it
commit together in one transaction (`atomically`), the outbox relay publishes them afterwards.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import mongoengine as me
from bson import ObjectId
from bson.errors import InvalidId
from pymongo import MongoClient, WriteConcern, monitoring
from pymongo.client_session import ClientSession
from pymongo.read_concern import ReadConcern

from kernel.config import StoreConfig
from kernel.metrics import DB_COMMAND_SECONDS, DB_COMMANDS, DB_TRANSACTION_RETRIES

T = TypeVar("T")

MAJORITY = WriteConcern(w="majority", wtimeout=10_000)
DUPLICATE_KEY = 11000
SLOW_COMMAND_MS = 1000  # a database command or a transaction this slow is logged, with what it was

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def database_name(config: StoreConfig, service: str) -> str:
    return config.mongo_db or f"{config.region.replace('-', '_')}_{service}"


def connect(config: StoreConfig, service: str, **client_options: Any) -> MongoClient:
    """Connect mongoengine's default alias to the service's own database (majority writes).

    client_options go to pymongo's MongoClient (tests pass event_listeners to count round trips)."""
    client_options["event_listeners"] = [*client_options.get("event_listeners", []), SlowCommandLog()]
    me.disconnect(alias="default")
    me.connect(
        db=database_name(config, service),
        host=config.mongo_uri,
        alias="default",
        tz_aware=True,
        uuidRepresentation="standard",
        w="majority",
        wtimeoutMS=10_000,
        retryWrites=True,
        serverSelectionTimeoutMS=5_000,
        connect=False,
        **client_options,
    )
    prepare_collections(service)
    return me.get_connection(alias="default")


def prepare_collections(service: str) -> None:
    """Create the collection and indexes of every model of this service (and the kernel's) imported so far,
    now, as the process starts, instead of on each model's first use. A process started by devstack is
    ready only after this, so collections are not created by one process while another's transaction
    writes to them: SecantusDB 0.7 was seen to hang for good in that case (a createIndexes that creates the
    collection spinning inside WiredTiger under the server's global lock, at a new region's seed)."""
    from mongoengine.base.common import _document_registry

    own = (f"services.{service}.", "kernel.")
    for model in list(_document_registry.values()):
        if (
            isinstance(model, type)
            and issubclass(model, me.Document)
            and not model._meta.get("abstract")
            and model.__module__.startswith(own)
        ):
            model.ensure_indexes()


class SlowCommandLog(monitoring.CommandListener):
    """Counts database commands and the time they took (by command and collection: jiceng_db_commands_total,
    jiceng_db_command_seconds_total) and logs those slower than SLOW_COMMAND_MS and failed ones (a write
    conflict, a timeout), so a stall seen by a caller leaves its cause in the service's log."""

    def __init__(self) -> None:
        self._targets: dict[int, str] = {}  # request id -> collection, while the command runs

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        self._targets[event.request_id] = target if isinstance(target, str) else ""

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        target = self._targets.pop(event.request_id, "")
        DB_COMMANDS.labels(event.command_name, target).inc()
        DB_COMMAND_SECONDS.labels(event.command_name, target).inc(event.duration_micros / 1e6)
        if event.duration_micros >= SLOW_COMMAND_MS * 1000:
            log.warning(
                "slow database command",
                extra={"command": event.command_name, "collection": target, "ms": event.duration_micros / 1000},
            )

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        target = self._targets.pop(event.request_id, "")
        DB_COMMANDS.labels(event.command_name, target).inc()
        DB_COMMAND_SECONDS.labels(event.command_name, target).inc(event.duration_micros / 1e6)
        failure = event.failure if isinstance(event.failure, dict) else {}
        if failure.get("code") == DUPLICATE_KEY:  # expected: the callers turn it into an answer
            return
        log.info(
            "database command failed",
            extra={
                "command": event.command_name,
                "collection": target,
                "ms": event.duration_micros / 1000,
                "error_code": failure.get("code"),
                "error": str(failure.get("codeName") or failure.get("errmsg") or event.failure)[:200],
            },
        )


def client() -> MongoClient:
    return me.get_connection(alias="default")


def object_id(value: str) -> ObjectId | None:
    """An id from a request as stored, or None for one that cannot be ours (the caller answers NOT_FOUND, as
    for an unknown id)."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


class TenantDocument(me.Document):
    """Base of every stored document: it belongs to one tenant (region)."""

    meta = {"abstract": True}
    tenant = me.StringField(required=True)

    @classmethod
    def ensure_indexes(cls) -> None:
        """The model's own indexes, and (tenant, _id): lookups by id are always made within a tenant,
        and SecantusDB scans the collection for {tenant, _id} unless an index holds both."""
        super().ensure_indexes()
        cls._get_collection().create_index([("tenant", 1), ("_id", 1)], name="tenant_1__id_1")

    @classmethod
    def in_tenant(cls, tenant: str) -> me.QuerySet:
        if not tenant:
            raise ValueError(f"{cls.__name__}: a query needs a tenant")
        return cls.objects(tenant=tenant)

    @classmethod
    def by_id(cls, tenant: str, value: str):
        """The tenant's document of this ObjectId (as a request gives it), or None: unknown or malformed."""
        oid = object_id(value)
        return cls.in_tenant(tenant).filter(id=oid).first() if oid is not None else None


# -- unit of work --------------------------------------------------------------------------------------

_after_commit_hooks: list[Callable[[list[dict[str, Any]]], None]] = []
_hooks_lock = threading.Lock()


def on_commit(hook: Callable[[list[dict[str, Any]]], None]) -> None:
    """Run hook(envelopes) after every committed unit of work that emitted events, with those events as they
    will be published (the outbox relay publishes them at once instead of looking them up)."""
    with _hooks_lock:
        _after_commit_hooks.append(hook)


def off_commit(hook: Callable[[list[dict[str, Any]]], None]) -> None:
    with _hooks_lock:
        if hook in _after_commit_hooks:
            _after_commit_hooks.remove(hook)


_watchers: dict[type, list[Callable[[str, list[Any]], None]]] = {}


def watch(model: type[TenantDocument], callback: Callable[[str, list[Any]], None]) -> None:
    """Call callback(tenant, ids) after each committed unit of work that updated documents of model by
    `_id` (`UnitOfWork.update_one` with an `_id` in its query): a cache of those documents forgets them."""
    with _hooks_lock:
        _watchers.setdefault(model, []).append(callback)


class UnitOfWork:
    """Writes made through one transaction; documents are validated by mongoengine before writing."""

    def __init__(self, tenant: str, session: ClientSession):
        self.tenant = tenant
        self.session = session
        self.emitted: list[dict[str, Any]] = []  # the events' envelopes, for on_commit hooks
        self.updated: dict[type, list[Any]] = {}  # watched models' ids updated (see watch)

    def insert(self, doc: TenantDocument) -> TenantDocument:
        if doc.tenant != self.tenant:
            raise ValueError("a unit of work writes one tenant's documents only")
        doc.validate()
        result = doc._get_collection().insert_one(doc.to_mongo(), session=self.session)
        doc.pk = result.inserted_id
        doc._created = False
        return doc

    def insert_many(self, docs: list[TenantDocument]) -> None:
        """Insert documents of one model in one round trip (bulk imports); validated like insert."""
        if not docs:
            return
        for doc in docs:
            if doc.tenant != self.tenant:
                raise ValueError("a unit of work writes one tenant's documents only")
            doc.validate()
        result = type(docs[0])._get_collection().insert_many([d.to_mongo() for d in docs], session=self.session)
        for doc, inserted in zip(docs, result.inserted_ids, strict=True):
            doc.pk = inserted
            doc._created = False

    def insert_rows(self, model: type[TenantDocument], rows: list[dict[str, Any]]) -> None:
        """Insert rows already in the model's stored form (dicts) in one round trip: for bulk writes of
        thousands, where a mongoengine document per row costs ~0.25 ms of CPU each. The first row is
        checked against the model, so a row shape that drifts from it fails loudly."""
        if not rows:
            return
        if any(row.get("tenant") != self.tenant for row in rows):
            raise ValueError("a unit of work writes one tenant's documents only")
        model._from_son(rows[0]).validate()
        model._get_collection().insert_many(rows, session=self.session)

    def get(self, model: type[TenantDocument], doc_id: Any) -> Any:
        """A document of this tenant as this transaction sees it (its own writes included), or None."""
        row = model._get_collection().find_one({"_id": doc_id, "tenant": self.tenant}, session=self.session)
        return model._from_son(row) if row is not None else None

    def update_one(self, model: type[TenantDocument], query: dict, update: dict) -> int:
        """Update one document of this tenant; returns how many matched (0 or 1)."""
        query = {**query, "tenant": self.tenant}
        matched = model._get_collection().update_one(query, update, session=self.session).matched_count
        if matched and "_id" in query and model in _watchers:
            self.updated.setdefault(model, []).append(query["_id"])
        return matched

    def update_many(self, model: type[TenantDocument], query: dict, update: dict) -> int:
        query = {**query, "tenant": self.tenant}
        return model._get_collection().update_many(query, update, session=self.session).modified_count

    def emit(self, source: str, event_type: str, data: dict[str, Any], actor_id: str = "") -> str:
        """Add an event to the outbox in this transaction; returns its id."""
        from kernel.outbox import new_event  # late import: outbox depends on this module

        event = new_event(self.tenant, source, event_type, data, actor_id)
        self.insert(event)
        self.emitted.append(event.envelope())
        return event.pk

    def emit_many(self, source: str, events: list[tuple[str, dict[str, Any]]], actor_id: str = "") -> int:
        """Add many (event type, data) to the outbox in one round trip; returns how many."""
        from kernel.outbox import OutboxEvent, envelope_of, event_row

        batch = [event_row(self.tenant, source, event_type, data, actor_id) for event_type, data in events]
        self.insert_rows(OutboxEvent, batch)
        self.emitted += [envelope_of(row) for row in batch]
        return len(batch)


def _work_name(work: Callable) -> str:
    """'deliver.write' for a function write defined in deliver: where the retried transaction comes from."""
    return getattr(work, "__qualname__", type(work).__name__).replace("<locals>.", "")


def atomically(tenant: str, work: Callable[[UnitOfWork], T]) -> T:
    """Run work(uow) in a transaction, retried on transient conflicts; events commit with the data."""
    uow_holder: list[UnitOfWork] = []  # one per attempt (conflicts are retried)
    started = time.monotonic()

    def callback(session: ClientSession) -> T:
        uow = UnitOfWork(tenant, session)
        uow_holder.append(uow)
        return work(uow)

    with client().start_session() as session:
        result = session.with_transaction(callback, read_concern=ReadConcern("majority"), write_concern=MAJORITY)
    took = time.monotonic() - started
    if len(uow_holder) > 1:  # conflicts: the same documents written at once (kernel/turns.py can help)
        DB_TRANSACTION_RETRIES.labels(_work_name(work)).inc(len(uow_holder) - 1)
    if took * 1000 >= SLOW_COMMAND_MS:
        log.warning("slow transaction", extra={"ms": round(took * 1000, 1), "attempts": len(uow_holder)})
    committed = uow_holder[-1]  # the attempt that committed
    for model, ids in committed.updated.items():
        for callback in _watchers.get(model, ()):
            callback(tenant, ids)
    if committed.emitted:
        with _hooks_lock:
            hooks = list(_after_commit_hooks)
        for hook in hooks:
            hook(committed.emitted)
    return result
