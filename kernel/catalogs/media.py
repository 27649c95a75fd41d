"""media's files (uploads, processing, quotas): errors and the reasons an item failed."""

MESSAGES: dict[str, dict[str, str]] = {
    "media_filename_invalid": {
        "zh-CN": "文件名须为 1 到 {max} 个字符，且不含斜杠或控制字符",
        "en": "A file name of 1 to {max} characters, without slashes or control characters",
    },
    "media_type_not_allowed": {
        "zh-CN": "不支持上传此类文件：{type}",
        "en": "Files of this type cannot be uploaded: {type}",
    },
    "media_empty": {"zh-CN": "文件为空", "en": "The file is empty"},
    "media_too_large": {
        "zh-CN": "文件过大（此类文件最大 {max_mib} MB）",
        "en": "Too large (at most {max_mib} MB for this kind)",
    },
    "media_visibility_unknown": {
        "zh-CN": "可见范围须为 private、members 或 public",
        "en": "Visibility is private, members or public",
    },
    "media_quota_exceeded": {
        "zh-CN": "组织存储空间不足（已用 {used_mib} MB，共 {quota_mib} MB）",
        "en": "The org's storage is full ({used_mib} of {quota_mib} MB used)",
    },
    "media_quota_invalid": {"zh-CN": "存储配额无效", "en": "Not a valid quota"},
    "media_not_member": {
        "zh-CN": "只能为本人所在组织或您管理的组织上传文件",
        "en": "You can upload only for your own org or one whose media you manage",
    },
    "media_not_found": {"zh-CN": "文件不存在", "en": "No such file"},
    "media_kind_unknown": {
        "zh-CN": "文件类别须为 image、audio、video 或 document",
        "en": "Kind is image, audio, video or document",
    },
    "media_upload_missing": {
        "zh-CN": "尚未收到文件内容，请先上传再确认",
        "en": "The file's bytes have not arrived: upload them first",
    },
    "media_content_not_allowed": {
        "zh-CN": "文件内容不是允许的类型（按内容识别，而非文件名）",
        "en": "The file's content is not of an allowed type (judged by its bytes, not its name)",
    },
    "media_content_mismatch": {
        "zh-CN": "文件内容与声明的类别（{kind}）不符",
        "en": "The file's content is not the declared kind ({kind})",
    },
    "media_unreadable": {
        "zh-CN": "文件已损坏或不完整，无法处理",
        "en": "The file is damaged or incomplete and could not be processed",
    },
    "media_image_too_large": {"zh-CN": "图片像素过多", "en": "The image has too many pixels"},
    "media_too_long": {"zh-CN": "音视频时长超过上限", "en": "The audio or video is too long"},
    "media_playlist_not_found": {"zh-CN": "播放列表不存在", "en": "No such playlist"},
}
