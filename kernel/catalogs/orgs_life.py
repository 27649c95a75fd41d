"""orgs' messages about org life (组织生活): meetings, attendance, compliance."""

MESSAGES: dict[str, dict[str, str]] = {
    "life_meeting_type_invalid": {
        "zh-CN": "会议类型无效（支部党员大会、支委会、党小组会、党课、主题党日、组织生活会）",
        "en": (
            "Unknown meeting type (branch_general_meeting, committee_meeting, group_meeting, party_lecture, "
            "theme_party_day, organizational_life_meeting)"
        ),
    },
    "life_meeting_type_not_for_org": {
        "zh-CN": "该类型的组织（{org_type}）不召开这种会议",
        "en": "An org of type {org_type} does not hold this kind of meeting",
    },
    "life_text_invalid": {
        "zh-CN": "内容不能为空，且不超过 {limit} 个字符",
        "en": "Required, at most {limit} characters",
    },
    "life_starts_at_out_of_range": {
        "zh-CN": "开始时间须在过去一年到未来两年之间",
        "en": "The start must lie between a year ago and two years ahead",
    },
    "life_ends_before_start": {"zh-CN": "结束时间须晚于开始时间", "en": "The meeting must end after it starts"},
    "life_meeting_too_long": {"zh-CN": "会议时长不能超过 24 小时", "en": "A meeting lasts at most 24 hours"},
    "life_venue_missing": {
        "zh-CN": "请填写会议地点或线上会议链接",
        "en": "Give a place, an online link, or both",
    },
    "life_attachments_too_many": {"zh-CN": "附件最多 {limit} 个", "en": "At most {limit} attachments"},
    "life_attachment_invalid": {"zh-CN": "附件编号无效", "en": "Invalid media id"},
    "life_date_invalid": {"zh-CN": "日期格式应为 YYYY-MM-DD", "en": "Dates are YYYY-MM-DD"},
    "life_recurrence_freq_invalid": {
        "zh-CN": "重复频率无效（每周或每月）",
        "en": "Repeat weekly or monthly",
    },
    "life_recurrence_interval_invalid": {
        "zh-CN": "重复间隔须为 1 到 {limit}",
        "en": "The interval must be between 1 and {limit}",
    },
    "life_recurrence_by_invalid": {
        "zh-CN": "每月重复的方式无效（按日期或按第几个星期几）",
        "en": "Monthly series repeat by day_of_month or weekday",
    },
    "life_recurrence_until_invalid": {
        "zh-CN": "重复截止日期不能早于第一次会议",
        "en": "The series can't end before its first meeting",
    },
    "life_recurrence_too_long": {
        "zh-CN": "一次最多安排 {limit} 次会议，请提前截止日期",
        "en": "A series has at most {limit} meetings; choose an earlier end date",
    },
    "life_roster_too_large": {
        "zh-CN": "参会人员超过 {limit} 人，请由下级组织分别召开",
        "en": "More than {limit} invitees; let the lower orgs hold their own meetings",
    },
    "life_meeting_not_found": {"zh-CN": "会议不存在", "en": "No such meeting"},
    "life_not_invited": {"zh-CN": "您不在该会议的参会名单中", "en": "You are not invited to this meeting"},
    "life_meeting_cancelled": {"zh-CN": "会议已取消", "en": "The meeting is cancelled"},
    "life_meeting_over": {"zh-CN": "会议已结束", "en": "The meeting is over"},
    "life_meeting_not_started": {"zh-CN": "会议尚未开始", "en": "The meeting has not started yet"},
    "life_attendance_step_invalid": {
        "zh-CN": "当前参会状态（{current}）下不能执行此操作",
        "en": "Not possible while the attendance is {current}",
    },
    "life_leave_own": {
        "zh-CN": "不能审批自己的请假，请由上级组织审批",
        "en": "Your own leave is decided by someone above you",
    },
    "life_invitee_not_found": {"zh-CN": "此人不在参会名单中", "en": "This person is not on the roster"},
    "life_check_in_closed": {
        "zh-CN": "签到时间为 {opens} 至 {closes}",
        "en": "Check-in is open from {opens} to {closes}",
    },
    "life_code_invalid": {"zh-CN": "签到码应为 6 位数字", "en": "The check-in code has 6 digits"},
    "life_code_wrong": {"zh-CN": "签到码错误", "en": "Wrong check-in code"},
    "life_code_locked": {
        "zh-CN": "签到码错误次数过多，请联系会议组织者",
        "en": "Too many wrong codes; ask the organizer",
    },
    "life_meeting_not_online": {"zh-CN": "该会议没有线上会场", "en": "This meeting has no online room"},
    "life_period_invalid": {
        "zh-CN": "统计期间格式应为 2026-Q3、2026-07 或 2026",
        "en": "A period is 2026-Q3, 2026-07 or 2026",
    },
    "life_report_too_large": {
        "zh-CN": "该组织下级组织超过 {limit} 个，请选择更小的范围",
        "en": "More than {limit} orgs below; choose a smaller subtree",
    },
}
