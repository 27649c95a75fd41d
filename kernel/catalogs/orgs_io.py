"""Messages of roster import and export (orgs' io area), and of identity's EnsureAccounts."""

MESSAGES: dict[str, dict[str, str]] = {
    # the file as a whole
    "upload_media_type": {
        "zh-CN": "上传文件须为 multipart/form-data 或 application/octet-stream",
        "en": "Upload the file as multipart/form-data or application/octet-stream",
    },
    "import_file_empty": {"zh-CN": "文件是空的，没有可导入的数据", "en": "The file is empty: nothing to import"},
    "import_file_unreadable": {
        "zh-CN": "无法识别的文件：请上传 .xlsx 工作簿或 CSV 文件（UTF-8 或 GBK 编码）",
        "en": "Unrecognised file: upload an .xlsx workbook or a CSV file (UTF-8 or GBK)",
    },
    "import_xls_unsupported": {
        "zh-CN": "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 后再上传",
        "en": "Old .xls files are not supported; save the file as .xlsx in Excel and upload again",
    },
    "import_file_too_large_unzipped": {
        "zh-CN": "工作簿解压后过大，无法导入",
        "en": "The workbook is too large once unpacked",
    },
    "import_file_too_large": {
        "zh-CN": "文件过大（上限 {limit} 字节）",
        "en": "The file is too large (limit {limit} bytes)",
    },
    "import_table_twice": {
        "zh-CN": "文件中有多个“{table}”表，请合并为一个",
        "en": "The file has more than one {table} table; merge them into one",
    },
    "import_headers_missing": {
        "zh-CN": "表“{sheet}”缺少必需的列：{missing}",
        "en": "Sheet {sheet} lacks required columns: {missing}",
    },
    "import_too_many_rows": {
        "zh-CN": "一次最多导入 {limit} 行，请分批导入",
        "en": "At most {limit} rows per import; split the file",
    },
    "import_rejected": {
        "zh-CN": "有 {count} 处错误，未导入任何数据；请按行修改后重新上传",
        "en": "{count} problems found; nothing was imported. Fix the rows listed and upload again",
    },
    "import_conflict": {
        "zh-CN": "导入期间有人修改了相同的组织或人员，未导入任何数据，请重试",
        "en": "Someone changed the same orgs or people meanwhile; nothing was imported, try again",
    },
    # one cell or row
    "import_value_required": {"zh-CN": "此项必填", "en": "This value is required"},
    "import_org_code_invalid": {
        "zh-CN": "组织编号只能包含字母、数字和连字符（不超过 64 个字符）",
        "en": "An org code uses letters, digits and dashes (at most 64)",
    },
    "import_org_name_too_long": {
        "zh-CN": "组织名称不能超过 {limit} 个字符",
        "en": "An org name has at most {limit} characters",
    },
    "import_org_type_invalid": {
        "zh-CN": "组织类型“{value}”无效，应为党委、党总支、党支部或党小组",
        "en": "Org type {value} is unknown: use 党委, 党总支, 党支部 or 党小组",
    },
    "import_org_category_invalid": {"zh-CN": "组织类别“{value}”无效", "en": "Org category {value} is unknown"},
    "import_address_too_long": {
        "zh-CN": "地址不能超过 {limit} 个字符",
        "en": "An address has at most {limit} characters",
    },
    "import_name_too_long": {"zh-CN": "姓名不能超过 {limit} 个字符", "en": "A name has at most {limit} characters"},
    "import_phone_invalid": {
        "zh-CN": "手机号无效，应为 11 位中国大陆手机号码",
        "en": "Not a mainland China mobile number (11 digits)",
    },
    "import_id_card_invalid": {
        "zh-CN": "身份证号无效（位数、出生日期或校验码不正确）",
        "en": "Invalid ID-card number (length, birth date or check digit)",
    },
    "import_status_invalid": {
        "zh-CN": "党员状态“{value}”无效，应为申请人、积极分子、发展对象、预备党员或正式党员",
        "en": "Status {value} is unknown: use 申请人, 积极分子, 发展对象, 预备党员 or 正式党员",
    },
    "import_date_invalid": {
        "zh-CN": "日期无效，应为 YYYY-MM-DD（如 2020-07-01）",
        "en": "Invalid date: use YYYY-MM-DD (e.g. 2020-07-01)",
    },
    "import_date_in_future": {"zh-CN": "日期不能晚于今天", "en": "The date is in the future"},
    "import_role_invalid": {
        "zh-CN": "职务“{value}”无效，应为书记、副书记、委员或组织委员",
        "en": "Role {value} is unknown: use 书记, 副书记, 委员 or 组织委员",
    },
    "import_role_needs_full_member": {
        "zh-CN": "担任职务的须为正式党员",
        "en": "Only full members hold a role",
    },
    "import_duplicate": {"zh-CN": "与第 {first} 行重复", "en": "Same as row {first}"},
    "import_org_outside": {
        "zh-CN": "该组织不在本次导入的组织范围内",
        "en": "This org is outside the org the import is for",
    },
    "import_org_type_differs": {
        "zh-CN": "该组织已存在，类型为{type}，与表中不符",
        "en": "This org exists with another type ({type})",
    },
    "import_org_dissolved": {"zh-CN": "该组织已撤销", "en": "This org is dissolved"},
    "import_org_unknown": {
        "zh-CN": "找不到组织“{ref}”（应为组织编号或已有组织的标识）",
        "en": "No org {ref} (use an org code of this file or an existing org's id or slug)",
    },
    "import_parent_later": {
        "zh-CN": "上级组织“{ref}”须排在本行之前",
        "en": "The parent org {ref} must come before this row",
    },
    "import_org_placement": {
        "zh-CN": "{type}不能设在{parent_type}之下",
        "en": "A {type} can't sit under a {parent_type}",
    },
    "import_account_unknown": {"zh-CN": "账号编号不存在", "en": "No such account"},
    "import_phone_other_account": {
        "zh-CN": "手机号属于另一个账号，与账号编号不符",
        "en": "The phone number belongs to another account",
    },
    "import_already_member": {
        "zh-CN": "此人已在其他组织或以其他状态登记，请办理组织关系转接或状态变更",
        "en": "This person is already a member elsewhere (or with another status); transfer or change status instead",
    },
    # export
    "export_format_invalid": {"zh-CN": "导出格式应为 xlsx 或 csv", "en": "Export as xlsx or csv"},
    "export_table_invalid": {"zh-CN": "CSV 导出须指明 members 或 orgs", "en": "A CSV export is members or orgs"},
    # identity: accounts made for a roster
    "accounts_batch_too_large": {
        "zh-CN": "一次最多处理 {limit} 个账号",
        "en": "At most {limit} accounts per call",
    },
}
