"""content's chat: conversations, messages, and the gateway's WebSocket."""

MESSAGES: dict[str, dict[str, str]] = {
    "chat_client_id_invalid": {
        "zh-CN": "消息须带客户端编号（1 到 {max} 个字符）",
        "en": "A message needs a client_message_id of 1 to {max} characters",
    },
    "chat_text_too_long": {"zh-CN": "消息不能超过 {max} 个字", "en": "A message may hold at most {max} characters"},
    "chat_too_many_media": {"zh-CN": "一条消息最多附带 {max} 个文件", "en": "A message may carry at most {max} media"},
    "chat_media_id_invalid": {"zh-CN": "附件编号无效或重复", "en": "A media id is empty, too long or repeated"},
    "chat_message_empty": {"zh-CN": "消息不能为空", "en": "A message needs text or media"},
    "chat_title_too_long": {
        "zh-CN": "群名称不能超过 {max} 个字",
        "en": "A group title may hold at most {max} characters",
    },
    "chat_too_many_invitees": {
        "zh-CN": "一次最多邀请 {max} 人",
        "en": "At most {max} people may be invited at once",
    },
    "chat_conversation_not_found": {"zh-CN": "会话不存在", "en": "No such conversation"},
    "chat_person_unknown": {"zh-CN": "本地区没有此人：{id}", "en": "No such person in this region: {id}"},
    "chat_direct_self": {"zh-CN": "不能和自己聊天", "en": "You can't open a conversation with yourself"},
    "chat_direct_not_allowed": {
        "zh-CN": "只能与好友或同一组织（两级以内）的人私聊",
        "en": "You can chat one-to-one with friends and with people of your org (up to two levels apart)",
    },
    "chat_invite_not_allowed": {
        "zh-CN": "只能邀请好友或同一组织（两级以内）的人：{id}",
        "en": "You can invite friends and people of your org (up to two levels apart) only: {id}",
    },
    "chat_group_full": {"zh-CN": "群成员已满（上限 {max} 人）", "en": "The group is full ({max} members)"},
    "chat_org_group_not_found": {"zh-CN": "该组织还没有群聊", "en": "This org has no group chat (yet)"},
    "chat_invite_owner_only": {"zh-CN": "只有群主可以邀请成员", "en": "Only the group's owner may invite"},
    "chat_direct_leave": {"zh-CN": "不能退出一对一会话", "en": "A one-to-one conversation can't be left"},
    "chat_org_group_outside": {
        "zh-CN": "你已不在该组织内，不能在其群聊中发言",
        "en": "You are no longer in this org and can't speak in its group chat",
    },
    "chat_busy": {"zh-CN": "会话繁忙，请稍后重试", "en": "The conversation is busy; please retry"},
    "chat_sync_too_many": {
        "zh-CN": "一次最多同步 {max} 个会话",
        "en": "At most {max} conversations may be synced at once",
    },
    # the gateway's WebSocket (docs/websocket.md): error frames and close reasons
    "chat_ws_frame_invalid": {
        "zh-CN": "消息帧无效：须为带 type 字段的 JSON 对象",
        "en": "Invalid frame: send a JSON object with a known type",
    },
    "chat_ws_frame_too_large": {
        "zh-CN": "消息帧过大（上限 {limit} 字节）",
        "en": "Frame too large (limit {limit} bytes)",
    },
    "chat_ws_auth_timeout": {
        "zh-CN": "连接后须在 {seconds} 秒内发送登录凭证",
        "en": "Send the access token within {seconds} s of connecting",
    },
    "chat_ws_account_changed": {
        "zh-CN": "新的登录凭证属于另一个账号",
        "en": "The new access token belongs to another account",
    },
    "chat_ws_too_many": {
        "zh-CN": "同一账号的连接过多（上限 {max}）",
        "en": "Too many connections for one account (limit {max})",
    },
    "chat_ws_upgrade": {
        "zh-CN": "请在此地址建立 WebSocket 连接（协议见 docs/websocket.md）",
        "en": "Connect a WebSocket here (protocol: docs/websocket.md)",
    },
    "chat_ws_going_away": {"zh-CN": "服务正在重启，请重新连接", "en": "The server is restarting; reconnect"},
}
