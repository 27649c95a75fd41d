"""content's notification inbox: errors, and the titles of notifications (rendered in the reader's language)."""

MESSAGES: dict[str, dict[str, str]] = {
    "inbox_kind_invalid": {
        "zh-CN": "通知类型无效（{kinds}）",
        "en": "Unknown notification kind ({kinds})",
    },
    "inbox_not_found": {"zh-CN": "通知不存在", "en": "No such notification"},
    # titles: {actor} the newest actor's name, {count} how many, {subject} a notice's or a group's title
    "inbox.title.mention": {"zh-CN": "{actor} 提到了你", "en": "{actor} mentioned you"},
    "inbox.title.comment": {"zh-CN": "{actor} 评论了你的内容", "en": "{actor} commented on your post"},
    "inbox.title.reply": {"zh-CN": "{actor} 回复了你的评论", "en": "{actor} replied to your comment"},
    "inbox.title.like": {"zh-CN": "{actor} 赞了你的动态", "en": "{actor} liked your post"},
    "inbox.title.like.many": {
        "zh-CN": "{actor} 等 {count} 人赞了你的动态",
        "en": "{actor} and others liked your post ({count})",
    },
    "inbox.title.notice": {"zh-CN": "新通知：{subject}", "en": "New notice: {subject}"},
    "inbox.title.answer": {"zh-CN": "{actor} 回答了你的提问", "en": "{actor} answered your question"},
    "inbox.title.answer_accepted": {"zh-CN": "你的回答被采纳了", "en": "Your answer was accepted"},
    "inbox.title.service": {"zh-CN": "服务申请有新进展", "en": "A service request has news"},
    "inbox.title.service.many": {"zh-CN": "服务申请有 {count} 条新进展", "en": "{count} updates on a service request"},
    "inbox.title.chat": {"zh-CN": "{actor} 发来一条消息", "en": "{actor} sent you a message"},
    "inbox.title.chat.many": {
        "zh-CN": "{actor} 等发来 {count} 条新消息",
        "en": "{count} new messages, the latest from {actor}",
    },
}
