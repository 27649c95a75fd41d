"""identity's messages."""

MESSAGES: dict[str, dict[str, str]] = {
    "phone_invalid": {
        "zh-CN": "请输入有效的中国大陆手机号码",
        "en": "Enter a valid mainland China mobile number",
    },
    "password_weak": {
        "zh-CN": "密码须为 8 到 128 个字符，且包含字母、数字、符号中的至少两类",
        "en": "The password needs 8 to 128 characters of at least two kinds (letters, digits, symbols)",
    },
    "display_name_invalid": {
        "zh-CN": "昵称须为 1 到 32 个字符，且不含控制字符",
        "en": "The display name needs 1 to 32 characters, without control characters",
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
    "app_token_scopes_invalid": {"zh-CN": "权限范围须从以下选择：{scopes}", "en": "Scopes are among: {scopes}"},
    "app_token_label_too_long": {"zh-CN": "名称最多 {max} 个字", "en": "A label of at most {max} characters"},
    "app_tokens_too_many": {"zh-CN": "一个组织最多 {max} 个有效令牌", "en": "An org has at most {max} live tokens"},
    "app_token_not_found": {"zh-CN": "令牌不存在", "en": "No such token"},
}
