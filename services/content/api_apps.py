"""The gRPC servicer of custom apps: messages ↔ calls of services/content/apps.py."""

from __future__ import annotations

from jiceng.content.v1 import app_pb2 as pb
from jiceng.content.v1 import app_pb2_grpc
from kernel.wire import timestamp
from services.content import apps, people, webhooks
from services.content.domain import apps as rules

SERVICE = "jiceng.content.v1.AppService"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _field(f: dict) -> pb.FormField:
    return pb.FormField(
        key=f["key"],
        label=f["label"],
        type=f["type"],
        required=f.get("required", False),
        options=f.get("options", []),
        max_length=f.get("max_length", 0),
        min_value=f.get("min_value"),
        max_value=f.get("max_value"),
        max_choices=f.get("max_choices", 0),
    )


def _app(app: apps.App, manageable: bool = False, pushed_by: str = "") -> pb.App:
    return pb.App(
        id=str(app.id),
        owner_org_id=app.owner_org_id,
        kind=app.kind,
        name=app.name,
        description=app.description,
        fields=[_field(f) for f in app.form_fields],
        links=[pb.AppLink(**link) for link in app.links],
        one_per_member=app.one_per_member,
        state=app.state,
        created_at=timestamp(app.created_at),
        manageable=manageable,
        pushed_by=pushed_by,
        webhook_endpoint=app.webhook.get("endpoint", "") if manageable else "",
        webhook_events=app.webhook.get("events", []),
    )


def _menu(org_id: str, rows) -> pb.AppMenu:
    return pb.AppMenu(org_id=org_id, apps=[_app(app, pushed_by=by) for app, by in rows])


def _submissions(rows: list[apps.FormSubmission], cursor: str = "") -> pb.FormSubmissions:
    names = people.names(r.account_id for r in rows)
    return pb.FormSubmissions(
        submissions=[
            pb.FormSubmission(
                id=str(r.id),
                app_id=r.app_id,
                account_id=r.account_id,
                display_name=names.get(r.account_id, ""),
                org_id=r.org_id,
                values=[pb.FieldValue(key=k, values=v) for k, v in r.values.items()],
                submitted_at=timestamp(r.submitted_at),
            )
            for r in rows
        ],
        next_cursor=cursor,
    )


def _input_field(f: pb.FormField) -> rules.Field:
    return rules.Field(
        f.key,
        f.label,
        f.type,
        f.required,
        tuple(f.options),
        f.max_length,
        f.min_value if f.HasField("min_value") else None,
        f.max_value if f.HasField("max_value") else None,
        f.max_choices,
    )


class AppApi(app_pb2_grpc.AppServiceServicer):
    def DefineApp(self, request, context):
        app = apps.define(
            request.owner_org_id,
            request.kind,
            request.name,
            request.description,
            [_input_field(f) for f in request.fields],
            [rules.Link(x.title, x.url, x.description) for x in request.links],
            request.one_per_member,
            (request.webhook_endpoint, list(request.webhook_events)),
        )
        return _app(app, manageable=True)

    def RetireApp(self, request, context):
        return _app(apps.retire(request.app_id), manageable=True)

    def GetApp(self, request, context):
        return _app(*apps.readable(request.app_id))

    def ListCatalog(self, request, context):
        rows, cursor = apps.catalog(request.page.page_size, request.page.cursor)
        return pb.AppList(apps=[_app(a) for a in rows], next_cursor=cursor)

    def ListOrgApps(self, request, context):
        rows, cursor = apps.own_apps(request.org_id, request.page.page_size, request.page.cursor)
        return pb.AppList(apps=[_app(a, manageable=True) for a in rows], next_cursor=cursor)

    def InstallApp(self, request, context):
        row = apps.install(request.org_id, request.app_id, request.subtree)
        return pb.AppInstall(
            org_id=row.org_id,
            app_id=row.app_id,
            subtree=row.subtree,
            installed_at=timestamp(row.installed_at),
            webhook_secret=row.secret,  # the only time it leaves the service
        )

    def UninstallApp(self, request, context):
        apps.uninstall(request.org_id, request.app_id)
        return _menu(*apps.menu(request.org_id))

    def GetMenu(self, request, context):
        return _menu(*apps.menu(request.org_id))

    def ArrangeMenu(self, request, context):
        return _menu(*apps.arrange(request.org_id, list(request.app_ids)))

    def SubmitForm(self, request, context):
        row = apps.submit(request.app_id, {v.key: list(v.values) for v in request.values})
        return _submissions([row]).submissions[0]

    def ListMySubmissions(self, request, context):
        return _submissions(apps.my_submissions(request.app_id))

    def ListSubmissions(self, request, context):
        _, rows, cursor = apps.submissions(request.app_id, request.org_id, request.page.page_size, request.page.cursor)
        return _submissions(rows, cursor)

    def ExportSubmissions(self, request, context):
        content, filename, rows = apps.export(request.app_id, request.org_id)
        return pb.SubmissionsFile(content=content, filename=filename, media_type=XLSX, rows=rows)

    def ListDeliveries(self, request, context):
        rows, cursor = webhooks.log_of(request.org_id, request.app_id, request.page.page_size, request.page.cursor)
        return pb.WebhookDeliveries(
            deliveries=[
                pb.WebhookDelivery(
                    id=str(d.id),
                    event_id=d.event_id,
                    event_type=d.event_type,
                    state=d.state,
                    failures=d.failures,
                    last_status=d.last_status,
                    last_error=d.last_error,
                    created_at=timestamp(d.created_at),
                    delivered_at=timestamp(d.delivered_at) if d.delivered_at else None,
                    next_at=timestamp(d.next_at) if d.next_at and d.state == webhooks.PENDING else None,
                )
                for d in rows
            ],
            next_cursor=cursor,
        )
