"""geo (位置服务): points and geofences, datums, signed device reports, consent texts and retention."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- domain: points, fences, boxes, datums (services/geo/domain/geometry.py, datum.py) --------------------
    "geo_point_invalid": {
        "zh-CN": "坐标无效：经度须在 -180 到 180 之间，纬度须在 -90 到 90 之间，且不能为 (0, 0)",
        "en": "Not a valid point: longitude -180 to 180, latitude -90 to 90, and not (0, 0)",
    },
    "geo_fence_shape_invalid": {
        "zh-CN": "签到范围的形状须为圆形（circle）或多边形（polygon）",
        "en": "A geofence is a circle or a polygon",
    },
    "geo_radius_invalid": {
        "zh-CN": "签到范围的半径须为 {min} 到 {max} 米",
        "en": "A geofence's radius is {min} to {max} m",
    },
    "geo_ring_too_short": {
        "zh-CN": "多边形至少需要 {min} 个顶点",
        "en": "A polygon needs at least {min} vertices",
    },
    "geo_ring_too_long": {
        "zh-CN": "多边形最多 {max} 个顶点",
        "en": "A polygon has at most {max} vertices",
    },
    "geo_ring_repeated_vertex": {
        "zh-CN": "多边形相邻的两个顶点不能相同",
        "en": "Two consecutive vertices of a polygon are the same",
    },
    "geo_ring_self_intersecting": {
        "zh-CN": "多边形的边不能相交",
        "en": "The polygon's edges cross each other",
    },
    "geo_fence_too_large": {
        "zh-CN": "签到范围过大：每个顶点与第一个顶点的距离不能超过 {max_km} 公里",
        "en": "The geofence is too large: every vertex is within {max_km} km of the first",
    },
    "geo_fence_too_small": {
        "zh-CN": "签到范围过小：面积至少 {min_m2} 平方米",
        "en": "The geofence is too small: at least {min_m2} m²",
    },
    "geo_bbox_invalid": {
        "zh-CN": "地图范围须为西、南、东、北四个数，且西小于东、南小于北",
        "en": "A box is four numbers, west, south, east, north, with west < east and south < north",
    },
    "geo_datum_invalid": {
        "zh-CN": "坐标系须为 wgs84 或 gcj02",
        "en": "A datum is wgs84 or gcj02",
    },
    # -- domain: aggregates, divisions (cells.py, divisions.py) ----------------------------------------------
    "geo_cell_size_invalid": {
        "zh-CN": "网格大小须为以下之一（米）：{sizes}",
        "en": "A cell size is one of (metres): {sizes}",
    },
    "geo_cell_invalid": {"zh-CN": "网格编号无效", "en": "Not a valid cell id"},
    "geo_division_invalid": {
        "zh-CN": "行政区划代码须为 6 位数字，且前两位为有效的省级代码",
        "en": "A division code is 6 digits starting with a valid province code",
    },
    # -- domain: consent (consent.py) ------------------------------------------------------------------------
    "geo_purpose_invalid": {
        "zh-CN": "用途须为以下之一：{allowed}",
        "en": "The purpose is one of: {allowed}",
    },
    "geo_consent_version_stale": {
        "zh-CN": "授权说明已更新（当前为第 {current} 版），请阅读新的说明后再授权",
        "en": "The consent text has changed (now version {current}); read the new text before agreeing",
    },
    # -- domain: signed reports (reports.py) -----------------------------------------------------------------
    "geo_public_key_invalid": {
        "zh-CN": "设备公钥须为 Base64 编码的 32 字节 Ed25519 公钥",
        "en": "A device key is a 32-byte Ed25519 public key in base64",
    },
    "geo_seq_invalid": {
        "zh-CN": "报告序号须为正整数",
        "en": "A report's sequence number is a positive integer",
    },
    "geo_accuracy_invalid": {
        "zh-CN": "定位精度须大于 0 且不超过 {max} 米",
        "en": "A fix's accuracy is above 0 and at most {max} m",
    },
    "geo_report_stale": {
        "zh-CN": "位置报告的时间与服务器时间相差超过 {minutes} 分钟，请校准设备时间后重试",
        "en": "The report's time is more than {minutes} minutes from the server's; check the device's clock",
    },
    # -- consent texts (consent.TEXT_KEYS): what a member reads before agreeing --------------------------------
    "geo_consent_text_check_in_v1": {
        "zh-CN": (
            "开启定位签到后，您在会议签到时，我们会收集您手机当时的位置（经纬度）和定位精度，仅用于确认您是否在"
            "会议地点的签到范围内，并据此为您登记出席。签到位置保存 90 天，之后删除位置，只保留您“已出席”的记录。"
            "签到位置只有该会议的组织者可以看到，您本人也可以随时查看和导出。您可以随时撤回本项授权，撤回后将不能"
            "再使用定位签到，已保存的签到位置会立即删除，只保留“已出席”的记录。"
        ),
        "en": (
            "With location check-in, when you check in at a meeting we collect your phone's position (longitude "
            "and latitude) and its accuracy at that moment, only to confirm that you are inside the meeting's "
            "check-in area and to record your attendance. The position is kept for 90 days; then it is deleted "
            "and only the record that you attended remains. Only the meeting's organizers can see your check-in "
            "position, and you can see and export it yourself at any time. You can withdraw this consent at any "
            "time: location check-in then stops, and the positions kept are deleted at once, leaving only the "
            "record that you attended."
        ),
    },
    "geo_consent_text_mobile_city_v1": {
        "zh-CN": (
            "开启所在城市报告后，您的手机会定期报告所在位置，我们只据此确定并保存您工作所在的城市，不保存具体位置。"
            "城市信息用于为您查找就近可以参加组织生活的党组织，并用于统计党员按城市和区域的分布；统计中少于 10 人的"
            "分组从不显示，组织只能看到人数，看不到您个人所在的城市。城市信息在您授权期间保存，自最后一次报告起最长"
            "保存 180 天。您本人可以随时查看和导出。您可以随时撤回本项授权，撤回后不再报告，"
            "已保存的城市信息会立即删除。"
        ),
        "en": (
            "With city reporting, your phone reports its position from time to time; from it we determine and keep "
            "only the city where you work, never the position itself. The city is used to find party organizations "
            "near you where you can take part in organizational life, and to count how members are spread across "
            "cities and areas; groups of fewer than 10 people are never shown, and organizations see only numbers, "
            "never your own city. The city is kept while you consent, and at most 180 days after the last report. "
            "You can see and export it yourself at any time. You can withdraw this consent at any time: reporting "
            "then stops and the city kept is deleted at once."
        ),
    },
    "geo_consent_text_live_sharing_v1": {
        "zh-CN": (
            "开启会议期间位置共享后，在您选择共享的那次会议进行期间，我们会收集您手机的实时位置，用于方便参会人员"
            "相互找到、组织者安排会务。您的位置只有同一会议中也在共享位置的人员和该会议的组织者可以看到。会议结束时，"
            "您共享的位置即被删除，不做保存。您可以随时停止共享或撤回本项授权，撤回后已保存的位置会立即删除。"
        ),
        "en": (
            "With live location sharing, during the one meeting you choose to share in, we collect your phone's "
            "live position so that participants can find each other and organizers can run the meeting. Your "
            "position is visible only to others sharing in the same meeting and to its organizers. When the meeting "
            "ends, the position you shared is deleted and not kept. You can stop sharing or withdraw this consent "
            "at any time, and the position kept is then deleted at once."
        ),
    },
    # -- retention (consent.RETENTION_KEYS): one line each ----------------------------------------------------
    "geo_retention_check_in": {
        "zh-CN": "签到位置保存 90 天，之后只保留“已出席”记录",
        "en": "A check-in's position is kept 90 days, then only the record that you attended",
    },
    "geo_retention_mobile_city": {
        "zh-CN": "只保存所在城市，不保存具体位置；授权期间保存，最后一次报告后最长 180 天",
        "en": "Only the city is kept, never the position; while you consent, at most 180 days after the last report",
    },
    "geo_retention_live_sharing": {
        "zh-CN": "仅在会议期间保存，会议结束即删除",
        "en": "Kept only during the meeting, deleted when it ends",
    },
    # -- the service (services/geo/*.py) --
    "geo.purpose.check_in": {"zh-CN": "活动签到", "en": "event check-in"},
    "geo.purpose.mobile_city": {"zh-CN": "流动党员所在城市", "en": "mobile member's current city"},
    "geo.purpose.live_sharing": {"zh-CN": "活动期间实时位置共享", "en": "live location sharing during an event"},
    "geo_consent_required": {
        "zh-CN": "您尚未同意“{purpose}”用途的位置信息处理，请先在隐私设置中同意",
        "en": "You have not consented to location processing for “{purpose}”; consent in your privacy settings first",
    },
    "geo_device_name_invalid": {
        "zh-CN": "设备名称须为 1 到 {max} 个字",
        "en": "A device name is 1 to {max} characters",
    },
    "geo_platform_invalid": {"zh-CN": "设备平台无效", "en": "Not a valid device platform"},
    "geo_device_exists": {"zh-CN": "该设备已登记", "en": "This device is registered already"},
    "geo_too_many_devices": {
        "zh-CN": "最多可登记 {max} 台设备，请先注销不用的设备",
        "en": "At most {max} devices may be registered; unregister one you no longer use",
    },
    "geo_device_unknown": {"zh-CN": "设备未登记或已注销", "en": "This device is not registered or was unregistered"},
    "geo_signature_invalid": {
        "zh-CN": "位置报告签名无效，报告未被接受",
        "en": "The location report's signature is not valid; it was not accepted",
    },
    "geo_report_replayed": {
        "zh-CN": "位置报告序号须大于 {last}（重复或过期的报告不被接受）",
        "en": "A report's sequence number must be greater than {last} (repeated or old reports are refused)",
    },
    "geo_rate_limited": {
        "zh-CN": "该设备报告过于频繁，请 {retry_after} 秒后再试",
        "en": "This device reports too often; try again in {retry_after} s",
    },
    "geo_meeting_id_invalid": {"zh-CN": "会议标识无效", "en": "Not a valid meeting id"},
    "geo_meeting_cancelled": {"zh-CN": "会议已取消", "en": "The meeting was cancelled"},
    "geo_no_geofence": {"zh-CN": "该会议未设置签到范围", "en": "This meeting has no check-in area"},
    "geo_not_invited": {"zh-CN": "您不在该会议的参会名单中", "en": "You are not on this meeting's roster"},
    "geo_check_in_closed": {
        "zh-CN": "不在签到时间内（会议开始前 30 分钟至结束后 30 分钟）",
        "en": "Check-in is not open (from 30 minutes before the start until 30 minutes after the end)",
    },
    "geo_accuracy_too_low": {
        "zh-CN": "定位精度不足（须在 {max} 米以内），请到开阔处重新定位",
        "en": "The position is not accurate enough (within {max} m needed); try again in the open",
    },
    "geo_outside_fence": {
        "zh-CN": "您不在签到范围内（距离约 {distance} 米）",
        "en": "You are outside the check-in area (about {distance} m away)",
    },
    "geo_check_in_not_found": {"zh-CN": "签到记录不存在", "en": "No such check-in"},
    "geo_check_in_not_flagged": {
        "zh-CN": "该签到无需审核（状态：{status}）",
        "en": "This check-in needs no review (status: {status})",
    },
    "geo_meeting_not_on": {
        "zh-CN": "会议未在进行中，不能共享实时位置",
        "en": "The meeting is not on; live location cannot be shared",
    },
    "geo_share_to_see": {
        "zh-CN": "共享自己的位置后才能看到其他参会人员的位置",
        "en": "Share your own location to see the other participants'",
    },
    "geo_limit_invalid": {"zh-CN": "数量须为 1 到 {max}", "en": "The limit is 1 to {max}"},
    "geo_search_radius_invalid": {
        "zh-CN": "搜索半径须大于 0 且不超过 {max} 米",
        "en": "The search radius is above 0 and at most {max} m",
    },
    "geo_group_by_invalid": {"zh-CN": "分组方式须为 cell 或 city", "en": "Group by cell or city"},
}
