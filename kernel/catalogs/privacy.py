"""Messages of the member's data export and account deletion (docs/privacy.md)."""

MESSAGES: dict[str, dict[str, str]] = {
    "reauth_required": {
        "zh-CN": "注销账号前请输入密码或短信验证码确认身份",
        "en": "Confirm it is you with your password or an SMS code before deleting the account",
    },
    "account_holds_office": {
        "zh-CN": "您仍担任组织职务，请先交接职务再注销账号",
        "en": "You still hold an office in an organization; hand it over before deleting the account",
    },
    "account_in_transfer": {
        "zh-CN": "您有尚未办结的组织关系转接，请先办结或撤回再注销账号",
        "en": "Your membership transfer is still open; finish or cancel it before deleting the account",
    },
    "account_deleted": {"zh-CN": "该账号已注销", "en": "This account has been deleted"},
}
