"""Messages of the kernel and the gateway: generic errors and request validation."""

MESSAGES: dict[str, dict[str, str]] = {
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
    "cursor_invalid": {"zh-CN": "分页游标无效", "en": "Invalid page cursor"},
    "page_size_invalid": {"zh-CN": "每页数量须为 1 到 200", "en": "page_size must be between 1 and 200"},
    # the web app (gateway/webapp.py)
    "web_not_built": {
        "zh-CN": "网页应用尚未构建（运行 make web）",
        "en": "The web app has not been built (run make web)",
    },
}
