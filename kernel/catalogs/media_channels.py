"""media's channels (网络电台 / 网络电视频道): channels, schedules, guides and live broadcasts."""

MESSAGES: dict[str, dict[str, str]] = {
    "channel_not_found": {"zh-CN": "频道不存在", "en": "No such channel"},
    "channel_name_invalid": {
        "zh-CN": "频道名称须为 1 到 {max} 个字符，且不含控制字符",
        "en": "A channel name of 1 to {max} characters, without control characters",
    },
    "channel_description_invalid": {
        "zh-CN": "频道简介最多 {max} 个字符",
        "en": "A channel description of at most {max} characters",
    },
    "channel_kind_unknown": {"zh-CN": "频道类型须为 radio（电台）或 tv（电视）", "en": "A channel is radio or tv"},
    "channel_visibility_unknown": {
        "zh-CN": "可见范围须为 members 或 public",
        "en": "Visibility is members or public",
    },
    "schedule_kind_unknown": {
        "zh-CN": "节目类型须为 media（点播）、live（直播）或 relay（转播）",
        "en": "A slot is media (on demand), live or relay",
    },
    "schedule_title_invalid": {
        "zh-CN": "节目标题最多 {max} 个字符，且不含控制字符",
        "en": "A title of at most {max} characters, without control characters",
    },
    "schedule_time_invalid": {
        "zh-CN": "时间须带时区（例如 2026-03-01T20:00:00+08:00）",
        "en": "A time with its zone (e.g. 2026-03-01T20:00:00+08:00)",
    },
    "schedule_times_invalid": {"zh-CN": "结束时间须晚于开始时间", "en": "The end must come after the start"},
    "schedule_too_long": {"zh-CN": "一个节目最长 {hours} 小时", "en": "A slot lasts at most {hours} hours"},
    "schedule_end_required": {
        "zh-CN": "直播和转播节目须给出结束时间",
        "en": "Live and relay slots need an end time",
    },
    "schedule_overlap": {
        "zh-CN": "与已安排的节目时间重叠（{starts} 至 {ends}，北京时间）",
        "en": "Overlaps a slot already scheduled ({starts} to {ends}, Beijing time)",
    },
    "schedule_busy": {
        "zh-CN": "节目单正被他人修改，请稍后重试",
        "en": "The schedule is being changed by someone else: try again",
    },
    "schedule_slot_not_found": {"zh-CN": "节目不存在", "en": "No such slot"},
    "schedule_media_not_playable": {
        "zh-CN": "只能安排已处理完成的{kind}文件",
        "en": "Only ready {kind} files can be scheduled",
    },
    "schedule_media_not_visible": {
        "zh-CN": "频道的观众无权查看此文件（公开频道只能播放公开文件，私有文件不能播放）",
        "en": "The channel's audience may not see this file (public channels play public files; private files never)",
    },
    "schedule_relay_not_superior": {
        "zh-CN": "只能转播上级组织频道的直播",
        "en": "Only a superior org's channel can be relayed",
    },
    "guide_date_invalid": {
        "zh-CN": "日期须为 YYYY-MM-DD，且在一年之内",
        "en": "A date as YYYY-MM-DD, within a year",
    },
    "broadcast_not_found": {"zh-CN": "直播不存在", "en": "No such broadcast"},
    "broadcast_revoked": {"zh-CN": "此直播的推流密钥已作废", "en": "This broadcast's stream key was revoked"},
}
