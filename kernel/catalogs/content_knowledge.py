"""content's knowledge base (知识管理): articles, versions, categories, questions and answers, conversions
(knowledge.py, questions.py, domain/knowledge.py)."""

MESSAGES: dict[str, dict[str, str]] = {
    # articles and versions
    "knowledge_article_not_found": {"zh-CN": "文章不存在", "en": "No such article"},
    "knowledge_write_denied": {
        "zh-CN": "只有该组织及下级组织的成员可以在此发表",
        "en": "Only members of the org and the orgs below it may write here",
    },
    "knowledge_edit_denied": {"zh-CN": "你不能修改或删除这项内容", "en": "You may not edit or remove this"},
    "knowledge_manage_denied": {
        "zh-CN": "你不能管理该组织的知识库",
        "en": "You may not manage this org's knowledge base",
    },
    "knowledge_scope_invalid": {"zh-CN": "范围须为本组织或全区", "en": "Scope is org or public"},
    "knowledge_tag_too_long": {"zh-CN": "标签最多 {max} 个字", "en": "A tag has at most {max} characters"},
    "knowledge_tags_too_many": {"zh-CN": "标签最多 {max} 个", "en": "At most {max} tags"},
    "knowledge_based_on_missing": {
        "zh-CN": "请注明本次修改基于哪个版本",
        "en": "Say which version this edit was made from",
    },
    "knowledge_version_conflict": {
        "zh-CN": "文章已被他人修改（当前为第 {current} 版），请在最新版本上修改",
        "en": "The article was edited meanwhile (now version {current}): edit the newest version",
    },
    "knowledge_version_invalid": {"zh-CN": "版本号无效", "en": "Invalid version number"},
    "knowledge_version_not_found": {"zh-CN": "没有这个版本", "en": "No such version"},
    "knowledge_stars_invalid": {"zh-CN": "评分须在 {min} 到 {max} 星之间", "en": "Between {min} and {max} stars"},
    "knowledge_own_article": {
        "zh-CN": "不能给自己的文章评分或标记使用",
        "en": "You can't rate or mark as used your own article",
    },
    # categories
    "knowledge_category_not_found": {"zh-CN": "分类不存在", "en": "No such category"},
    "knowledge_category_exists": {"zh-CN": "已有同名分类", "en": "A category of that name exists"},
    "knowledge_category_in_use": {
        "zh-CN": "该分类下还有文章，不能删除",
        "en": "Articles are filed under this category: it can't be removed",
    },
    "knowledge_categories_full": {"zh-CN": "分类最多 {max} 个", "en": "At most {max} categories"},
    "knowledge_filter_one": {
        "zh-CN": "按标签或按分类查看，二者选一",
        "en": "List by tag or by category, not both",
    },
    "knowledge_category_needs_org": {
        "zh-CN": "按分类查看须指定组织",
        "en": "Listing by category needs the category's org",
    },
    # questions and answers
    "knowledge_question_not_found": {"zh-CN": "问题不存在", "en": "No such question"},
    "knowledge_answer_not_found": {"zh-CN": "回答不存在", "en": "No such answer"},
    "knowledge_accept_denied": {
        "zh-CN": "只有提问人或知识库管理者可以采纳回答",
        "en": "Only the asker or the knowledge base's curators accept an answer",
    },
    # discussions made into articles
    "knowledge_convert_denied": {
        "zh-CN": "只有该组织的知识库管理者（或讨论的发起人）可以整理成文章",
        "en": "Only the org's curators (or the discussion's author) may turn it into an article there",
    },
    "knowledge_convert_wider": {
        "zh-CN": "文章的读者不能超出原讨论的范围",
        "en": "The article can't reach readers the discussion was not for",
    },
    "knowledge_already_converted": {
        "zh-CN": "该讨论已整理成这个组织的文章",
        "en": "This discussion is already an article of that org",
    },
    "knowledge_part_unknown": {"zh-CN": "讨论中没有这条内容", "en": "The discussion has no such item"},
    "knowledge_parts_too_many": {"zh-CN": "最多选取 {max} 条", "en": "Choose at most {max} items"},
    "knowledge_parts_too_long": {
        "zh-CN": "选取的内容超过 {max} 字，请少选几条",
        "en": "The chosen items exceed {max} characters: choose fewer",
    },
}
