"""media's calls (rooms, signaling, ICE servers): errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "call_room_full": {
        "zh-CN": "通话人数已满（最多 {max} 人），无法加入",
        "en": "The call is full (at most {max} people)",
    },
    "call_room_not_found": {"zh-CN": "通话房间不存在", "en": "No such call room"},
    "call_room_kind_ambiguous": {
        "zh-CN": "会议通话房间不能另行邀请人员：邀请与会议编号只能二选一",
        "en": "A meeting's room invites nobody else: give either invited ids or a meeting id",
    },
    "call_media_unknown": {"zh-CN": "通话类型须为 audio 或 video", "en": "A call is audio or video"},
    "call_invitee_invalid": {"zh-CN": "受邀人账号编号无效", "en": "An invited account id is invalid"},
    "call_invitee_self": {"zh-CN": "不能邀请自己", "en": "You cannot invite yourself"},
    "call_invitees_count": {
        "zh-CN": "须邀请 1 到 {max} 人",
        "en": "Invite 1 to {max} people",
    },
    "call_meeting_id_invalid": {"zh-CN": "会议编号无效", "en": "The meeting id is invalid"},
    "call_meeting_cancelled": {"zh-CN": "会议已取消", "en": "The meeting was cancelled"},
    "call_meeting_not_online": {"zh-CN": "该会议不是线上会议", "en": "The meeting is not held online"},
    "call_meeting_closed": {
        "zh-CN": "会议通话只在会议开始前 30 分钟至结束后 30 分钟内开放",
        "en": "A meeting's room is open from 30 minutes before it starts to 30 minutes after it ends",
    },
    "call_signal_kind_unknown": {
        "zh-CN": "信令类型须为 offer、answer、candidate 或 bye",
        "en": "A signal is an offer, answer, candidate or bye",
    },
    "call_signal_recipient_invalid": {"zh-CN": "接收人账号编号无效", "en": "The recipient's account id is invalid"},
    "call_signal_to_self": {"zh-CN": "不能给自己发送信令", "en": "You cannot signal yourself"},
    "call_signal_too_large": {
        "zh-CN": "{kind} 信令内容过大（最多 {max} 字节）",
        "en": "The {kind} is too large (at most {max} bytes)",
    },
    "call_signal_payload_missing": {"zh-CN": "{kind} 信令内容为空", "en": "The {kind} is empty"},
    "call_recipient_not_in_room": {
        "zh-CN": "对方不在此通话中",
        "en": "The recipient is not in this call",
    },
    "call_signal_unavailable": {
        "zh-CN": "信令暂时无法送达，请稍后重试",
        "en": "Signals cannot be delivered right now; try again shortly",
    },
}
