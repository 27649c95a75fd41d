"""orgs' messages for membership transfers (组织关系转接) and mobile members (流动党员)."""

MESSAGES: dict[str, dict[str, str]] = {
    # transfers
    "transfer_not_found": {"zh-CN": "组织关系转接记录不存在", "en": "No such transfer"},
    "transfer_step_invalid": {
        "zh-CN": "转接步骤无效（approve_out、reject_out、accept_in、reject_in、cancel）",
        "en": "Unknown step (approve_out, reject_out, accept_in, reject_in, cancel)",
    },
    "transfer_step_forbidden": {
        "zh-CN": "您无权办理此转接步骤（{step}）",
        "en": "You may not take this step of the transfer ({step})",
    },
    "transfer_state_invalid": {
        "zh-CN": "转接当前状态为“{state}”，不能办理“{step}”",
        "en": "The transfer is {state}; {step} is not possible now",
    },
    "transfer_reason_required": {"zh-CN": "退回转接须填写理由", "en": "A rejection needs a reason"},
    "transfer_reason_too_long": {"zh-CN": "理由不能超过 {limit} 个字符", "en": "The reason is longer than {limit}"},
    "transfer_same_org": {"zh-CN": "转入组织不能是当前所在组织", "en": "The member already belongs to this org"},
    "transfer_status_invalid": {
        "zh-CN": "当前党员状态（{status}）不能办理组织关系转接",
        "en": "A membership in status {status} can't be transferred",
    },
    "transfer_open_exists": {
        "zh-CN": "该党员已有一项正在办理的组织关系转接",
        "en": "This member already has a transfer in progress",
    },
    "transfer_mobile_active": {
        "zh-CN": "该党员正处于流动期间，请先结束流动登记",
        "en": "This member is registered as mobile; end the mobile period first",
    },
    "transfer_membership_moved": {
        "zh-CN": "该党员的组织关系已发生变化，本次转接无法完成",
        "en": "The membership has moved since the request; this transfer can't complete",
    },
    "transfer_region_unsupported": {
        "zh-CN": "暂不支持转往区域“{region}”",
        "en": "Transfers to region {region} are not supported yet",
    },
    "transfer_direction_invalid": {
        "zh-CN": "方向应为 outgoing（转出）或 incoming（转入）",
        "en": "direction is outgoing or incoming",
    },
    "transfer_state_unknown": {"zh-CN": "转接状态无效", "en": "Unknown transfer state"},
    "transfer_busy": {
        "zh-CN": "该转接正被同时办理，请稍后重试",
        "en": "The transfer is being changed by others at the same time; try again",
    },
    "transfer_history_note": {
        "zh-CN": "组织关系转接（介绍信 {letter_no}）：{from_org} → {to_org}",
        "en": "Membership transfer (letter {letter_no}): {from_org} → {to_org}",
    },
    # mobile members
    "mobile_registration_not_found": {"zh-CN": "流动党员登记不存在", "en": "No such mobile-member registration"},
    "mobile_step_forbidden": {"zh-CN": "您无权办理此流动党员事项", "en": "You may not take this step"},
    "mobile_state_invalid": {
        "zh-CN": "该流动登记当前状态为“{state}”，不能办理此事项",
        "en": "The registration is {state}; this step is not possible now",
    },
    "mobile_text_too_long": {"zh-CN": "内容不能超过 {limit} 个字符", "en": "The text is longer than {limit}"},
    "mobile_return_before_leaving": {
        "zh-CN": "返回日期不能早于外出日期",
        "en": "The return date can't precede the date of leaving",
    },
    "mobile_status_invalid": {
        "zh-CN": "当前党员状态不能办理流动党员登记",
        "en": "A membership in this status can't be registered as mobile",
    },
    "mobile_host_is_home": {"zh-CN": "流入组织不能是本人所在组织", "en": "The host org can't be the home org"},
    "mobile_host_unnamed": {
        "zh-CN": "该登记未指定流入组织",
        "en": "This registration names no host org",
    },
    "mobile_transfer_open": {
        "zh-CN": "该党员正在办理组织关系转接，请先完成或撤回",
        "en": "This member has a transfer in progress; complete or cancel it first",
    },
    "mobile_already_active": {
        "zh-CN": "该党员已有一项未结束的流动登记",
        "en": "This member already has a mobile period that hasn't ended",
    },
    "mobile_side_invalid": {
        "zh-CN": "side 应为 home（流出）或 host（流入）",
        "en": "side is home or host",
    },
    "mobile_state_unknown": {"zh-CN": "流动登记状态无效", "en": "Unknown registration state"},
}
