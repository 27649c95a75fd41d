"""content's service requests (服务): counsellors, requests, replies, ratings (service_requests.py)."""

MESSAGES: dict[str, dict[str, str]] = {
    # counsellors
    "service_counsellor_unknown": {"zh-CN": "找不到此人", "en": "No such person"},
    "service_counsellor_exists": {
        "zh-CN": "此人已是该组织这一类别的服务人员",
        "en": "That person already counsels this category for the org",
    },
    "service_counsellor_not_found": {
        "zh-CN": "此人不是该组织这一类别的服务人员",
        "en": "That person does not counsel this category for the org",
    },
    "service_counsellors_denied": {
        "zh-CN": "你不能查看该组织的服务人员",
        "en": "You may not see that org's counsellors",
    },
    "service_queue_denied": {"zh-CN": "你不能查看该组织的服务请求队列", "en": "You may not see that org's queue"},
    # requests
    "service_category_invalid": {
        "zh-CN": "类别须为法律、政策、心理或经营",
        "en": "The category is legal, policy, psychological or business",
    },
    "service_no_counsellors": {
        "zh-CN": "你所在的组织及其上级组织都没有这一类别的服务人员",
        "en": "No org of yours or above it has counsellors for this category",
    },
    "service_request_not_found": {"zh-CN": "服务请求不存在", "en": "No such service request"},
    "service_request_action_denied": {
        "zh-CN": "你不能对这条服务请求进行此操作",
        "en": "You may not do that to this service request",
    },
    "service_request_changed": {
        "zh-CN": "服务请求刚刚有了变化，请刷新后重试",
        "en": "The service request has just changed; reload and try again",
    },
    "service_request_not_open": {
        "zh-CN": "这条服务请求已被接单",
        "en": "This service request has already been taken",
    },
    "service_request_not_taken": {
        "zh-CN": "请先接单再回复",
        "en": "Take the service request before replying",
    },
    "service_request_closed": {"zh-CN": "服务请求已关闭", "en": "The service request is closed"},
    "service_own_request": {
        "zh-CN": "不能由提出请求的本人处理",
        "en": "A request can't be handled by the member who made it",
    },
    "service_not_a_counsellor": {
        "zh-CN": "此人不是这一队列的服务人员",
        "en": "That person does not counsel this request's queue",
    },
    "service_already_assigned": {
        "zh-CN": "已由此人处理",
        "en": "That person already handles it",
    },
    "service_replies_full": {
        "zh-CN": "一条服务请求最多 {max} 条回复，请另提新的请求",
        "en": "At most {max} replies to a request; open a new one",
    },
    # ratings
    "service_rating_invalid": {"zh-CN": "评分须在 {min} 到 {max} 之间", "en": "A rating between {min} and {max}"},
    "service_already_rated": {"zh-CN": "已经评价过了", "en": "You have already rated it"},
    "service_request_not_answered": {
        "zh-CN": "得到答复或关闭后才能评价",
        "en": "Rate it once it is answered or closed",
    },
}
