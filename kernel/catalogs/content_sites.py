"""content's org micro-websites (创建网站服务): errors, and the words of the public pages (gateway/templates/site)."""

MESSAGES: dict[str, dict[str, str]] = {
    "site_slug_invalid": {
        "zh-CN": "网址须为 {min} 到 {max} 个小写字母、数字或连字符",
        "en": "An address of {min} to {max} lowercase letters, digits or hyphens",
    },
    "site_template_unknown": {"zh-CN": "未知的网站模板", "en": "Unknown template"},
    "site_colour_unknown": {"zh-CN": "未知的主题色", "en": "Unknown theme colour"},
    "site_email_invalid": {"zh-CN": "邮箱格式不正确", "en": "Not an email address"},
    "site_pages_full": {"zh-CN": "网站最多 {max} 个页面", "en": "A site has at most {max} pages"},
    "site_photos_count": {"zh-CN": "相册最多 {max} 张照片", "en": "An album holds at most {max} photos"},
    "site_albums_full": {"zh-CN": "网站最多 {max} 个相册", "en": "A site has at most {max} albums"},
    "site_not_found": {"zh-CN": "网站不存在", "en": "No such site"},
    "site_exists": {"zh-CN": "该组织已有网站", "en": "The org already has a site"},
    "site_slug_taken": {"zh-CN": "这个网址已被使用", "en": "That address is taken"},
    "site_busy": {"zh-CN": "网站正被他人编辑，请稍后再试", "en": "Someone else is editing the site; try again"},
    "site_page_not_found": {"zh-CN": "页面不存在", "en": "No such page"},
    "site_album_not_found": {"zh-CN": "相册不存在", "en": "No such album"},
    "site_draft_changed": {
        "zh-CN": "草稿刚被修改，请确认后再发布",
        "en": "The draft just changed; check it and publish again",
    },
    # the public pages
    "site_ui_home": {"zh-CN": "首页", "en": "Home"},
    "site_ui_menu": {"zh-CN": "网站导航", "en": "Site menu"},
    "site_ui_news": {"zh-CN": "新闻动态", "en": "News"},
    "site_ui_no_news": {"zh-CN": "暂无新闻", "en": "No news yet"},
    "site_ui_albums": {"zh-CN": "相册", "en": "Albums"},
    "site_ui_photo_count": {"zh-CN": "{count} 张照片", "en": "{count} photos"},
    "site_ui_back_to_albums": {"zh-CN": "返回相册", "en": "Back to the albums"},
    "site_ui_contact": {"zh-CN": "联系我们", "en": "Contact"},
    "site_ui_address": {"zh-CN": "地址", "en": "Address"},
    "site_ui_phone": {"zh-CN": "电话", "en": "Phone"},
    "site_ui_email": {"zh-CN": "邮箱", "en": "Email"},
    "site_ui_hours": {"zh-CN": "办公时间", "en": "Opening hours"},
    "site_ui_updated": {"zh-CN": "更新于", "en": "Updated"},
    "site_ui_draft": {
        "zh-CN": "草稿预览：尚未发布，只有网站管理者能看到",
        "en": "Draft preview: not published, only its managers see it",
    },
    "site_ui_not_found": {"zh-CN": "页面不存在", "en": "Page not found"},
    "site_ui_not_found_hint": {
        "zh-CN": "网址可能有误，或该网站尚未发布。",
        "en": "The address may be wrong, or the site is not published yet.",
    },
}
