"""Translatable user-facing messages, Chinese first (zh-CN), English second.

Errors carry a message key and parameters; the text is rendered here in the reader's locale, so every
string a person reads can be translated without touching the code that raised it.
"""

from __future__ import annotations

DEFAULT_LOCALE = "zh-CN"
LOCALES = ("zh-CN", "en")

CATALOG: dict[str, dict[str, str]] = {
    # generic codes (kernel/errors.py)
    "invalid_argument": {"zh-CN": "请求参数无效", "en": "The request is invalid"},
    "unauthenticated": {"zh-CN": "请先登录", "en": "Please log in"},
    "token_expired": {
        "zh-CN": "登录已过期，请重新登录",
        "en": "The session has expired; please log in again",
    },
    "token_invalid": {"zh-CN": "登录凭证无效", "en": "The access token is invalid"},
    "invalid_credentials": {"zh-CN": "手机号或密码错误", "en": "Wrong phone number or password"},
    "invalid_code": {"zh-CN": "验证码错误或已过期", "en": "The code is wrong or has expired"},
    "refresh_token_reused": {
        "zh-CN": "登录凭证已被使用过，为安全起见已退出所有设备",
        "en": "This refresh token was already used; every session of the family has been revoked",
    },
    "permission_denied": {"zh-CN": "没有权限执行此操作", "en": "You are not allowed to do this"},
    "wrong_region": {"zh-CN": "该账号不属于本地区", "en": "This token belongs to another region"},
    "not_found": {"zh-CN": "未找到", "en": "Not found"},
    "already_exists": {"zh-CN": "已存在", "en": "Already exists"},
    "failed_precondition": {"zh-CN": "当前状态下不能执行此操作", "en": "Not possible in the current state"},
    "payload_too_large": {
        "zh-CN": "请求内容过大（上限 {limit} 字节）",
        "en": "The request body is too large (limit {limit} bytes)",
    },
    "unsupported_media_type": {
        "zh-CN": "请求内容类型必须是 application/json",
        "en": "The request content type must be application/json",
    },
    "rate_limited": {
        "zh-CN": "操作过于频繁，请 {retry_after} 秒后再试",
        "en": "Too many requests; try again in {retry_after} s",
    },
    "account_locked": {
        "zh-CN": "登录失败次数过多，账号已临时锁定，请 {retry_after} 秒后再试",
        "en": "Too many failed logins; the account is locked for {retry_after} s",
    },
    "unavailable": {"zh-CN": "服务暂时不可用，请稍后再试", "en": "The service is temporarily unavailable"},
    "deadline_exceeded": {"zh-CN": "服务响应超时，请稍后再试", "en": "The service took too long to answer"},
    "internal": {"zh-CN": "服务器内部错误", "en": "Internal error"},
    # request validation (gateway)
    "field_required": {"zh-CN": "缺少必填字段", "en": "This field is required"},
    "field_invalid": {"zh-CN": "字段格式不正确：{detail}", "en": "Invalid value: {detail}"},
    "body_not_json": {"zh-CN": "请求内容不是有效的 JSON", "en": "The request body is not valid JSON"},
    # identity
    "phone_invalid": {
        "zh-CN": "请输入有效的中国大陆手机号码",
        "en": "Enter a valid mainland China mobile number",
    },
    "password_weak": {
        "zh-CN": "密码须为 8 到 128 个字符，且包含字母、数字、符号中的至少两类",
        "en": "The password needs 8 to 128 characters of at least two kinds (letters, digits, symbols)",
    },
    "display_name_invalid": {
        "zh-CN": "昵称须为 1 到 32 个字符",
        "en": "The display name needs 1 to 32 characters",
    },
    "phone_registered": {"zh-CN": "该手机号已注册", "en": "This phone number is already registered"},
    "account_not_found": {"zh-CN": "账号不存在", "en": "No such account"},
    "no_password_set": {
        "zh-CN": "该账号尚未设置密码，请使用验证码登录",
        "en": "This account has no password; log in with an SMS code",
    },
    "code_purpose_invalid": {"zh-CN": "验证码用途无效", "en": "Unknown code purpose"},
    "code_too_soon": {
        "zh-CN": "验证码发送过于频繁，请 {retry_after} 秒后再试",
        "en": "A code was sent recently; try again in {retry_after} s",
    },
    "code_attempts_exceeded": {
        "zh-CN": "验证码错误次数过多，请重新获取",
        "en": "Too many wrong codes; request a new one",
    },
    "current_password_wrong": {"zh-CN": "当前密码错误", "en": "The current password is wrong"},
    "refresh_token_invalid": {
        "zh-CN": "登录凭证无效或已过期，请重新登录",
        "en": "The refresh token is invalid or expired",
    },
    "role_unknown": {"zh-CN": "未知角色：{role}", "en": "Unknown role: {role}"},
    "role_needs_org": {"zh-CN": "组织角色必须指定组织", "en": "An org role needs an org id"},
    "platform_role_no_org": {
        "zh-CN": "平台角色不能指定组织",
        "en": "A platform role applies to the whole region, not to an org",
    },
    "org_unknown": {"zh-CN": "组织不存在：{org_id}", "en": "Unknown org: {org_id}"},
    "grant_not_found": {"zh-CN": "授权记录不存在", "en": "No such role grant"},
    "action_unknown": {"zh-CN": "未知操作：{action}", "en": "Unknown action: {action}"},
    "id_card_invalid": {
        "zh-CN": "请输入有效的 18 位居民身份证号码",
        "en": "Enter a valid 18-digit resident ID-card number",
    },
    "real_name_invalid": {"zh-CN": "姓名须为 1 到 64 个字符", "en": "The real name needs 1 to 64 characters"},
    "reason_required": {
        "zh-CN": "查看完整身份证号须填写查看原因",
        "en": "Say why the unmasked ID-card number is needed",
    },
    # orgs
    "org_type_invalid": {
        "zh-CN": "组织类型无效（党委、党总支、党支部、党小组）",
        "en": "Unknown org type (committee, general_branch, branch, group)",
    },
    "org_category_invalid": {"zh-CN": "组织类别无效", "en": "Unknown org category"},
    "org_name_invalid": {"zh-CN": "组织名称须为 1 到 100 个字符", "en": "The org name needs 1 to 100 characters"},
    "org_slug_invalid": {
        "zh-CN": "网址标识只能包含小写字母、数字和连字符",
        "en": "A slug uses lower-case letters, digits and dashes",
    },
    "org_slug_taken": {"zh-CN": "该网址标识已被使用", "en": "This slug is taken"},
    "org_placement_invalid": {
        "zh-CN": "该类型（{type}）的组织不能设在此上级组织之下",
        "en": "An org of type {type} can't sit under this parent",
    },
    "org_move_cycle": {"zh-CN": "不能把组织移到它自己或其下级组织之下", "en": "An org can't move under itself"},
    "org_move_same_parent": {"zh-CN": "组织已在该上级组织之下", "en": "The org is already under this parent"},
    "org_has_members": {
        "zh-CN": "该组织仍有党员或下级组织，请先转移",
        "en": "The org still has members or child orgs; move them first",
    },
    "org_dissolved": {"zh-CN": "该组织已撤销", "en": "This org is dissolved"},
    "root_needs_admin": {"zh-CN": "只有区域管理员可以创建顶级党组织", "en": "Only region admins create root orgs"},
    "location_invalid": {"zh-CN": "坐标无效（WGS-84 经纬度）", "en": "Invalid WGS-84 coordinates"},
    "date_invalid": {"zh-CN": "日期格式应为 YYYY-MM-DD", "en": "Dates are YYYY-MM-DD"},
    "date_in_future": {"zh-CN": "日期不能晚于今天", "en": "The date can't be in the future"},
    "date_before_current_step": {
        "zh-CN": "日期不能早于当前阶段的开始日期",
        "en": "The date can't precede the current step",
    },
    "status_invalid": {"zh-CN": "党员状态无效", "en": "Unknown membership status"},
    "status_step_invalid": {
        "zh-CN": "不能从“{current}”直接变为“{to}”",
        "en": "A membership can't go from {current} to {to}",
    },
    "status_step_too_early": {
        "zh-CN": "未满规定期限，最早可在 {earliest} 办理",
        "en": "Too early: the earliest date is {earliest}",
    },
    "already_member": {
        "zh-CN": "此人已有组织关系，请办理组织关系转接",
        "en": "This person already has a home org; transfer the membership instead",
    },
    "membership_not_found": {"zh-CN": "党员记录不存在", "en": "No such membership"},
    "person_unknown": {"zh-CN": "该账号不存在", "en": "No such account"},
    "org_role_invalid": {"zh-CN": "组织内职务无效", "en": "Unknown role in an org"},
    "month_invalid": {"zh-CN": "月份格式应为 YYYY-MM", "en": "Months are YYYY-MM"},
    "amount_invalid": {"zh-CN": "金额无效", "en": "Invalid amount"},
    "cursor_invalid": {"zh-CN": "分页游标无效", "en": "Invalid page cursor"},
    "page_size_invalid": {"zh-CN": "每页数量须为 1 到 200", "en": "page_size must be between 1 and 200"},
}


def render(key: str, locale: str, params: dict[str, object] | None = None) -> str:
    """The message for key in locale (falling back to zh-CN), with {params} filled in."""
    entry = CATALOG.get(key) or CATALOG["internal"]
    template = entry.get(locale) or entry[DEFAULT_LOCALE]
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return template


def negotiate(accept_language: str | None) -> str:
    """Pick a supported locale from an Accept-Language header (zh-CN unless English is preferred)."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked = []
    for position, part in enumerate(accept_language.split(",")):
        tag, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag.lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
