"""sms (短信服务): templates, sends, quotas and opt-outs."""

MESSAGES: dict[str, dict[str, str]] = {
    "sms_account_invalid": {"zh-CN": "人员标识无效", "en": "Not a valid account id"},
    "sms_account_outside": {
        "zh-CN": "只能给本组织及下级组织的人员发送短信",
        "en": "You can send only to people of the org and the orgs below it",
    },
    "sms_month_invalid": {"zh-CN": "月份格式应为 YYYY-MM", "en": "A month is YYYY-MM"},
    "sms_no_recipients": {
        "zh-CN": "请指定接收人、手机号码或本组织全体",
        "en": "Name people, phone numbers, or the org's whole subtree",
    },
    "sms_phone_invalid": {"zh-CN": "不是有效的大陆手机号码", "en": "Not a valid mainland mobile number"},
    "sms_phone_unknown": {"zh-CN": "尚未登记您的手机号码", "en": "Your phone number is not known here yet"},
    "sms_provider_code_invalid": {"zh-CN": "服务商模板编号无效", "en": "Not a valid provider template code"},
    "sms_quota_exceeded": {
        "zh-CN": "本组织 {month} 短信额度不足（已用 {used} 条，额度 {quota} 条，本次需要 {needed} 条）",
        "en": "The org's SMS quota for {month} is used up ({used} of {quota} parts; this needs {needed})",
    },
    "sms_region_quota_exceeded": {
        "zh-CN": "本地区 {month} 短信额度不足（已用 {used} 条，额度 {quota} 条，本次需要 {needed} 条）",
        "en": "The region's SMS quota for {month} is used up ({used} of {quota} parts; this needs {needed})",
    },
    "sms_quota_invalid": {"zh-CN": "额度无效", "en": "Not a valid quota"},
    "sms_rate_limited": {
        "zh-CN": "本组织发送过于频繁，请 {retry_after} 秒后再试",
        "en": "The org has sent too often; try again in {retry_after} s",
    },
    "sms_schedule_too_far": {
        "zh-CN": "定时发送最多可提前 {days} 天",
        "en": "A send can be scheduled at most {days} days ahead",
    },
    "sms_send_not_cancellable": {
        "zh-CN": "该发送任务已结束，无法撤销（状态：{status}）",
        "en": "This send is over and cannot be cancelled (status: {status})",
    },
    "sms_send_not_found": {"zh-CN": "发送任务不存在", "en": "No such send"},
    "sms_signature_invalid": {
        "zh-CN": "短信签名须为 {min} 到 {max} 个字，不含【】",
        "en": "A signature of {min} to {max} characters, without 【】",
    },
    "sms_status_unknown": {"zh-CN": "未知的短信状态", "en": "Unknown message status"},
    "sms_template_code_invalid": {
        "zh-CN": "模板代码须为小写字母开头的 2 到 40 个小写字母、数字或下划线",
        "en": "A template code is 2 to 40 lower-case letters, digits or underscores, starting with a letter",
    },
    "sms_template_name_invalid": {"zh-CN": "模板名称须为 1 到 {max} 个字", "en": "A name of 1 to {max} characters"},
    "sms_template_not_found": {"zh-CN": "短信模板不存在或已停用", "en": "No such template, or it is not active"},
    "sms_template_text_invalid": {
        "zh-CN": "模板内容须为 1 到 {max} 个字，不含控制字符",
        "en": "A text of 1 to {max} characters without control characters",
    },
    "sms_template_variable_invalid": {
        "zh-CN": "变量须写作 $ 加花括号括起的变量名（小写字母、数字、下划线）",
        "en": "Variables are a $ and a name in braces (lower-case letters, digits, underscores)",
    },
    "sms_template_variables_fixed": {
        "zh-CN": "内置模板的变量不可更改，须包含：{variables}",
        "en": "A built-in template keeps its variables: {variables}",
    },
    "sms_too_many_recipients": {
        "zh-CN": "一次最多列出 {max} 个接收人",
        "en": "At most {max} recipients listed in one send",
    },
    "sms_variable_invalid": {
        "zh-CN": "变量值须为一行，最多 {max} 个字",
        "en": "A variable's value is one line of at most {max} characters",
    },
    "sms_variable_missing": {"zh-CN": "缺少变量 {name} 的值", "en": "The variable {name} needs a value"},
    "sms_variable_unknown": {"zh-CN": "模板中没有变量 {name}", "en": "The template has no variable {name}"},
}
