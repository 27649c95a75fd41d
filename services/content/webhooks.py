"""Webhook deliveries: content's events, signed and POSTed to the endpoints of the webhook apps installed on the
orgs above them (domain/webhooks.py has the rules and the receiver's side of the signature).

The worker (worker.Webhooks) turns each subscribed event into one WebhookDelivery per matching install —
unique per (install, event), so a redelivered event plans nothing twice — and tries each at once; a failure
(no answer within the timeout, or a status that is not 2xx) is tried again on the backoff schedule by the
worker's timer, until it succeeds or is given up. Every try is recorded on the delivery (status, error, time)
for the installing org's managers. Before connecting, the endpoint's host is resolved and a private address
refused (unless the deployment allows them), so a name that points inside the region's network is no way in.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import mongoengine as me
from bson import ObjectId
from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError

from kernel.clock import now_ms
from kernel.paging import page
from kernel.store import TenantDocument
from services.content import access, apps, mirror
from services.content.domain import apps as app_rules
from services.content.domain import inputs
from services.content.domain import webhooks as rules
from services.content.settings import webhooks_allow_private

if TYPE_CHECKING:  # the worker's type (kernel.events brings nameko, which the gRPC server has no use for)
    from kernel.events import Event

log = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
TRIES = Counter("jiceng_webhook_tries_total", "Webhook delivery tries", ["outcome"])
DUE_BATCH = 50


class WebhookDelivery(TenantDocument):
    install_org_id = me.StringField(required=True)  # the org whose install it is (its managers see the log)
    app_id = me.StringField(required=True)
    event_id = me.StringField(required=True)
    event_type = me.StringField(required=True)
    endpoint = me.StringField(required=True)
    body = me.StringField(required=True)  # the JSON as signed and sent, the same on every try
    state = me.StringField(required=True)
    failures = me.IntField(default=0)
    next_at = me.DateTimeField()  # pending: when the next try is due
    last_status = me.IntField(default=0)
    last_error = me.StringField(default="")
    created_at = me.DateTimeField(required=True)
    delivered_at = me.DateTimeField()

    meta = {
        "collection": "webhook_deliveries",
        "indexes": [
            {"fields": ["tenant", "install_org_id", "app_id", "event_id"], "unique": True},
            ("tenant", "install_org_id", "app_id", "id"),
            ("state", "next_at"),  # the timer's due tries, across the region
        ],
    }


DOCUMENTS = (WebhookDelivery,)


# -- planning ------------------------------------------------------------------------------------------


def plan(event: Event, org_id: str) -> list[WebhookDelivery]:
    """The deliveries of an event of org_id: one per webhook app installed on an org of its path that
    subscribes to the event's type (written once; a redelivered event finds them written)."""
    tenant = event.tenant
    try:
        path = mirror.org_path(tenant, org_id)
    except mirror.MirrorLag:
        return []  # an org content never heard of has no installs
    installs = apps.AppInstall.in_tenant(tenant).filter(org_id__in=path)
    by_app: dict[str, list[apps.AppInstall]] = {}
    for install in installs:
        by_app.setdefault(install.app_id, []).append(install)
    if not by_app:
        return []
    found = apps.App.in_tenant(tenant).filter(id__in=[ObjectId(a) for a in by_app])  # (tenant, _id): the kind after
    planned, now = [], now_ms()
    for app in found:
        if app.kind != app_rules.WEBHOOK or app.state != apps.ACTIVE or event.type not in app.webhook.get("events", []):
            continue
        for install in by_app[str(app.id)]:
            body = json.dumps(
                {
                    "event_id": event.id,
                    "type": event.type,
                    "region": tenant,
                    "org_id": org_id,
                    "installed_on": install.org_id,
                    "occurred_at": event.occurred_at,
                    "data": event.data,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            delivery = WebhookDelivery(
                tenant=tenant,
                install_org_id=install.org_id,
                app_id=str(app.id),
                event_id=event.id,
                event_type=event.type,
                endpoint=app.webhook["endpoint"],
                body=body,
                state=PENDING,
                next_at=now,
                created_at=now,
            )
            try:
                delivery.save(force_insert=True)
            except (DuplicateKeyError, me.NotUniqueError):
                continue  # planned by an earlier delivery of this event
            planned.append(delivery)
    return planned


# -- trying --------------------------------------------------------------------------------------------


class Refused(Exception):
    """The endpoint may not be called (a private address, where they are not allowed)."""


def _check_host(url: str, allow_private: bool) -> None:
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    for info in socket.getaddrinfo(host, None):
        if not rules.public(ipaddress.ip_address(info[4][0])):
            raise Refused(f"{host} resolves to a private address")


def claim(delivery: WebhookDelivery) -> bool:
    """Take the pending delivery's next try for this worker (the timer and an event's first try may meet):
    a conditional update pushes its next_at past the try's timeout."""
    lease = now_ms() + dt.timedelta(seconds=rules.TIMEOUT_SECONDS * 6)
    taken = WebhookDelivery._get_collection().update_one(
        {"_id": delivery.id, "tenant": delivery.tenant, "state": PENDING, "next_at": delivery.next_at},
        {"$set": {"next_at": lease}},
    )
    return taken.modified_count == 1


def attempt(delivery: WebhookDelivery) -> bool:
    """One try of a claimed delivery; records the outcome and what comes next. True when delivered."""
    install = (
        apps.AppInstall.in_tenant(delivery.tenant)
        .filter(org_id=delivery.install_org_id, app_id=delivery.app_id)
        .first()
    )
    now = now_ms()
    if install is None or not install.secret:
        _record(delivery, FAILED, 0, "the app was uninstalled", None)
        TRIES.labels("dropped").inc()
        return False
    body = delivery.body.encode()
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - http(s) only: rules.endpoint checked the scheme
        delivery.endpoint,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Jiceng-Webhooks/1",
            "X-Jiceng-Event": delivery.event_type,
            "X-Jiceng-Delivery": str(delivery.id),
            "X-Jiceng-Signature": rules.signature(install.secret, timestamp, body),
        },
    )
    status, error = 0, ""
    try:
        _check_host(delivery.endpoint, webhooks_allow_private())
        with urllib.request.urlopen(request, timeout=rules.TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as err:
        status, error = err.code, f"HTTP {err.code}"
    except (Refused, OSError, ValueError) as err:
        error = str(err)[:300] or type(err).__name__
    if 200 <= status < 300:
        _record(delivery, DELIVERED, status, "", None, delivered_at=now)
        TRIES.labels("delivered").inc()
        return True
    retry_at = rules.next_try(delivery.failures + 1, now)
    _record(delivery, PENDING if retry_at else FAILED, status, error, retry_at, failed=True)
    TRIES.labels("retry" if retry_at else "given_up").inc()
    log.info(
        "webhook delivery failed",
        extra={"delivery": str(delivery.id), "status": status, "error": error, "retry": bool(retry_at)},
    )
    return False


def _record(delivery, state, status, error, next_at, failed=False, delivered_at=None) -> None:
    changes = {"state": state, "last_status": status, "last_error": error, "next_at": next_at}
    if delivered_at is not None:
        changes["delivered_at"] = delivered_at
    update = {"$set": changes, **({"$inc": {"failures": 1}} if failed else {})}
    WebhookDelivery._get_collection().update_one({"_id": delivery.id, "tenant": delivery.tenant}, update)


def due(limit: int = DUE_BATCH) -> list[WebhookDelivery]:
    """Pending deliveries whose next try is due, oldest first (every tenant this worker serves)."""
    query = WebhookDelivery.objects(state=PENDING, next_at__lte=now_ms()).order_by("next_at")
    return list(query.limit(limit))


# -- the log, for the installing org's managers -------------------------------------------------------


def log_of(org_id: str, app_id: str, page_size: int, cursor: str) -> tuple[list[WebhookDelivery], str]:
    """The deliveries of an app installed on the org, oldest first (those who manage apps there)."""
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(apps.MANAGE, org_id)
    query = WebhookDelivery.in_tenant(access.tenant()).filter(install_org_id=org_id, app_id=app_id)
    return page(query, page_size, cursor)
