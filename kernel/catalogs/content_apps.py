"""content's custom apps (个性化应用): the catalog, installs and menus, forms and their submissions."""

MESSAGES: dict[str, dict[str, str]] = {
    "app_kind_invalid": {"zh-CN": "应用类型须为：{kinds}", "en": "An app is one of: {kinds}"},
    "webhook_events_invalid": {"zh-CN": "请从以下事件中选择：{events}", "en": "Choose among: {events}"},
    "webhook_endpoint_invalid": {"zh-CN": "接收地址须为 https 网址", "en": "The endpoint is an https address"},
    "webhook_endpoint_private": {
        "zh-CN": "接收地址不能是内部网络地址",
        "en": "The endpoint may not be an address inside a private network",
    },
    "app_fields_count": {"zh-CN": "表单须有 1 到 {max} 个字段", "en": "A form has 1 to {max} fields"},
    "app_field_key_invalid": {
        "zh-CN": "字段标识须为小写字母开头的字母、数字或下划线，且不重复",
        "en": "A field key is lowercase letters, digits or _, starting with a letter, and unique",
    },
    "app_field_type_invalid": {"zh-CN": "未知的字段类型", "en": "Unknown field type"},
    "app_field_options": {
        "zh-CN": "选择题须有 2 到 {max} 个不重复的选项，其他字段没有选项",
        "en": "A choice has 2 to {max} distinct options; other fields have none",
    },
    "app_field_limit": {"zh-CN": "字段限制不正确（最多 {max}）", "en": "Invalid limit (at most {max})"},
    "app_links_count": {"zh-CN": "链接页须有 1 到 {max} 个链接", "en": "A page of links has 1 to {max} links"},
    "app_link_url_invalid": {"zh-CN": "链接须为 http 或 https 网址", "en": "A link is an http or https address"},
    "app_value_unknown": {"zh-CN": "表单没有这个字段", "en": "The form has no such field"},
    "app_value_required": {"zh-CN": "此项必填", "en": "This field is required"},
    "app_value_invalid": {"zh-CN": "填写的内容格式不正确", "en": "Not a valid value for this field"},
    "app_value_out_of_range": {"zh-CN": "填写的内容超出允许范围", "en": "The value is out of range"},
    "app_menu_too_long": {"zh-CN": "菜单最多 {max} 项", "en": "A menu holds at most {max} apps"},
    "app_not_found": {"zh-CN": "应用不存在", "en": "No such app"},
    "app_define_denied": {"zh-CN": "你不能管理这个应用", "en": "You may not manage this app"},
    "app_retired": {"zh-CN": "应用已停用", "en": "The app is retired"},
    "app_not_installable_here": {
        "zh-CN": "只能安装应用目录中的、本组织或上级组织的应用",
        "en": "Only apps of the catalog, of the org or of an org above it can be installed",
    },
    "app_already_installed": {"zh-CN": "应用已安装", "en": "The app is already installed"},
    "app_not_installed": {
        "zh-CN": "本组织没有安装这个应用（上级推送的应用不能卸载）",
        "en": "The org has not installed this app (an app pushed from above can't be removed)",
    },
    "app_menu_outside": {"zh-CN": "你不能查看该组织的应用菜单", "en": "You may not see that org's menu"},
    "app_already_submitted": {"zh-CN": "你已经提交过这份问卷", "en": "You have already filled in this survey"},
    "app_submissions_denied": {"zh-CN": "你不能查看该组织的提交记录", "en": "You may not see that org's submissions"},
    # the .xlsx export's headers
    "app_export_name": {"zh-CN": "提交人", "en": "Submitted by"},
    "app_export_account": {"zh-CN": "账号编号", "en": "Account"},
    "app_export_org": {"zh-CN": "所在组织", "en": "Org"},
    "app_export_time": {"zh-CN": "提交时间", "en": "Submitted at"},
}
