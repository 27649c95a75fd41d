"""The gRPC servicer of sms: messages ↔ calls of templates.py, sends.py, usage.py and optouts.py."""

from __future__ import annotations

from jiceng.sms.v1 import sms_pb2 as pb
from jiceng.sms.v1 import sms_pb2_grpc
from kernel.clock import aware
from kernel.store import utcnow
from kernel.wire import timestamp
from services.sms import optouts, sends, templates, usage
from services.sms.domain import rules
from services.sms.settings import SmsSettings

SERVICE = "jiceng.sms.v1.SmsService"


def template(t: templates.TemplateView) -> pb.Template:
    return pb.Template(
        code=t.code,
        name=t.name,
        text=t.text,
        variables=t.variables,
        provider_code=t.provider_code,
        system=t.system,
        active=t.active,
        updated_at=timestamp(t.updated_at),
    )


def send_info(row: sends.Send) -> pb.SendInfo:
    c = sends.counts(row.tenant, row)
    return pb.SendInfo(
        send_id=str(row.id),
        org_id=row.org_id,
        kind=row.kind,
        template_code=row.template_code,
        text=row.text,
        parts=row.parts,
        status=sends.shown_status(row, c),
        recipients=row.recipients,
        counts=pb.SendCounts(
            queued=c.queued,
            submitted=c.submitted,
            delivered=c.delivered,
            failed=c.failed,
            cancelled=c.cancelled,
            skipped=row.skipped,
        ),
        scheduled_at=timestamp(row.scheduled_at),
        created_at=timestamp(row.created_at),
        created_by=row.created_by,
        refusal=row.refusal,
    )


def _usage(r: usage.Report) -> pb.Usage:
    return pb.Usage(
        org_id=r.org_id,
        month=r.month,
        charged=r.charged,
        sent=r.sent,
        cost_li=r.cost_li,
        quota=r.quota,
        messages=r.messages,
    )


def _region(r: templates.Region) -> pb.RegionSettings:
    return pb.RegionSettings(signature=r.signature, monthly_quota=r.monthly_quota, price_li=r.price_li)


def _opt_out(m: optouts.Mine) -> pb.OptOut:
    return pb.OptOut(opted_out=m.opted_out, via=m.via, at=timestamp(m.at), phone_masked=m.phone_masked)


class SmsApi(sms_pb2_grpc.SmsServiceServicer):
    def __init__(self, config: SmsSettings):
        self.config = config

    def ListTemplates(self, request, context_):
        return pb.ListTemplatesResponse(templates=[template(t) for t in templates.list_templates()])

    def PutTemplate(self, request, context_):
        return template(templates.put(request.code, request.name, request.text, request.provider_code, request.active))

    def GetRegionSettings(self, request, context_):
        return _region(templates.read_region(self.config))

    def UpdateRegionSettings(self, request, context_):
        return _region(templates.update_region(request.signature, request.monthly_quota, self.config))

    def Send(self, request, context_):
        req = sends.Request(
            org_id=request.org_id,
            kind=rules.MANUAL,
            template_code=request.template_code,
            variables=dict(request.variables),
            account_ids=list(request.account_ids),
            phones=list(request.phones),
            to_subtree=request.to_subtree,
            scheduled_at=aware(request.scheduled_at.ToDatetime()) if request.HasField("scheduled_at") else None,
            key=request.idempotency_key,
        )
        return send_info(sends.officer_send(req, self.config))

    def GetSend(self, request, context_):
        return send_info(sends.get(request.send_id))

    def CancelSend(self, request, context_):
        return send_info(sends.cancel(request.send_id))

    def ListSends(self, request, context_):
        rows, cursor = sends.list_org(request.org_id, request.page_size, request.cursor)
        return pb.ListSendsResponse(sends=[send_info(r) for r in rows], next_cursor=cursor)

    def ListMessages(self, request, context_):
        rows, cursor = sends.messages_of(request.send_id, request.status, request.page_size, request.cursor)
        return pb.ListMessagesResponse(
            messages=[
                pb.Message(
                    message_id=str(m.id),
                    phone_masked=rules.mask(m.phone),
                    account_id=m.account_id,
                    status=m.status,
                    error=m.error,
                    parts=m.parts,
                    attempts=m.attempts,
                    submitted_at=timestamp(m.submitted_at),
                    final_at=timestamp(m.final_at),
                )
                for m in rows
            ],
            next_cursor=cursor,
        )

    def GetUsage(self, request, context_):
        return _usage(usage.report(request.org_id, request.month, self.config, utcnow()))

    def SetQuota(self, request, context_):
        return _usage(usage.set_quota(request.org_id, request.monthly_quota, self.config, utcnow()))

    def GetMyOptOut(self, request, context_):
        return _opt_out(optouts.mine())

    def SetMyOptOut(self, request, context_):
        return _opt_out(optouts.set_mine(request.opted_out))
