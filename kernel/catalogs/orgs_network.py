"""orgs' relationship network: friends, follows, external contacts, privacy, paths."""

MESSAGES: dict[str, dict[str, str]] = {
    "relation_invalid": {
        "zh-CN": "关系类型无效（上级、下级、同事、好友、粉丝、关注）",
        "en": "Unknown relation (superiors, subordinates, colleagues, friends, followers, following)",
    },
    "friend_requests_from_invalid": {
        "zh-CN": "好友申请范围无效（所有人、组织内、不允许）",
        "en": "Unknown choice for friend requests (everyone, org_within, nobody)",
    },
    "org_levels_invalid": {"zh-CN": "组织层级须为 0 到 {max}", "en": "Org levels must be between 0 and {max}"},
    "friends_visible_to_invalid": {
        "zh-CN": "好友列表可见范围无效（好友、仅自己）",
        "en": "Unknown choice for friend list visibility (friends, only_me)",
    },
    "friend_self": {"zh-CN": "不能添加自己为好友", "en": "You can't befriend yourself"},
    "already_friends": {"zh-CN": "你们已经是好友", "en": "You are friends already"},
    "friend_request_pending": {"zh-CN": "已发送过好友申请，请等待对方处理", "en": "Your friend request is pending"},
    "friend_request_declined": {
        "zh-CN": "对方已拒绝你的好友申请，30 天后可再次申请",
        "en": "Your friend request was declined; you may ask again after 30 days",
    },
    "friend_request_not_allowed": {
        "zh-CN": "对方的隐私设置不接受你的好友申请",
        "en": "Their privacy settings don't accept friend requests from you",
    },
    "friend_request_not_found": {"zh-CN": "没有待处理的好友申请", "en": "No pending friend request"},
    "not_friends": {"zh-CN": "你们不是好友", "en": "You are not friends"},
    "follow_kind_invalid": {"zh-CN": "关注对象类型无效（个人、组织）", "en": "You follow a person or an org"},
    "follow_self": {"zh-CN": "不能关注自己", "en": "You can't follow yourself"},
    "already_following": {"zh-CN": "已经关注", "en": "You follow them already"},
    "not_following": {"zh-CN": "尚未关注", "en": "You don't follow them"},
    "network_private": {"zh-CN": "对方未公开此信息", "en": "This is private"},
    "limit_invalid": {"zh-CN": "数量须为 1 到 {max}", "en": "limit must be between 1 and {max}"},
    "path_depth_invalid": {"zh-CN": "最大层数须为 1 到 {max}", "en": "max_depth must be between 1 and {max}"},
    "path_to_self": {"zh-CN": "请选择另一位党员", "en": "Choose someone other than yourself"},
    "contact_phone_invalid": {
        "zh-CN": "请输入有效的中国大陆手机号码",
        "en": "Enter a valid mainland China mobile number",
    },
    "contact_name_invalid": {"zh-CN": "姓名须为 1 到 {max} 个字符", "en": "The name needs 1 to {max} characters"},
    "contact_note_invalid": {"zh-CN": "备注最多 {max} 个字符", "en": "The note has at most {max} characters"},
    "contact_exists": {"zh-CN": "该手机号已在你的联系人中", "en": "This number is already among your contacts"},
    "contact_not_found": {"zh-CN": "联系人不存在", "en": "No such contact"},
}
