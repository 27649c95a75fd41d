"""The sms service's rules: templates and their variables, the signature, who a send goes to, opt-out and
reply keywords, months, retries and how long a message may wait. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kernel.errors import DomainError, ErrorCode
from kernel.identifiers import mainland_mobile, mask_mobile
from services.sms.domain import segments

CHINA = ZoneInfo("Asia/Shanghai")

# -- kinds of sends ------------------------------------------------------------------------------------
MANUAL = "manual"  # an officer's send (Send)
OTP = "otp"  # identity's one-time codes
NOTICE_REMINDER = "notice_reminder"  # content: the unread of a notice
MEETING_INVITATION = "meeting_invitation"  # orgs: a meeting that asked for SMS invitations
MEETING_REMINDER = "meeting_reminder"  # the day before it
NOTIFICATION = "notification"  # content: an inbox entry of a kind the person forwards to SMS
KINDS = (MANUAL, OTP, NOTICE_REMINDER, MEETING_INVITATION, MEETING_REMINDER, NOTIFICATION)

# What goes first when the queue is long: a code someone is waiting for, then what the platform sends for
# a feature, then bulk sends.
PRIORITY = {OTP: 0, MEETING_INVITATION: 1, MEETING_REMINDER: 1, NOTICE_REMINDER: 2, NOTIFICATION: 2, MANUAL: 2}

# Notifications a person forwards to SMS, at most this many a day (the rest stay in the app): a busy chat
# must not become a stream of paid messages.
NOTIFICATIONS_PER_DAY = 5

# How long a message may wait for the provider before it is given up (expired, not paid).
VALIDITY = {OTP: dt.timedelta(minutes=10), MANUAL: dt.timedelta(hours=24)}
DEFAULT_VALIDITY = dt.timedelta(hours=24)

# -- statuses ---------------------------------------------------------------------------------------
# a send
SCHEDULED, RESOLVING, QUEUED, CANCELLED, REFUSED = "scheduled", "resolving", "queued", "cancelled", "refused"
DONE = "done"  # shown, never stored: queued with nothing left to go out
# a message
M_QUEUED, M_SUBMITTING, M_SUBMITTED = "queued", "submitting", "submitted"
M_DELIVERED, M_FAILED, M_EXPIRED, M_CANCELLED = "delivered", "failed", "expired", "cancelled"
MESSAGE_STATUSES = (M_QUEUED, M_SUBMITTING, M_SUBMITTED, M_DELIVERED, M_FAILED, M_EXPIRED, M_CANCELLED)
PENDING = (M_QUEUED, M_SUBMITTING)
FINAL = (M_DELIVERED, M_FAILED, M_EXPIRED, M_CANCELLED)

# -- templates --------------------------------------------------------------------------------------
CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
VARIABLE = re.compile(r"\$\{([a-z][a-z0-9_]{0,29})\}")
NAME_MAX = 40
TEXT_MAX = 500  # characters of a template's text: up to 8 parts with the signature
VALUE_MAX = 35  # characters of one variable's value (the cloud providers' limit)
SIGNATURE_MIN, SIGNATURE_MAX = 2, 12
PROVIDER_CODE_MAX = 40


@dataclass(frozen=True)
class SystemTemplate:
    name: str
    text: str


# The platform's own templates: a region may change their texts and give them provider codes, never remove
# them. Chinese texts (what a member's phone shows); TD opt-out is offered wherever it may be used.
SYSTEM_TEMPLATES: dict[str, SystemTemplate] = {
    OTP: SystemTemplate("验证码", "您的验证码为${code}，${minutes}分钟内有效。如非本人操作，请忽略本短信。"),
    NOTICE_REMINDER: SystemTemplate("通知提醒", "您有一条未读通知《${title}》，请登录基层查看。回复TD退订"),
    MEETING_INVITATION: SystemTemplate(
        "会议邀请", "${org}定于${time}召开${title}，地点：${place}。回复1参加，回复2请假（可附事由）。回复TD退订"
    ),
    MEETING_REMINDER: SystemTemplate("会议提醒", "提醒：${org}的${title}将于${time}开始，地点：${place}。回复TD退订"),
    NOTIFICATION: SystemTemplate("消息提醒", "${title}。请登录基层查看。回复TD退订"),
}


def check_code(code: str) -> str:
    if not CODE.match(code or ""):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_template_code_invalid", "code")
    return code


def check_template(name: str, text: str, provider_code: str) -> tuple[str, str, str]:
    name, text, provider_code = (name or "").strip(), (text or "").strip(), (provider_code or "").strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_template_name_invalid", "name", max=NAME_MAX)
    if not 1 <= len(text) <= TEXT_MAX or any(ord(c) < 32 and c != "\n" for c in text):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_template_text_invalid", "text", max=TEXT_MAX)
    if "$" in VARIABLE.sub("", text):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_template_variable_invalid", "text")
    if len(provider_code) > PROVIDER_CODE_MAX or not provider_code.isprintable():
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_provider_code_invalid", "provider_code")
    return name, text, provider_code


def variables_of(text: str) -> list[str]:
    """The template's variables in the order they first appear."""
    return list(dict.fromkeys(VARIABLE.findall(text)))


def render(text: str, values: dict[str, str], strict: bool = True) -> tuple[str, dict[str, str]]:
    """(the text with every variable filled, the values used). strict (an officer's send): every variable
    given, none unknown, each at most VALUE_MAX characters of one line; otherwise (the platform's own sends)
    long values are shortened with an ellipsis."""
    wanted = variables_of(text)
    used: dict[str, str] = {}
    for name in wanted:
        value = str(values.get(name, "")).strip()
        if strict and not value:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_variable_missing", f"variables.{name}", name=name)
        if any(ord(c) < 32 for c in value):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_variable_invalid", f"variables.{name}", max=VALUE_MAX)
        if len(value) > VALUE_MAX:
            if strict:
                raise DomainError(
                    ErrorCode.INVALID_ARGUMENT, "sms_variable_invalid", f"variables.{name}", max=VALUE_MAX
                )
            value = value[: VALUE_MAX - 1] + "…"
        used[name] = value
    if strict:
        for name in values:
            if name not in used:
                raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_variable_unknown", f"variables.{name}", name=name)
    return VARIABLE.sub(lambda m: used[m.group(1)], text), used


def check_signature(signature: str) -> str:
    signature = (signature or "").strip()
    if not SIGNATURE_MIN <= len(signature) <= SIGNATURE_MAX or any(c in "【】[]" or ord(c) < 32 for c in signature):
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "sms_signature_invalid", "signature", min=SIGNATURE_MIN, max=SIGNATURE_MAX
        )
    return signature


def signed(signature: str, body: str) -> str:
    """What the handset shows: 【签名】 then the text (carriers require the signature in front)."""
    return f"【{signature}】{body}"


def parts_of(text: str) -> int:
    return segments.count(text)


# -- recipients ---------------------------------------------------------------------------------------
MAX_LISTED = 1000  # account ids, and phone numbers, named in one send


def check_phones(raw: list[str]) -> list[str]:
    """National forms, in order, without repeats; a bad one fails the whole send (before it costs anything)."""
    if len(raw) > MAX_LISTED:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_too_many_recipients", "phones", max=MAX_LISTED)
    phones: dict[str, None] = {}
    for index, value in enumerate(raw):
        phone = mainland_mobile(value)
        if phone is None:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_phone_invalid", f"phones[{index}]")
        phones[phone] = None
    return list(phones)


def check_accounts(raw: list[str]) -> list[str]:
    if len(raw) > MAX_LISTED:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_too_many_recipients", "account_ids", max=MAX_LISTED)
    for index, value in enumerate(raw):
        if not value or len(value) > 64 or not value.isprintable():
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_account_invalid", f"account_ids[{index}]")
    return list(dict.fromkeys(raw))


def mask(phone: str) -> str:
    return mask_mobile(phone) if phone else ""


# -- when ---------------------------------------------------------------------------------------------
SCHEDULE_AHEAD_MAX = dt.timedelta(days=30)


def check_schedule(scheduled_at: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    """None: now. A moment already past (or within a few seconds) is now too."""
    if scheduled_at is None or scheduled_at <= now + dt.timedelta(seconds=5):
        return None
    if scheduled_at > now + SCHEDULE_AHEAD_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_schedule_too_far", "scheduled_at", days=30)
    return scheduled_at


def month_of(moment: dt.datetime) -> str:
    """The billing month, China time: YYYY-MM."""
    return moment.astimezone(CHINA).strftime("%Y-%m")


def seconds_until_after(month: str, now: dt.datetime) -> int:
    """How long until the billing month after month (YYYY-MM) begins, China time: a quota's Retry-After."""
    year, number = (int(part) for part in month.split("-"))
    following = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=CHINA)
    return max(1, int((following - now).total_seconds()))


def check_month(month: str, now: dt.datetime) -> str:
    if not month:
        return month_of(now)
    try:
        dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "sms_month_invalid", "month") from None
    return month


def china_time(moment: dt.datetime) -> str:
    """11月27日 14:30 — how a meeting's time reads in a text message."""
    local = moment.astimezone(CHINA)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def retry_delay(attempts: int) -> dt.timedelta:
    """After a transient failure: 2, 4, 8 … seconds, at most 5 minutes."""
    return dt.timedelta(seconds=min(300, 2 ** max(1, attempts)))


# -- what handsets send back ---------------------------------------------------------------------------
OPT_OUT_WORDS = frozenset({"TD", "T", "退订", "STOP", "UNSUBSCRIBE", "N"})
OPT_IN_WORDS = frozenset({"订阅", "START"})
REPLY_WINDOW = dt.timedelta(hours=72)  # a reply counts for the latest message that asked for one this recent


def keyword(text: str) -> str:
    """ "opt_out", "opt_in" or "" for a reply's text (the whole reply, trimmed, any case)."""
    word = unicodedata.normalize("NFKC", text or "").strip().upper()
    if word in OPT_OUT_WORDS:
        return "opt_out"
    if word in OPT_IN_WORDS:
        return "opt_in"
    return ""


def choice_of(text: str) -> str:
    """The leading digit of a reply ("1", "2 出差" → "2"), or "" when it does not start with one."""
    text = unicodedata.normalize("NFKC", text or "").strip()  # full-width １ from a Chinese keyboard is 1
    return text[0] if text[:1] in "0123456789" and text else ""
