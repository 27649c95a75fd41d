"""orgs' messages (the tree, memberships, dues)."""

MESSAGES: dict[str, dict[str, str]] = {
    "org_type_invalid": {
        "zh-CN": "组织类型无效（党委、党总支、党支部、党小组）",
        "en": "Unknown org type (committee, general_branch, branch, group)",
    },
    "org_category_invalid": {"zh-CN": "组织类别无效", "en": "Unknown org category"},
    "org_name_invalid": {
        "zh-CN": "组织名称须为 1 到 100 个字符，且不含控制字符",
        "en": "The org name needs 1 to 100 characters, without control characters",
    },
    "org_slug_invalid": {
        "zh-CN": "网址标识只能包含小写字母、数字和连字符",
        "en": "A slug uses lower-case letters, digits and dashes",
    },
    "org_slug_taken": {"zh-CN": "该网址标识已被使用", "en": "This slug is taken"},
    "org_placement_invalid": {
        "zh-CN": "该类型（{type}）的组织不能设在此上级组织之下",
        "en": "An org of type {type} can't sit under this parent",
    },
    "org_move_cycle": {"zh-CN": "不能把组织移到它自己或其下级组织之下", "en": "An org can't move under itself"},
    "org_move_same_parent": {"zh-CN": "组织已在该上级组织之下", "en": "The org is already under this parent"},
    "org_has_members": {
        "zh-CN": "该组织仍有党员或下级组织，请先转移",
        "en": "The org still has members or child orgs; move them first",
    },
    "org_dissolved": {"zh-CN": "该组织已撤销", "en": "This org is dissolved"},
    "root_needs_admin": {"zh-CN": "只有区域管理员可以创建顶级党组织", "en": "Only region admins create root orgs"},
    "location_invalid": {"zh-CN": "坐标无效（WGS-84 经纬度）", "en": "Invalid WGS-84 coordinates"},
    "date_invalid": {"zh-CN": "日期格式应为 YYYY-MM-DD", "en": "Dates are YYYY-MM-DD"},
    "date_in_future": {"zh-CN": "日期不能晚于今天", "en": "The date can't be in the future"},
    "date_before_current_step": {
        "zh-CN": "日期不能早于当前阶段的开始日期",
        "en": "The date can't precede the current step",
    },
    "status_invalid": {"zh-CN": "党员状态无效", "en": "Unknown membership status"},
    "status_step_invalid": {
        "zh-CN": "不能从“{current}”直接变为“{to}”",
        "en": "A membership can't go from {current} to {to}",
    },
    "status_step_too_early": {
        "zh-CN": "未满规定期限，最早可在 {earliest} 办理",
        "en": "Too early: the earliest date is {earliest}",
    },
    "already_member": {
        "zh-CN": "此人已有组织关系，请办理组织关系转接",
        "en": "This person already has a home org; transfer the membership instead",
    },
    "membership_not_found": {"zh-CN": "党员记录不存在", "en": "No such membership"},
    "person_unknown": {"zh-CN": "该账号不存在", "en": "No such account"},
    "org_role_invalid": {"zh-CN": "组织内职务无效", "en": "Unknown role in an org"},
    "month_invalid": {"zh-CN": "月份格式应为 YYYY-MM", "en": "Months are YYYY-MM"},
    "amount_invalid": {"zh-CN": "金额无效", "en": "Invalid amount"},
    # labels, used as message parameters
    "status.applicant": {"zh-CN": "申请人", "en": "applicant"},
    "status.activist": {"zh-CN": "积极分子", "en": "activist"},
    "status.development_target": {"zh-CN": "发展对象", "en": "development target"},
    "status.probationary": {"zh-CN": "预备党员", "en": "probationary member"},
    "status.full": {"zh-CN": "正式党员", "en": "full member"},
    "status.suspended": {"zh-CN": "停止党籍", "en": "suspended"},
    "status.transferred_out": {"zh-CN": "已转出", "en": "transferred out"},
    "status.deceased": {"zh-CN": "已去世", "en": "deceased"},
    "type.committee": {"zh-CN": "党委", "en": "committee"},
    "type.general_branch": {"zh-CN": "党总支", "en": "general branch"},
    "type.branch": {"zh-CN": "党支部", "en": "branch"},
    "type.group": {"zh-CN": "党小组", "en": "group"},
}
