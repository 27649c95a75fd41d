"""The microblog's messages (services/content: posts, comments, timelines, moderation)."""

MESSAGES: dict[str, dict[str, str]] = {
    "mb_client_post_id_invalid": {
        "zh-CN": "客户端帖子标识无效：最多 {max} 个字母、数字、下划线或连字符",
        "en": "Invalid client post id: at most {max} letters, digits, underscores or hyphens",
    },
    "mb_text_too_long": {
        "zh-CN": "内容不能超过 {limit} 个字（现为 {length} 个）",
        "en": "The text may have at most {limit} characters (it has {length})",
    },
    "mb_text_empty": {
        "zh-CN": "内容不能为空（除非附带图片视频或为转发）",
        "en": "The text may be empty only with media or in a repost",
    },
    "mb_comment_too_long": {
        "zh-CN": "评论不能超过 {limit} 个字（现为 {length} 个）",
        "en": "A comment may have at most {limit} characters (it has {length})",
    },
    "mb_comment_empty": {"zh-CN": "评论内容不能为空", "en": "A comment needs some text"},
    "mb_too_many_media": {
        "zh-CN": "最多附带 {limit} 个图片或视频（现为 {count} 个）",
        "en": "At most {limit} media items (there are {count})",
    },
    "mb_media_id_invalid": {
        "zh-CN": "媒体标识格式不正确（1 到 64 个字母、数字、下划线或连字符）",
        "en": "A media id has 1 to 64 letters, digits, underscores or dashes",
    },
    "mb_media_id_repeated": {"zh-CN": "同一媒体不能重复附带", "en": "A media id appears twice"},
    "mb_too_many_mentions": {
        "zh-CN": "最多提及 {limit} 人（现为 {count} 人）",
        "en": "At most {limit} mentions (there are {count})",
    },
    "mb_mention_invalid": {"zh-CN": "提及的账号标识格式不正确", "en": "A mentioned account id is malformed"},
    "mb_mention_unknown": {"zh-CN": "提及的用户不存在：{account_id}", "en": "Unknown mentioned account: {account_id}"},
    "mb_visibility_invalid": {
        "zh-CN": "可见范围无效（可选：{allowed}）",
        "en": "Unknown visibility (one of {allowed})",
    },
    "mb_official_visibility": {
        "zh-CN": "组织官方号的微博只能公开或对组织可见",
        "en": "An org's official post is public or visible to an org",
    },
    "mb_audience_org_unexpected": {
        "zh-CN": "只有“组织可见”的微博才能指定组织",
        "en": "An audience org is given only with the org visibility",
    },
    "mb_no_home_org": {
        "zh-CN": "你尚未加入组织，不能发布仅组织可见的微博",
        "en": "You belong to no org, so you cannot post to an org",
    },
    "mb_audience_org_not_above": {
        "zh-CN": "只能面向本组织或其上级组织发布：{org_id}",
        "en": "The audience must be your own org or an org above it: {org_id}",
    },
    "mb_post_unknown": {"zh-CN": "微博不存在或无权查看", "en": "No such post, or you may not read it"},
    "mb_comment_unknown": {"zh-CN": "评论不存在或无权查看", "en": "No such comment, or you may not read it"},
    "mb_report_unknown": {"zh-CN": "举报不存在", "en": "No such report"},
    "mb_person_unknown": {"zh-CN": "用户不存在：{account_id}", "en": "Unknown person: {account_id}"},
    "mb_repost_unavailable": {
        "zh-CN": "原微博不存在、已删除或你无权查看，不能转发",
        "en": "The original post is gone or you may not read it, so it cannot be reposted",
    },
    "mb_post_not_live": {
        "zh-CN": "该微博已删除或被隐藏",
        "en": "This post has been deleted or hidden",
    },
    "mb_edit_not_allowed": {"zh-CN": "只有作者可以编辑自己的微博", "en": "Only the author edits a post"},
    "mb_delete_not_allowed": {
        "zh-CN": "只有作者或管理员可以删除",
        "en": "Only the author or a moderator may delete this",
    },
    "mb_official_not_allowed": {
        "zh-CN": "你无权以该组织官方号发布",
        "en": "You may not post as this org's official account",
    },
    "mb_target_kind_invalid": {
        "zh-CN": "举报对象类型无效（post 或 comment）",
        "en": "A report is about a post or a comment",
    },
    "mb_report_reason_invalid": {
        "zh-CN": "举报原因无效（可选：{allowed}）",
        "en": "Unknown report reason (one of {allowed})",
    },
    "mb_report_note_too_long": {
        "zh-CN": "举报说明不能超过 {limit} 个字",
        "en": "A report note may have at most {limit} characters",
    },
    "mb_already_reported": {"zh-CN": "你已举报过该内容", "en": "You have already reported this"},
    "mb_report_resolved": {"zh-CN": "该举报已处理", "en": "This report has already been resolved"},
    "mb_resolution_invalid": {
        "zh-CN": "处理方式无效（可选：{allowed}）",
        "en": "Unknown resolution (one of {allowed})",
    },
}
