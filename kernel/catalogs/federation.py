"""Federation (跨区域): peer regions' signed requests, cross-region transfers, the central office's views."""

MESSAGES: dict[str, dict[str, str]] = {
    "federation_refused": {
        "zh-CN": "跨区域请求未通过验证（{reason}）",
        "en": "The cross-region request was refused ({reason})",
    },
    "federation_peer_only": {
        "zh-CN": "仅限已登记的对端区域调用",
        "en": "Only a registered peer region may call this",
    },
    "federation_central_only": {
        "zh-CN": "仅限中央机关调用",
        "en": "Only the central office may call this",
    },
    "federation_region_unknown": {
        "zh-CN": "未登记的区域：{region}",
        "en": "Not a registered region: {region}",
    },
    "federation_peer_unavailable": {
        "zh-CN": "区域 {region} 暂时无法连接，请稍后再试",
        "en": "Region {region} cannot be reached now; try again later",
    },
    "federation_message_invalid": {
        "zh-CN": "跨区域消息格式不正确",
        "en": "The cross-region message is malformed",
    },
    "federation_kind_unknown": {
        "zh-CN": "未知的跨区域消息类型：{kind}",
        "en": "Unknown cross-region message kind: {kind}",
    },
    "federation_not_configured": {
        "zh-CN": "本区域未配置跨区域互联",
        "en": "This region has no federation configured",
    },
    "federation_search_query_invalid": {
        "zh-CN": "请按姓名（2 到 20 个字）或 11 位手机号查询",
        "en": "Search by a name (2 to 20 characters) or an 11-digit phone number",
    },
    "federation_search_reason_required": {
        "zh-CN": "跨区域查人须填写事由（4 到 200 个字）",
        "en": "A cross-region person search needs a reason (4 to 200 characters)",
    },
    "transfer_remote_org_unknown": {
        "zh-CN": "接收组织在本区域不存在或已撤销",
        "en": "The incoming org does not exist in this region (or was dissolved)",
    },
    "transfer_remote_pending": {
        "zh-CN": "已接收，等待转出区域确认",
        "en": "Accepted; waiting for the outgoing region to confirm",
    },
}
