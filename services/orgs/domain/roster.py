"""Rosters in spreadsheets (花名册): reading .xlsx and CSV with Chinese headers, checking every row, and
writing exports. Pure: bytes in, rows and problems out; the caller looks up what exists and writes.

A file holds an orgs table (组织编号, 组织名称, 组织类型, 上级组织, …) and/or a members table (姓名,
手机号, 所在党组织, 党员状态, …): each CSV one table, each worksheet of an .xlsx one, told apart by
their headers. Row numbers are the ones the spreadsheet shows (the header row is row 1 of a plain file).

Phone numbers and ID-card numbers are checked with the rules identity uses too (kernel/identifiers.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId

from kernel import identifiers
from kernel.errors import DomainError, ErrorCode
from kernel.sheets import safe_cell
from services.orgs.domain import pipeline
from services.orgs.domain import tree as tree_rules

ORGS, MEMBERS = "orgs", "members"
MAX_ROWS = 10_000  # one transaction's worth (see services/orgs/imports.py)
MAX_PROBLEMS = 1_000  # rows reported in detail; the total is always given
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # an .xlsx that inflates past this is refused (zip bomb)
NAME_MAX = 32  # identity's display-name limit
ADDRESS_MAX = 200
HEADER_SCAN_ROWS = 10  # a title row or two may sit above the headers


# -- columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    label: str  # the header an export writes
    aliases: tuple[str, ...]


MEMBER_COLUMNS = (
    Column("name", "姓名", ("姓名", "党员姓名", "名字", "name")),
    Column("phone", "手机号", ("手机号", "手机号码", "手机", "移动电话", "联系电话", "电话", "phone", "mobile")),
    Column("account_id", "账号编号", ("账号编号", "账号", "账号id", "account_id")),
    Column("id_card", "身份证号", ("身份证号", "身份证号码", "公民身份号码", "身份证", "id_card", "id_card_number")),
    Column("org", "所在党组织", ("所在党组织", "所在组织", "党组织", "所属党组织", "所在支部", "org", "org_id")),
    Column("status", "党员状态", ("党员状态", "状态", "人员类别", "党员类别", "status")),
    Column("status_date", "状态日期", ("状态日期", "日期", "状态时间", "起始日期", "status_date", "effective_on")),
    Column("role", "职务", ("职务", "党内职务", "role")),
)
ORG_COLUMNS = (
    Column("code", "组织编号", ("组织编号", "编号", "组织代码", "组织标识", "code", "slug", "id")),
    Column("name", "组织名称", ("组织名称", "名称", "党组织名称", "org_name")),
    Column("type", "组织类型", ("组织类型", "类型", "type")),
    Column("parent", "上级组织", ("上级组织", "上级组织编号", "上级党组织", "parent", "parent_id")),
    Column("category", "组织类别", ("组织类别", "类别", "category")),
    Column("address", "地址", ("地址", "组织地址", "address")),
)
COLUMNS = {MEMBERS: MEMBER_COLUMNS, ORGS: ORG_COLUMNS}
# Members are found by phone or, for people already known (an export's rows), by account id.
REQUIRED = {MEMBERS: ("name", "org", "status"), ORGS: ("code", "name", "type", "parent")}
LABELS = {kind: {c.field: c.label for c in cols} for kind, cols in COLUMNS.items()}

STATUS_LABELS = {
    pipeline.APPLICANT: "申请人",
    pipeline.ACTIVIST: "积极分子",
    pipeline.DEVELOPMENT_TARGET: "发展对象",
    pipeline.PROBATIONARY: "预备党员",
    pipeline.FULL: "正式党员",
}
_STATUS_ALIASES = {"入党申请人": pipeline.APPLICANT, "入党积极分子": pipeline.ACTIVIST}
TYPE_LABELS = {
    tree_rules.COMMITTEE: "党委",
    tree_rules.GENERAL_BRANCH: "党总支",
    tree_rules.BRANCH: "党支部",
    tree_rules.GROUP: "党小组",
}
_TYPE_ALIASES = {"党总支部": tree_rules.GENERAL_BRANCH, "总支": tree_rules.GENERAL_BRANCH, "支部": tree_rules.BRANCH}
CATEGORY_LABELS = {
    "enterprise": "企业",
    "social_organization": "社会组织",
    "government": "机关",
    "community": "社区",
    "village": "农村",
    "school": "学校",
    "park": "园区",
    "office_tower": "楼宇",
    "residential_compound": "小区",
    "mobile_member_org": "流动党员党组织",
}
_CATEGORY_ALIASES = {
    "政府": "government",
    "村": "village",
    "商务楼宇": "office_tower",
    "住宅小区": "residential_compound",
}
ROLE_LABELS = {
    "secretary": "书记",
    "deputy_secretary": "副书记",
    "committee_member": "委员",
    "organization_officer": "组织委员",
}
_NO_ROLE = {"", "党员", "成员", "无", "member"}


def _lookup(labels: dict[str, str], aliases: dict[str, str]) -> dict[str, str]:
    """Chinese label, alias or code (any case) -> code."""
    found = {label: code for code, label in labels.items()}
    found.update(aliases)
    found.update({code: code for code in labels})
    return found


STATUSES = _lookup(STATUS_LABELS, _STATUS_ALIASES)
TYPES = _lookup(TYPE_LABELS, _TYPE_ALIASES)
CATEGORIES = _lookup(CATEGORY_LABELS, _CATEGORY_ALIASES)
ROLES = _lookup(ROLE_LABELS, {"支部书记": "secretary", "党支部书记": "secretary", "支部委员": "committee_member"})


# -- problems --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row): a message key with params, rendered by the gateway."""

    table: str
    row: int
    column: str  # the header as the file spells it ("" for the whole row)
    key: str
    params: dict[str, str] = field(default_factory=dict)


# -- reading files ---------------------------------------------------------------------------------


@dataclass
class Table:
    kind: str  # ORGS or MEMBERS
    name: str  # worksheet name or "csv"
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> the header as written
    rows: list[tuple[int, list[Any]]]  # (row number as shown, cell values)


@dataclass
class Workbook:
    format: str  # "xlsx" or "csv"
    encoding: str  # of a CSV ("utf-8", "utf-8-sig", "gb18030"); "" for xlsx
    tables: list[Table]

    def table(self, kind: str) -> Table | None:
        return next((t for t in self.tables if t.kind == kind), None)


_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and other Office 97 files)


def read(content: bytes, max_rows: int = MAX_ROWS) -> Workbook:
    """Sniff the content (never trust the file name) and read its tables; a file-level problem raises."""
    if not content.strip():
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_empty", "file")
    if content.startswith(_ZIP):
        return Workbook("xlsx", "", _xlsx_tables(content, max_rows))
    if content.startswith(_OLE2):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_xls_unsupported", "file")
    text, encoding = decode_csv(content)
    return Workbook("csv", encoding, [_csv_table(text, max_rows)])


def decode_csv(content: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) or GB18030 (what Chinese Excel saves as "CSV"); else not a CSV."""
    if b"\x00" in content:  # UTF-16 or binary: no spreadsheet CSV of ours carries NUL bytes
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_unreadable", "file")
    if content.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, encoding
    raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_unreadable", "file")


def _looks_like_text(text: str) -> bool:
    """GB18030 decodes many binary strings; real text has almost no control characters."""
    controls = sum(1 for ch in text[:65536] if ch < " " and ch not in "\r\n\t")
    return controls == 0


def _csv_table(text: str, max_rows: int) -> Table:
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, list[Any]]]:
        for values in reader:
            yield reader.line_num, values

    try:
        return _table("csv", numbered(), max_rows)
    except csv.Error:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_unreadable", "file") from None


def _xlsx_tables(content: bytes, max_rows: int) -> list[Table]:
    from openpyxl import load_workbook  # imported here: only imports pay for it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_unreadable", "file") from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT, "import_file_unreadable", "file"
        )  # a ZIP, but not a workbook (a .docx, an archive)
    if inflated > MAX_UNZIPPED_BYTES:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_too_large_unzipped", "file")
    try:
        # read_only streams rows; data_only reads a formula cell as its saved value; VBA is never loaded.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_vba=False, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on a broken file; all mean "unreadable"
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_unreadable", "file") from None
    tables, rejected = [], []
    try:
        for sheet in book.worksheets:
            rows = ((number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), 1))
            try:
                tables.append(_table(sheet.title, rows, max_rows))
            except DomainError as err:
                if err.key != "import_headers_missing":
                    raise
                rejected.append(err)
    except DomainError:
        raise
    except Exception:  # noqa: BLE001 - a malformed sheet part
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_unreadable", "file") from None
    finally:
        book.close()
    if not tables:
        raise rejected[0] if rejected else DomainError(ErrorCode.INVALID_ARGUMENT, "import_file_empty", "file")
    kinds = [t.kind for t in tables]
    for kind in (ORGS, MEMBERS):
        if kinds.count(kind) > 1:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_table_twice", "file", table=SHEET_TITLES[kind])
    return tables


def normalize_header(raw: Any) -> str:
    """'  手机号码（必填）* ' -> '手机号码'; English headers compare in lower case."""
    text = re.sub(r"\s+", "", str(raw if raw is not None else ""))
    text = re.sub(r"[（(][^）)]*[）)]$", "", text.strip("*＊")).strip("*＊")
    return text.lower()


_ALIASES = {kind: {normalize_header(a): c.field for c in cols for a in c.aliases} for kind, cols in COLUMNS.items()}


def _match(values: list[Any]) -> dict[str, tuple[str, dict[str, int], dict[str, str]]]:
    """For each table kind: (kind, field -> index, field -> header as written) of a header row."""
    found = {}
    for kind, aliases in _ALIASES.items():
        columns, headers = {}, {}
        for index, value in enumerate(values):
            name = aliases.get(normalize_header(value))
            if name is not None and name not in columns:
                columns[name], headers[name] = index, str(value).strip()
        found[kind] = (kind, columns, headers)
    return found


def _missing(kind: str, columns: dict[str, int]) -> list[str]:
    missing = [LABELS[kind][f] for f in REQUIRED[kind] if f not in columns]
    if kind == MEMBERS and "phone" not in columns and "account_id" not in columns:
        missing.append(LABELS[kind]["phone"])
    return missing


def _table(name: str, rows: Iterable[tuple[int, list[Any]]], max_rows: int) -> Table:
    """Find the header row among the first rows, then collect the data rows below it."""
    rows = iter(rows)
    best: tuple[int, str, dict, dict] | None = None  # (matched columns, kind, columns, headers)
    for number, values in rows:
        for kind, columns, headers in _match(values).values():
            if not _missing(kind, columns):
                return Table(kind, name, columns, headers, _data_rows(rows, max_rows))
            if columns and (best is None or len(columns) > best[0]):
                best = (len(columns), kind, columns, headers)
        if number >= HEADER_SCAN_ROWS:
            break
    if best is None:
        raise DomainError(
            ErrorCode.INVALID_ARGUMENT,
            "import_headers_missing",
            "file",
            missing="、".join(_missing(MEMBERS, {})),
            sheet=name,
        )
    _, kind, columns, _ = best
    raise DomainError(
        ErrorCode.INVALID_ARGUMENT,
        "import_headers_missing",
        "file",
        missing="、".join(_missing(kind, columns)),
        sheet=name,
    )


def _data_rows(rows: Iterator[tuple[int, list[Any]]], max_rows: int) -> list[tuple[int, list[Any]]]:
    data = []
    for number, values in rows:
        if all(_text(v) == "" for v in values):
            continue  # blank lines between blocks are common in hand-kept sheets
        if len(data) >= max_rows:
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "import_too_many_rows", "file", limit=max_rows)
        data.append((number, values))
    return data


# -- cells -----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: 13800000001.0 (a number cell) -> '13800000001'; surrounding spaces dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


# The same rules as identity's, shared through the kernel (kernel/identifiers.py).
normalize_phone = identifiers.mainland_mobile
id_card_check_digit = identifiers.id_card_check_digit


def normalize_id_card(raw: str, today: dt.date) -> str | None:
    """A valid resident ID-card number (GB 11643: format, birth date, checksum) with an upper-case X, or None."""
    return identifiers.resident_id_card(raw, today)


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_day(value: Any) -> dt.date | None:
    """A date cell: a real date, an Excel serial number, or YYYY-MM-DD (also 2020/7/1, 2020年7月1日)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466 and float(value).is_integer():  # Excel's serial days (1900 date system)
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        return None
    match = _DATE.match(_text(value))
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


# -- rows ------------------------------------------------------------------------------------------


@dataclass
class OrgRow:
    row: int
    code: str
    name: str
    type: str
    parent: str  # "" = the org the import is rooted at
    category: str
    address: str
    valid: bool = True  # False: a cell has a problem; kept so other rows can tell "bad" from "missing"


@dataclass
class MemberRow:
    row: int
    name: str
    phone: str  # normalized, or ""
    account_id: str  # given in the file (an export's rows), or ""
    id_card: str  # normalized, or ""
    org: str
    status: str
    status_date: dt.date
    role: str  # "" or one of ROLE_LABELS


class _Cells:
    """One data row of a table: cells by field, and the problems found in them."""

    def __init__(self, table: Table, number: int, values: list[Any], problems: list[Problem]):
        self.table, self.number, self.values, self.problems = table, number, values, problems
        self.ok = True

    def raw(self, name: str) -> Any:
        index = self.table.columns.get(name)
        return self.values[index] if index is not None and index < len(self.values) else None

    def text(self, name: str) -> str:
        return _text(self.raw(name))

    def problem(self, name: str, key: str, **params: object) -> None:
        column = self.table.headers.get(name, LABELS[self.table.kind].get(name, ""))
        self.problems.append(Problem(self.table.kind, self.number, column, key, {k: str(v) for k, v in params.items()}))
        self.ok = False

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.problem(name, "import_value_required")
        return value

    def choice(self, name: str, choices: dict[str, str], key: str, optional: bool = False) -> str:
        value = self.text(name)
        if not value:
            if not optional:
                self.problem(name, "import_value_required")
            return ""
        code = choices.get(value) or choices.get(value.lower())
        if code is None:
            self.problem(name, key, value=value[:40])
            return ""
        return code


def parse_orgs(table: Table) -> tuple[list[OrgRow], list[Problem]]:
    rows, problems = [], []
    for number, values in table.rows:
        cells = _Cells(table, number, values, problems)
        code = cells.required("code").lower()
        if code and not tree_rules._SLUG.match(code):
            cells.problem("code", "import_org_code_invalid")
        name = cells.required("name")
        if name and len(name) > tree_rules.NAME_MAX:
            cells.problem("name", "import_org_name_too_long", limit=tree_rules.NAME_MAX)
        org_type = cells.choice("type", TYPES, "import_org_type_invalid")
        category = cells.choice("category", CATEGORIES, "import_org_category_invalid", optional=True)
        address = cells.text("address")
        if len(address) > ADDRESS_MAX:
            cells.problem("address", "import_address_too_long", limit=ADDRESS_MAX)
        parent = cells.text("parent").lower()
        rows.append(OrgRow(number, code, name, org_type, parent, category, address, cells.ok))
    return rows, problems


def parse_members(table: Table, today: dt.date) -> tuple[list[MemberRow], list[Problem]]:
    rows, problems = [], []
    for number, values in table.rows:
        cells = _Cells(table, number, values, problems)
        name = cells.required("name")
        if len(name) > NAME_MAX:
            cells.problem("name", "import_name_too_long", limit=NAME_MAX)
        raw_phone, account_id = cells.text("phone"), cells.text("account_id")
        phone = ""
        if raw_phone:
            phone = normalize_phone(raw_phone) or ""
            if not phone:
                cells.problem("phone", "import_phone_invalid")
        elif not account_id:
            cells.problem("phone" if "phone" in table.columns else "account_id", "import_value_required")
        id_card = cells.text("id_card")
        if id_card:
            id_card = normalize_id_card(id_card, today) or ""
            if not id_card:
                cells.problem("id_card", "import_id_card_invalid")
        org = cells.required("org").lower()
        status = cells.choice("status", STATUSES, "import_status_invalid")
        day = today
        if cells.text("status_date"):
            parsed = parse_day(cells.raw("status_date"))
            if parsed is None:
                cells.problem("status_date", "import_date_invalid")
            elif parsed > today:
                cells.problem("status_date", "import_date_in_future")
            elif parsed < dt.date(1921, 7, 1):
                cells.problem("status_date", "import_date_invalid")
            else:
                day = parsed
        role = ""
        role_text = cells.text("role")
        if role_text not in _NO_ROLE:
            role = cells.choice("role", ROLES, "import_role_invalid")
            if role and status and status != pipeline.FULL:
                cells.problem("role", "import_role_needs_full_member")
        if cells.ok:
            rows.append(MemberRow(number, name, phone, account_id, id_card, org, status, day, role))
    return rows, problems


# -- the plan: rows checked against each other and against what exists ------------------------------


@dataclass(frozen=True)
class KnownOrg:
    """An org that exists (or will, once the import is applied)."""

    id: str
    slug: str
    type: str
    path: tuple[str, ...]
    dissolved: bool = False
    parent_id: str = ""


@dataclass
class NewOrg:
    row: int
    id: str
    slug: str
    name: str
    type: str
    category: str
    address: str
    parent_id: str
    path: list[str]


@dataclass
class NewMember:
    row: int
    name: str
    phone: str
    account_id: str  # "" until identity has made the account
    id_card: str
    org_id: str
    org_path: list[str]
    status: str
    status_date: dt.date
    role: str


@dataclass
class Plan:
    new_orgs: list[NewOrg]
    new_members: list[NewMember]
    orgs_unchanged: int
    members_unchanged: int
    problems: list[Problem]


@dataclass
class World:
    """What exists, as the caller looked it up for the refs and people the file names."""

    root: KnownOrg
    orgs: dict[str, KnownOrg]  # by id and by slug
    accounts_by_phone: dict[str, str]  # phone -> account id (accounts identity already has)
    known_accounts: set[str]  # account ids orgs knows (people mirror)
    memberships: dict[str, tuple[str, str]]  # account id -> (home org id, status)


def refs(org_rows: list[OrgRow], member_rows: list[MemberRow]) -> set[str]:
    """Every org id or slug the file names: the caller looks these up."""
    found = {r.code for r in org_rows} | {r.parent for r in org_rows if r.parent}
    return found | {r.org for r in member_rows}


def plan(org_rows: list[OrgRow], member_rows: list[MemberRow], world: World, problems: list[Problem]) -> Plan:
    """Resolve orgs in file order (a parent must exist or come earlier), then people; add problems."""
    root = world.root
    orgs_header = LABELS[ORGS]
    seen: dict[str, KnownOrg] = {}  # code -> org, for rows resolved so far
    first_of: dict[str, int] = {}
    for r in org_rows:
        first_of.setdefault(r.code, r.row)
    unresolved = set(first_of)  # codes whose row has not (yet) resolved: no cascade of problems
    new_orgs: list[NewOrg] = []
    orgs_unchanged = 0

    def add(table: str, row: int, column: str, key: str, **params: object) -> None:
        problems.append(Problem(table, row, column, key, {k: str(v) for k, v in params.items()}))

    def within(org: KnownOrg) -> bool:
        return root.id in org.path

    for r in org_rows:
        if first_of[r.code] != r.row:
            add(ORGS, r.row, orgs_header["code"], "import_duplicate", first=first_of[r.code])
            continue
        if not r.valid:
            continue  # its cells were reported by parse_orgs
        existing = world.orgs.get(r.code)
        if existing is not None:
            if not within(existing):
                add(ORGS, r.row, orgs_header["code"], "import_org_outside")
            elif existing.type != r.type:
                add(ORGS, r.row, orgs_header["type"], "import_org_type_differs", type=TYPE_LABELS[existing.type])
            elif existing.dissolved:
                add(ORGS, r.row, orgs_header["code"], "import_org_dissolved")
            else:
                seen[r.code] = existing  # already there: left as it is
                unresolved.discard(r.code)
                orgs_unchanged += 1
            continue
        parent = root if not r.parent else seen.get(r.parent) or world.orgs.get(r.parent)
        if parent is None:
            earlier = first_of.get(r.parent, r.row + 1) < r.row
            if earlier and r.parent in unresolved:
                continue  # its parent's row has a problem of its own
            key = "import_parent_later" if r.parent in first_of and not earlier else "import_org_unknown"
            add(ORGS, r.row, orgs_header["parent"], key, ref=r.parent)
            continue
        if not within(parent):
            add(ORGS, r.row, orgs_header["parent"], "import_org_outside")
            continue
        if parent.dissolved:
            add(ORGS, r.row, orgs_header["parent"], "import_org_dissolved")
            continue
        if parent.type not in tree_rules.ALLOWED_PARENTS[r.type]:
            placement = {"type": TYPE_LABELS[r.type], "parent_type": TYPE_LABELS.get(parent.type, parent.type)}
            add(ORGS, r.row, orgs_header["type"], "import_org_placement", **placement)
            continue
        org_id = str(ObjectId())
        path = [*parent.path, org_id]
        seen[r.code] = KnownOrg(org_id, r.code, r.type, tuple(path), parent_id=parent.id)
        unresolved.discard(r.code)
        new_orgs.append(NewOrg(r.row, org_id, r.code, r.name, r.type, r.category, r.address, parent.id, path))

    members_header = LABELS[MEMBERS]
    first_row: dict[str, int] = {}
    new_members: list[NewMember] = []
    members_unchanged = 0
    for m in member_rows:
        keys = [("phone", m.phone), ("account_id", m.account_id), ("id_card", m.id_card)]
        duplicate = False
        for column, value in keys:
            if value and f"{column}:{value}" in first_row:
                add(MEMBERS, m.row, members_header[column], "import_duplicate", first=first_row[f"{column}:{value}"])
                duplicate = True
            elif value:
                first_row[f"{column}:{value}"] = m.row
        if duplicate:
            continue
        org = seen.get(m.org) or world.orgs.get(m.org)
        if org is None:
            if m.org not in unresolved:
                add(MEMBERS, m.row, members_header["org"], "import_org_unknown", ref=m.org)
            continue
        if not within(org):
            add(MEMBERS, m.row, members_header["org"], "import_org_outside")
            continue
        if org.dissolved:
            add(MEMBERS, m.row, members_header["org"], "import_org_dissolved")
            continue
        account_id = m.account_id
        if account_id:
            if account_id not in world.known_accounts:
                add(MEMBERS, m.row, members_header["account_id"], "import_account_unknown")
                continue
            by_phone = world.accounts_by_phone.get(m.phone) if m.phone else None
            if by_phone is not None and by_phone != account_id:
                add(MEMBERS, m.row, members_header["phone"], "import_phone_other_account")
                continue
        elif m.phone:
            account_id = world.accounts_by_phone.get(m.phone, "")
        if account_id and account_id in world.memberships:
            home, status = world.memberships[account_id]
            if home == org.id and status == m.status:
                members_unchanged += 1  # re-importing the same roster changes nothing
            else:
                add(MEMBERS, m.row, members_header["name"], "import_already_member")
            continue
        new_members.append(
            NewMember(
                m.row, m.name, m.phone, account_id, m.id_card, org.id, list(org.path), m.status, m.status_date, m.role
            )
        )
    problems.sort(key=lambda p: (p.table != ORGS, p.row))
    return Plan(new_orgs, new_members, orgs_unchanged, members_unchanged, problems)


# -- counters --------------------------------------------------------------------------------------


def counter_deltas(plan_: Plan) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """(org id -> members by status, org id -> orgs by type) that the plan adds, for every org on a path."""
    members: dict[str, dict[str, int]] = {}
    orgs: dict[str, dict[str, int]] = {}
    for m in plan_.new_members:
        for org_id in m.org_path:
            bucket = members.setdefault(org_id, {})
            bucket[m.status] = bucket.get(m.status, 0) + 1
    for o in plan_.new_orgs:
        for org_id in o.path:
            bucket = orgs.setdefault(org_id, {})
            bucket[o.type] = bucket.get(o.type, 0) + 1
    return members, orgs


# -- writing exports -------------------------------------------------------------------------------

ORG_EXPORT = ("code", "name", "type", "parent", "category", "address")
MEMBER_EXPORT = ("name", "account_id", "org", "status", "status_date", "role")


def org_export_row(code: str, name: str, org_type: str, parent: str, category: str, address: str) -> list[str]:
    return [code, name, TYPE_LABELS.get(org_type, org_type), parent, CATEGORY_LABELS.get(category, category), address]


def member_export_row(name: str, account_id: str, org: str, status: str, since: str, roles: list[str]) -> list[str]:
    role = next((ROLE_LABELS[r] for r in ROLE_LABELS if r in roles), "")
    return [name, account_id, org, STATUS_LABELS.get(status, status), since, role]


def write_csv(kind: str, rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with a BOM, so Chinese Excel opens it without garbling."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([LABELS[kind][f] for f in (ORG_EXPORT if kind == ORGS else MEMBER_EXPORT)])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


SHEET_TITLES = {ORGS: "组织", MEMBERS: "党员"}


def write_xlsx(tables: dict[str, Iterable[list[str]]]) -> bytes:
    """One worksheet per table (组织, 党员), every cell text (no formulas, no number guessing)."""
    from openpyxl import Workbook as XlsxBook

    book = XlsxBook(write_only=True)
    for kind, rows in tables.items():
        sheet = book.create_sheet(SHEET_TITLES[kind])
        sheet.append([LABELS[kind][f] for f in (ORG_EXPORT if kind == ORGS else MEMBER_EXPORT)])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
