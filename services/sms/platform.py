"""The sends the platform makes by itself, from other services' events: one-time codes (identity), notice
reminders and the notifications a person forwards to SMS (content), meeting invitations and reminders
(orgs). Each is keyed by what asked for it, so a redelivered event sends nothing twice; one that does not
fit the org's quota is kept as refused, for the org's officers to see."""

from __future__ import annotations

import datetime as dt
import logging

from kernel import home_orgs
from kernel.errors import DomainError
from kernel.store import utcnow
from services.sms import events, mirror, sends
from services.sms.domain import rules

log = logging.getLogger(__name__)

REMIND_BEFORE = dt.timedelta(hours=24)
INVITE_BEFORE = dt.timedelta(days=7)  # a meeting further away (a series' later ones) is invited a week before
REMIND_AT_LEAST = dt.timedelta(hours=1)  # a meeting sooner than this after its invitation gets no reminder


def _accept(tenant: str, req: sends.Request, defaults) -> None:
    try:
        sends.accept(tenant, req, defaults)
    except DomainError as exc:
        log.warning("platform send refused", extra={"kind": req.kind, "org_id": req.org_id, "reason": exc.key})
        sends.refused(tenant, req, exc)


def one_time_code(tenant: str, event_id: str, phone: str, code: str, expires_in: int, defaults) -> None:
    minutes = str(max(1, round(expires_in / 60)))
    req = sends.Request(
        org_id="",
        kind=rules.OTP,
        template_code=rules.OTP,
        variables={"code": code, "minutes": minutes},
        phones=[phone],
        key=f"otp:{event_id}",
    )
    sends.accept(tenant, req, defaults)


def notice_reminder(tenant: str, event_id: str, data: dict, defaults) -> None:
    req = sends.Request(
        org_id=data["org_id"],
        kind=rules.NOTICE_REMINDER,
        template_code=rules.NOTICE_REMINDER,
        variables={"title": data.get("title", "")},
        account_ids=list(data.get("account_ids", [])),
        key=f"notice_reminder:{event_id}",
        ref=data.get("notice_id", ""),
    )
    _accept(tenant, req, defaults)


def notification(tenant: str, event_id: str, data: dict, defaults) -> bool:
    """An inbox entry the person forwards to SMS (content's preferences), paid by their home org (the
    region's when they belong to none), at most NOTIFICATIONS_PER_DAY a day. True when a send was made."""
    if "sms" not in data.get("channels", []):
        return False
    account_id = data["account_id"]
    if sends.sent_today(tenant, account_id, rules.NOTIFICATION) >= rules.NOTIFICATIONS_PER_DAY:
        log.info("notification by SMS over the day's limit", extra={"account_id": account_id})
        return False
    home = home_orgs.HomeOrg.in_tenant(tenant).filter(account_id=account_id).only("org_id").first()
    req = sends.Request(
        org_id=home.org_id if home else "",
        kind=rules.NOTIFICATION,
        template_code=rules.NOTIFICATION,
        variables={"title": data.get("title", "") or "您有新消息"},
        account_ids=[account_id],
        key=f"notification:{event_id}",
        ref=account_id,
    )
    _accept(tenant, req, defaults)
    return True


def meeting_scheduled(tenant: str, data: dict, defaults) -> None:
    """An invitation (its replies go back to orgs) now, or a week before a meeting further away (a series
    announces all its meetings at once: each is invited in its time), and a reminder a day before, when the
    meeting asked for SMS; nothing for a meeting already started."""
    if not data.get("sms_invite"):
        return
    starts_at = dt.datetime.fromisoformat(data["starts_at"])
    now = utcnow()
    if starts_at <= now:
        return
    meeting_id = data["meeting_id"]
    place = data.get("place") or ("线上" if data.get("online") else "另行通知")
    variables = {
        "org": mirror.org_name(tenant, data["org_id"]) or "本支部",
        "time": rules.china_time(starts_at),
        "title": data.get("title", "") or "会议",
        "place": place,
    }
    invitees = list(data.get("invitee_account_ids", []))
    if not invitees:
        return
    invite_at = starts_at - INVITE_BEFORE
    invitation = sends.Request(
        org_id=data["org_id"],
        kind=rules.MEETING_INVITATION,
        template_code=rules.MEETING_INVITATION,
        variables=variables,
        account_ids=invitees,
        scheduled_at=invite_at if invite_at > now else None,
        key=f"meeting_invitation:{meeting_id}",
        reply_feature=events.FEATURE_MEETING,
        reply_ref=meeting_id,
        ref=meeting_id,
    )
    _accept(tenant, invitation, defaults)
    remind_at = starts_at - REMIND_BEFORE
    if remind_at - now < REMIND_AT_LEAST:
        return
    reminder = sends.Request(
        org_id=data["org_id"],
        kind=rules.MEETING_REMINDER,
        template_code=rules.MEETING_REMINDER,
        variables=variables,
        account_ids=invitees,
        scheduled_at=remind_at,
        key=f"meeting_reminder:{meeting_id}",
        ref=meeting_id,
    )
    _accept(tenant, reminder, defaults)


def meeting_cancelled(tenant: str, meeting_id: str) -> int:
    return sends.cancel_ref(tenant, meeting_id)
