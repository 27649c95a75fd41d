"""content's forums, notices, and polls and surveys (services/content/forums.py, notices.py, polls.py)."""

MESSAGES: dict[str, dict[str, str]] = {
    # what people type, checked alike in the three (domain/inputs.py)
    "bulletin_text_empty": {"zh-CN": "此项不能为空", "en": "This can't be empty"},
    "bulletin_text_too_long": {"zh-CN": "最多 {max} 个字符", "en": "At most {max} characters"},
    "bulletin_media_too_many": {"zh-CN": "附件最多 {max} 个", "en": "At most {max} attachments"},
    "bulletin_media_id_invalid": {"zh-CN": "附件标识格式不正确", "en": "An attachment id is malformed"},
    "bulletin_too_many": {"zh-CN": "最多选择 {max} 个", "en": "Choose at most {max}"},
    "bulletin_id_invalid": {"zh-CN": "标识格式不正确", "en": "An id is malformed"},
    # forums
    "forum_board_not_found": {"zh-CN": "版块不存在", "en": "No such board"},
    "forum_boards_full": {"zh-CN": "每个组织最多 {max} 个版块", "en": "An org has at most {max} boards"},
    "forum_board_closed": {"zh-CN": "版块已关闭，不能发帖或回复", "en": "The board is closed to new posts"},
    "forum_thread_not_found": {"zh-CN": "帖子不存在", "en": "No such thread"},
    "forum_thread_locked": {"zh-CN": "帖子已锁定，不能回复", "en": "The thread is locked"},
    "forum_reply_not_found": {"zh-CN": "回复不存在", "en": "No such reply"},
    "forum_not_moderator": {"zh-CN": "只有版主或论坛管理员可以这样做", "en": "Only the board's moderators may do this"},
    "forum_pins_full": {"zh-CN": "每个版块最多置顶 {max} 个帖子", "en": "A board pins at most {max} threads"},
    "forum_move_same_board": {"zh-CN": "请选择另一个版块", "en": "Choose another board"},
    "forum_person_unknown": {"zh-CN": "该用户不存在", "en": "No such person"},
    "forum_moderator_outside": {
        "zh-CN": "版主须能看到该版块（属于该组织）",
        "en": "A moderator must be able to read the board (belong to its org)",
    },
    "forum_moderators_full": {"zh-CN": "版主人数已达上限", "en": "The board has as many moderators as it may"},
    "forum_mention_cannot_read": {
        "zh-CN": "被提到的人看不到这个帖子",
        "en": "Someone you mention can't read this thread",
    },
    # notices
    "notice_not_found": {"zh-CN": "通知不存在", "en": "No such notice"},
    "notice_role_invalid": {"zh-CN": "职务无效（{roles}）", "en": "Unknown role ({roles})"},
    "notice_target_outside": {
        "zh-CN": "只能发给本组织及下级组织",
        "en": "A notice goes to the sending org and orgs below it only",
    },
    "notice_no_recipients": {"zh-CN": "所选范围内没有接收人", "en": "Nobody is in the chosen audience"},
    "notice_receipts_denied": {
        "zh-CN": "只有发布者和上级组织负责人可以查看阅读情况",
        "en": "Only the sender and the officers above may see who has read it",
    },
    "notice_org_outside": {"zh-CN": "该组织不在通知范围内", "en": "This org is not in the notice's audience"},
    "notice_still_publishing": {
        "zh-CN": "通知仍在发送中，全部送达后才能提醒",
        "en": "The notice is still being delivered; remind once everyone has it",
    },
    "notice_remind_too_soon": {
        "zh-CN": "每小时只能提醒一次，请 {retry_after} 秒后再试",
        "en": "One reminder an hour; try again in {retry_after} s",
    },
    # polls and surveys
    "poll_not_found": {"zh-CN": "投票不存在", "en": "No such poll"},
    "poll_not_in_audience": {"zh-CN": "你不在本次投票的范围内", "en": "You are not in this poll's audience"},
    "poll_closed": {"zh-CN": "投票已截止", "en": "The poll has closed"},
    "poll_already_voted": {"zh-CN": "你已经投过票，投票后不能更改", "en": "You have voted; a vote can't be changed"},
    "poll_questions_count": {"zh-CN": "问题须为 1 到 {max} 个", "en": "Between 1 and {max} questions"},
    "poll_kind_invalid": {"zh-CN": "题型无效（单选、多选）", "en": "A question is single or multiple choice"},
    "poll_options_count": {"zh-CN": "选项须为 {min} 到 {max} 个", "en": "Between {min} and {max} options"},
    "poll_options_repeated": {"zh-CN": "选项不能重复", "en": "Options must differ"},
    "poll_max_choices_invalid": {"zh-CN": "最多可选数不能超过选项数", "en": "max_choices exceeds the options"},
    "poll_results_invalid": {
        "zh-CN": "结果可见范围无效（发布者、投票人、截止后）",
        "en": "Unknown choice of who sees results (publisher, voters, closed)",
    },
    "poll_deadline_invalid": {
        "zh-CN": "截止时间须在 5 分钟后到一年之内",
        "en": "The deadline must be between 5 minutes and a year from now",
    },
    "poll_answers_count": {"zh-CN": "请回答全部 {count} 个问题", "en": "Answer all {count} questions"},
    "poll_choice_invalid": {"zh-CN": "所选选项无效", "en": "An option chosen does not exist"},
    "poll_choice_count": {"zh-CN": "请选择 1 到 {max} 项", "en": "Choose between 1 and {max} options"},
    "poll_results_hidden": {"zh-CN": "暂时不能查看结果", "en": "The results are not visible to you"},
    "poll_is_anonymous": {"zh-CN": "匿名投票不公开投票人的选择", "en": "An anonymous poll shows nobody's choice"},
    "poll_org_outside": {"zh-CN": "该组织不在投票范围内", "en": "This org is not in the poll's audience"},
}
