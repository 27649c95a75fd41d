"""content's search (搜索服务): messages of bad queries and of an index not ready yet."""

MESSAGES: dict[str, dict[str, str]] = {
    "search_query_empty": {"zh-CN": "请输入搜索内容", "en": "Enter something to search for"},
    "search_query_too_long": {
        "zh-CN": "搜索内容不能超过 {max} 个字符",
        "en": "A search may be at most {max} characters",
    },
    "search_query_no_words": {
        "zh-CN": "搜索内容须包含文字或数字",
        "en": "A search needs at least one letter, digit or Chinese character",
    },
    "search_kind_invalid": {
        "zh-CN": "搜索类型无效：{kind}（可选 post、thread、notice、org、person）",
        "en": "Unknown kind to search: {kind} (post, thread, notice, org, person)",
    },
    "search_page_size_invalid": {
        "zh-CN": "每页数量须为 1 到 {max}",
        "en": "page_size must be between 1 and {max}",
    },
    "search_cursor_invalid": {
        "zh-CN": "翻页标记无效或超出可翻页范围（最多 {max} 条结果）",
        "en": "Invalid page cursor, or past the last page that can be reached ({max} results at most)",
    },
    "search_unavailable": {
        "zh-CN": "搜索索引尚未就绪，请稍后再试",
        "en": "The search index is not ready yet; try again shortly",
    },
}
