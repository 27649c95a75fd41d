"""Custom apps (个性化应用): the region's app catalog and orgs' own apps, installs and pushes to a subtree, each
org's menu, and the built-in kinds — forms and surveys (submissions, .xlsx export) and link pages.

Who: region admins keep the catalog (`app.catalog`); those with `app.manage` on an org (its officers, and the
officers above) define the org's own apps, install apps on it (with `subtree`, pushed to every org below),
arrange its menu, and read and export the submissions of its subtree. A member uses the apps of their home
org's menu. A push is one row on the pushing org, read by every org below with its path: pushing to a
province writes nothing per branch. Every export of submissions is recorded (who, when, how many rows).
"""

from __future__ import annotations

import secrets

import mongoengine as me
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from kernel import messages, sheets
from kernel.clock import now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.paging import page
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, events, people
from services.content.domain import apps as rules
from services.content.domain import inputs
from services.content.domain import webhooks as hook_rules
from services.content.settings import webhooks_allow_private

MANAGE = "app.manage"
CATALOG = "app.catalog"
ACTIVE, RETIRED = "active", "retired"
EXPORT_MAX = 50_000  # submissions in one .xlsx


class App(TenantDocument):
    owner_org_id = me.StringField(default="")  # "": the region's catalog
    kind = me.StringField(required=True)  # form, links
    name = me.StringField(required=True)
    description = me.StringField(default="")
    form_fields = me.ListField(me.DictField())  # form: rules.Field as dicts
    links = me.ListField(me.DictField())  # links: rules.Link as dicts
    webhook = me.DictField()  # webhook: {endpoint, events} (services/content/webhooks.py)
    one_per_member = me.BooleanField(default=False)  # a survey: each member submits once
    state = me.StringField(default=ACTIVE)
    created_by = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)

    meta = {"collection": "apps", "indexes": [("tenant", "owner_org_id", "state", "id")]}


class AppInstall(TenantDocument):
    org_id = me.StringField(required=True)
    app_id = me.StringField(required=True)
    subtree = me.BooleanField(default=False)  # pushed to every org below
    secret = me.StringField(default="")  # a webhook app's signing secret, shown once, when installed
    installed_by = me.StringField(required=True)
    installed_at = me.DateTimeField(required=True)

    meta = {
        "collection": "app_installs",
        "indexes": [{"fields": ["tenant", "org_id", "app_id"], "unique": True}, ("tenant", "app_id", "org_id")],
    }


class AppMenu(TenantDocument):
    org_id = me.StringField(required=True)
    app_ids = me.ListField(me.StringField())  # the org's arrangement

    meta = {"collection": "app_menus", "indexes": [{"fields": ["tenant", "org_id"], "unique": True}]}


class FormSubmission(TenantDocument):
    app_id = me.StringField(required=True)
    once_key = me.StringField(required=True)  # the member for a survey (one each), else unique per submission
    account_id = me.StringField(required=True)
    org_id = me.StringField(default="")
    org_path = me.ListField(me.StringField())
    values = me.DictField()  # field key -> [text, …]
    submitted_at = me.DateTimeField(required=True)

    meta = {
        "collection": "app_submissions",
        "indexes": [
            {"fields": ["tenant", "app_id", "once_key"], "unique": True},
            ("tenant", "app_id", "org_path", "id"),
            ("tenant", "app_id", "account_id"),
        ],
    }


class SubmissionExport(TenantDocument):
    """That someone exported an org's submissions of a form: who, when, how many rows."""

    app_id = me.StringField(required=True)
    org_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    rows = me.IntField(required=True)
    at = me.DateTimeField(required=True)

    meta = {"collection": "app_submission_exports", "indexes": [("tenant", "app_id", "at")]}


DOCUMENTS = (App, AppInstall, AppMenu, FormSubmission, SubmissionExport)


def fields_of(app: App) -> list[rules.Field]:
    return [rules.Field(**{**f, "options": tuple(f.get("options", ()))}) for f in app.form_fields]


def _field_dict(f: rules.Field) -> dict:
    return {**f.__dict__, "options": list(f.options)}


# -- lookups and rights --------------------------------------------------------------------------------


def _app(app_id: str) -> App:
    app = App.by_id(access.tenant(), app_id)
    if app is None:
        raise DomainError(ErrorCode.NOT_FOUND, "app_not_found", "app_id")
    return app


def _may_define(owner_org_id: str) -> bool:
    return access.may_in_region(CATALOG) if not owner_org_id else access.may(MANAGE, owner_org_id)


def _installs_on(path: list[str] | tuple[str, ...], app_id: str | None = None) -> list[AppInstall]:
    """Installs on the orgs of a path: the last org's own, and the pushes (subtree) of the orgs above it."""
    if not path:
        return []
    query = AppInstall.in_tenant(access.tenant()).filter(org_id__in=list(path))
    if app_id is not None:
        query = query.filter(app_id=app_id)
    return [i for i in query if i.org_id == path[-1] or i.subtree]


def _available_to_caller(app: App) -> bool:
    """The app is on the caller's home org's menu (installed there, or pushed from above)."""
    path = access.reader().org_path
    return app.state == ACTIVE and bool(_installs_on(path, str(app.id)))


def readable(app_id: str) -> tuple[App, bool]:
    """The app and whether the caller manages it; NOT_FOUND unless it is on their menu or theirs to manage
    (the catalog is open to everyone of the region)."""
    app = _app(app_id)
    manager = _may_define(app.owner_org_id)
    if manager or not app.owner_org_id or _available_to_caller(app):
        return app, manager
    raise DomainError(ErrorCode.NOT_FOUND, "app_not_found", "app_id")


# -- defining ------------------------------------------------------------------------------------------


def define(
    owner_org_id: str,
    kind: str,
    name: str,
    description: str,
    fields: list[rules.Field],
    links: list[rules.Link],
    one_per_member: bool,
    webhook: tuple[str, list[str]] = ("", []),
) -> App:
    """An app of the region's catalog (owner_org_id "") or of an org; webhook: (endpoint, events)."""
    if owner_org_id:
        owner_org_id = inputs.one_id(owner_org_id, "org_id")
        access.org_path(owner_org_id)
    if not _may_define(owner_org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "app_define_denied", "org_id")
    now, who = now_ms(), access.actor().account_id
    app = App(
        tenant=access.tenant(),
        owner_org_id=owner_org_id,
        kind=rules.kind(kind),
        name=rules.name(name),
        description=rules.description(description),
        created_by=who,
        created_at=now,
        updated_at=now,
        one_per_member=one_per_member and kind == rules.FORM,
    )
    if app.kind == rules.FORM:
        app.form_fields = [_field_dict(f) for f in rules.fields(fields)]
    elif app.kind == rules.LINKS:
        app.links = [link.__dict__ for link in rules.links(links)]
    else:
        endpoint, subscribed = webhook
        allowed = webhooks_allow_private()
        app.webhook = {"endpoint": hook_rules.endpoint(endpoint, allowed), "events": hook_rules.events(subscribed)}
    return atomically(access.tenant(), lambda uow: uow.insert(app))


def retire(app_id: str) -> App:
    """Take the app off every menu (its submissions stay, for export)."""
    app = _app(app_id)
    if not _may_define(app.owner_org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "app_define_denied", "app_id")
    atomically(
        access.tenant(),
        lambda uow: uow.update_one(App, {"_id": app.id}, {"$set": {"state": RETIRED, "updated_at": now_ms()}}),
    )
    return _app(app_id)


def catalog(page_size: int, cursor: str) -> tuple[list[App], str]:
    return page(App.in_tenant(access.tenant()).filter(owner_org_id="", state=ACTIVE), page_size, cursor)


def own_apps(org_id: str, page_size: int, cursor: str) -> tuple[list[App], str]:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    return page(App.in_tenant(access.tenant()).filter(owner_org_id=org_id, state=ACTIVE), page_size, cursor)


# -- installing and the menu ---------------------------------------------------------------------------


def install(org_id: str, app_id: str, subtree: bool) -> AppInstall:
    """Put an app on the org's menu (with subtree, on every org's below too). The app is the catalog's, the
    org's own, or one of an org above it."""
    org_id = inputs.one_id(org_id, "org_id")
    path = access.org_path(org_id)
    access.require(MANAGE, org_id)
    app = _app(app_id)
    if app.state != ACTIVE:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "app_retired", "app_id")
    if app.owner_org_id and app.owner_org_id not in path:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "app_not_installable_here", "app_id")
    row = AppInstall(
        tenant=access.tenant(),
        org_id=org_id,
        app_id=str(app.id),
        subtree=subtree,
        secret=secrets.token_urlsafe(32) if app.kind == rules.WEBHOOK else "",
        installed_by=access.actor().account_id,
        installed_at=now_ms(),
    )

    def write(uow: UnitOfWork) -> AppInstall:
        uow.insert(row)
        uow.emit(
            events.SOURCE,
            events.APP_INSTALLED,
            {"org_id": org_id, "app_id": str(app.id), "subtree": subtree, "name": app.name},
            access.actor().account_id,
        )
        return row

    try:
        return atomically(access.tenant(), write)
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "app_already_installed", "app_id") from None


def uninstall(org_id: str, app_id: str) -> None:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    tenant = access.tenant()
    removed = AppInstall._get_collection().delete_one({"tenant": tenant, "org_id": org_id, "app_id": app_id})
    if not removed.deleted_count:
        raise DomainError(ErrorCode.NOT_FOUND, "app_not_installed", "app_id")  # pushed from above: not theirs


def _menu_apps(path: list[str] | tuple[str, ...]) -> tuple[list[App], set[str], dict[str, str]]:
    """The active apps of the menu of path's last org, which of them were pushed from above, and by whom."""
    installs = _installs_on(path)
    org_id = path[-1]
    pushed_by = {i.app_id: i.org_id for i in installs if i.org_id != org_id}
    own = {i.app_id for i in installs if i.org_id == org_id}
    ids = list(dict.fromkeys(i.app_id for i in installs))
    found = {str(a.id): a for a in App.in_tenant(access.tenant()).filter(id__in=[ObjectId(i) for i in ids])}
    apps = [found[i] for i in ids if i in found and found[i].state == ACTIVE]
    return apps, set(pushed_by) - own, pushed_by


def menu(org_id: str) -> tuple[str, list[tuple[App, str]]]:
    """The org's menu (default: the caller's home org) in its order, each app with the org that pushed it
    ("" for the org's own). Members of the org's subtree and its managers may read it."""
    reader = access.reader()
    org_id = inputs.one_id(org_id, "org_id") if org_id else reader.org_id
    if not org_id:
        return "", []
    path = access.org_path(org_id)
    if org_id not in reader.org_path and not access.may(MANAGE, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "app_menu_outside", "org_id")
    apps, pushed, pushed_by = _menu_apps(path)
    arranged = AppMenu.in_tenant(access.tenant()).filter(org_id=org_id).first()
    by_id = {str(a.id): a for a in apps}
    order = rules.menu(list(by_id), pushed, arranged.app_ids if arranged else [])
    return org_id, [(by_id[i], pushed_by.get(i, "")) for i in order]


def arrange(org_id: str, app_ids: list[str]) -> tuple[str, list[tuple[App, str]]]:
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    order = rules.arrangement(app_ids)
    AppMenu._get_collection().update_one(
        {"tenant": access.tenant(), "org_id": org_id}, {"$set": {"app_ids": order}}, upsert=True
    )
    return menu(org_id)


# -- forms ---------------------------------------------------------------------------------------------


def submit(app_id: str, values: dict[str, list[str]]) -> FormSubmission:
    """The caller fills in a form of their menu (a survey: once)."""
    app = _app(app_id)
    if app.kind != rules.FORM or not _available_to_caller(app):
        raise DomainError(ErrorCode.NOT_FOUND, "app_not_found", "app_id")
    checked = rules.submission(fields_of(app), values)
    reader, now = access.reader(), now_ms()
    row = FormSubmission(
        tenant=access.tenant(),
        app_id=str(app.id),
        once_key=reader.account_id if app.one_per_member else str(ObjectId()),
        account_id=reader.account_id,
        org_id=reader.org_id,
        org_path=list(reader.org_path),
        values=checked,
        submitted_at=now,
    )
    try:
        return atomically(access.tenant(), lambda uow: uow.insert(row))
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "app_already_submitted", "app_id") from None


def my_submissions(app_id: str) -> list[FormSubmission]:
    app, _ = readable(app_id)
    query = FormSubmission.in_tenant(access.tenant()).filter(app_id=str(app.id), account_id=access.actor().account_id)
    return list(query.limit(100))


def _submissions_query(app_id: str, org_id: str):
    app = _app(app_id)
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    if not access.may(MANAGE, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "app_submissions_denied", "org_id")
    return app, org_id, FormSubmission.in_tenant(access.tenant()).filter(app_id=str(app.id), org_path=org_id)


def submissions(app_id: str, org_id: str, page_size: int, cursor: str) -> tuple[App, list[FormSubmission], str]:
    """Submissions by members of the org's subtree, oldest first, for those who manage apps there."""
    app, _, query = _submissions_query(app_id, org_id)
    rows, next_cursor = page(query, page_size, cursor)
    return app, rows, next_cursor


def export(app_id: str, org_id: str) -> tuple[bytes, str, int]:
    """(.xlsx content, file name, rows) of the org's subtree's submissions (headers in zh-CN); the export is
    recorded."""
    app, org_id, query = _submissions_query(app_id, org_id)
    rows = list(query.order_by("id").limit(EXPORT_MAX))
    names = people.names(r.account_id for r in rows)
    orgs = people.org_names(r.org_id for r in rows)
    form = fields_of(app)
    labels = ("app_export_name", "app_export_account", "app_export_org", "app_export_time")
    header = [*(messages.render(k, messages.DEFAULT_LOCALE) for k in labels), *(f.label for f in form)]
    table = [
        [
            names.get(r.account_id, ""),
            r.account_id,
            orgs.get(r.org_id, r.org_id),
            r.submitted_at.strftime("%Y-%m-%d %H:%M"),
            *("、".join(r.values.get(f.key, [])) for f in form),
        ]
        for r in rows
    ]
    content = sheets.write_xlsx({app.name: (header, table)})
    record = SubmissionExport(
        tenant=access.tenant(),
        app_id=str(app.id),
        org_id=org_id,
        account_id=access.actor().account_id,
        rows=len(rows),
        at=now_ms(),
    )
    atomically(access.tenant(), lambda uow: uow.insert(record))
    return content, f"{app.name}.xlsx", len(rows)
