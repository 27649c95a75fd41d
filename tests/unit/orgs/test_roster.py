"""Rosters in spreadsheets: headers, encodings, .xlsx parsing, row checks and the plan (no servers)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest

from kernel import messages
from kernel.errors import DomainError
from services.identity.domain import id_card as identity_id_card
from services.identity.domain import phone as identity_phone
from services.orgs.domain import roster
from tests.conftest import xlsx_bytes

pytestmark = pytest.mark.unit

TODAY = dt.date(2026, 5, 1)
MEMBER_HEADERS = ["姓名", "手机号", "身份证号", "所在党组织", "党员状态", "状态日期", "职务"]
ORG_HEADERS = ["组织编号", "组织名称", "组织类型", "上级组织", "组织类别", "地址"]
VALID_ID = "11010519491231002X"


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(",".join(r) for r in rows).encode(encoding)


def file_error(content: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        roster.read(content)
    assert caught.value.field == "file"
    return caught.value


# -- headers ---------------------------------------------------------------------------------------


def test_headers_tolerate_spaces_markers_hints_and_aliases():
    content = csv_bytes(
        [
            [" 姓 名 ", "手机号码（必填）*", "所在组织", "状态", "Status_Date"],
            ["王芳", "13800000001", "b", "正式党员", ""],
        ]
    )
    table = roster.read(content).tables[0]
    assert table.kind == roster.MEMBERS
    assert set(table.columns) == {"name", "phone", "org", "status", "status_date"}
    assert table.headers["phone"] == "手机号码（必填）*"  # problems name the column as the file spells it


def test_missing_headers_are_named():
    error = file_error(csv_bytes([["姓名", "手机号", "备注"], ["王芳", "13800000001", ""]]))
    assert error.key == "import_headers_missing"
    assert error.params["missing"] == "所在党组织、党员状态"


def test_orgs_table_is_told_apart_by_its_headers():
    table = roster.read(csv_bytes([ORG_HEADERS, ["b1", "第一支部", "党支部", "", "社区", ""]])).tables[0]
    assert table.kind == roster.ORGS


def test_a_title_row_above_the_headers_is_skipped():
    content = xlsx_bytes({"花名册": [["示范社区党员花名册"], [], MEMBER_HEADERS, ["王芳", "13800000001"]]})
    table = roster.read(content).tables[0]
    assert table.kind == roster.MEMBERS
    assert table.rows[0][0] == 4  # the row number Excel shows


# -- files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_are_detected(encoding):
    content = csv_bytes(
        [MEMBER_HEADERS, ["王芳", "13800000001", "", "demo-branch-2", "正式党员", "2010-07-01", "书记"]], encoding
    )
    book = roster.read(content)
    assert (book.format, book.encoding) == ("csv", encoding)
    rows, problems = roster.parse_members(book.tables[0], TODAY)
    assert problems == []
    assert (rows[0].name, rows[0].status, rows[0].role) == ("王芳", "full", "secretary")


def test_gbk_text_that_is_not_utf8_is_read_as_gb18030():
    content = "姓名,手机号,所在党组织,党员状态\r\n刘洋,13800000003,b,预备党员".encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    assert roster.read(content).encoding == "gb18030"


def test_semicolon_and_tab_separated_files():
    for sep in (";", "\t"):
        content = (
            sep.join(["姓名", "手机号", "所在党组织", "党员状态"]).encode()
            + b"\n"
            + sep.join(["a", "13800000001", "b", "申请人"]).encode()
        )
        assert roster.read(content).tables[0].rows[0][1][3] == "申请人"


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (b"", "import_file_empty"),
        (b"   \r\n", "import_file_empty"),
        (bytes(range(256)) * 64, "import_file_unreadable"),  # junk with NUL bytes
        (b"\x81\x30\xff\xfe" * 1000, "import_file_unreadable"),  # neither UTF-8 nor GB18030
        ("姓名\x01,手机号".encode(), "import_file_unreadable"),  # control characters: not text
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "import_xls_unsupported"),
        (b"PK\x03\x04 broken zip", "import_file_unreadable"),
        (b"%PDF-1.7 not a spreadsheet", "import_headers_missing"),
    ],
)
def test_files_that_are_not_rosters_fail_clearly(content, key):
    assert file_error(content).key == key


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert file_error(out.getvalue()).key == "import_file_unreadable"


def test_row_limit():
    rows = [MEMBER_HEADERS] + [["a", "13800000001", "", "b", "申请人", "", ""]] * 6
    with pytest.raises(DomainError) as caught:
        roster.read(csv_bytes(rows), max_rows=5)
    assert (caught.value.key, caught.value.params["limit"]) == ("import_too_many_rows", 5)


def test_xlsx_with_both_tables_typed_cells_and_a_formula():
    content = xlsx_bytes(
        {
            "组织": [ORG_HEADERS, ["b1", "第一支部", "党支部", "", "社区", "和平路 1 号"]],
            "党员": [
                MEMBER_HEADERS,
                ["王芳", 13800000001, VALID_ID, "b1", "正式党员", dt.datetime(2010, 7, 1), "书记"],
                ["刘洋", 13800000003.0, None, "B1", "预备党员", 45000, None],  # an Excel serial date
                ['=HYPERLINK("x")', "13800000004", None, "b1", "申请人", "2024/3/5", None],
            ],
        }
    )
    book = roster.read(content)
    assert book.format == "xlsx"
    orgs, problems = roster.parse_orgs(book.table(roster.ORGS))
    assert problems == [] and orgs[0].code == "b1" and orgs[0].category == "community"
    members, problems = roster.parse_members(book.table(roster.MEMBERS), TODAY)
    assert [m.phone for m in members] == ["13800000001", "13800000003"]
    assert members[0].status_date == dt.date(2010, 7, 1) and members[0].id_card == VALID_ID
    assert members[1].status_date == dt.date(2023, 3, 15) and members[1].org == "b1"
    # A formula is never evaluated: the saved value is read, and openpyxl saved none, so the name is missing.
    assert [(p.row, p.column, p.key) for p in problems] == [(4, "姓名", "import_value_required")]


# -- rows ------------------------------------------------------------------------------------------


def member_problems(row: list) -> list[tuple[str, str]]:
    table = roster.read(csv_bytes([MEMBER_HEADERS, row])).tables[0]
    _, problems = roster.parse_members(table, TODAY)
    return [(p.column, p.key) for p in problems]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["王芳", "13800000001", "", "b", "正式党员", "2010-07-01", "书记"], []),
        (["王芳", "+86 138-0000-0001", "", "b", "正式党员", "2010年7月1日", ""], []),
        (["王芳", "12800000001", "", "b", "正式党员", "", ""], [("手机号", "import_phone_invalid")]),
        (
            ["王芳", "13800000001", "110105194912310021", "b", "正式党员", "", ""],
            [("身份证号", "import_id_card_invalid")],
        ),
        (["王芳", "13800000001", "", "b", "党员", "", ""], [("党员状态", "import_status_invalid")]),
        (["王芳", "13800000001", "", "b", "正式党员", "2010-13-01", ""], [("状态日期", "import_date_invalid")]),
        (["王芳", "13800000001", "", "b", "正式党员", "2026-05-02", ""], [("状态日期", "import_date_in_future")]),
        (["王芳", "13800000001", "", "b", "预备党员", "", "书记"], [("职务", "import_role_needs_full_member")]),
        (["王芳", "13800000001", "", "b", "正式党员", "", "队长"], [("职务", "import_role_invalid")]),
        (
            ["", "13800000001", "", "", "正式党员", "", ""],
            [("姓名", "import_value_required"), ("所在党组织", "import_value_required")],
        ),
        (["王芳", "", "", "b", "正式党员", "", ""], [("手机号", "import_value_required")]),
    ],
)
def test_member_rows(row, expected):
    assert member_problems(row) == expected


def test_org_rows():
    table = roster.read(
        csv_bytes(
            [
                ORG_HEADERS,
                ["b1", "第一支部", "党支部", "", "社区", ""],
                ["第二支部", "第二支部", "支部", "", "", ""],
                ["b3", "", "党小组", "", "外星", ""],
            ]
        )
    ).tables[0]
    rows, problems = roster.parse_orgs(table)
    assert [(p.row, p.column, p.key) for p in problems] == [
        (3, "组织编号", "import_org_code_invalid"),
        (4, "组织名称", "import_value_required"),
        (4, "组织类别", "import_org_category_invalid"),
    ]
    assert [r.valid for r in rows] == [True, False, False]
    assert rows[1].type == "branch"


@pytest.mark.parametrize(
    "raw",
    [
        "13800000001",
        "+8613800000001",
        "0086 138 0000 0001",
        "86-138-0000-0001",
        "12800000001",
        "1380000000",
        "１３８００００００01",
        "",
    ],
)
def test_phone_rule_agrees_with_identity(raw):
    try:
        expected = identity_phone.normalize(raw)
    except DomainError:
        expected = None
    assert roster.normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", [VALID_ID, VALID_ID.lower(), "110105194912310021", "11010519491331002X", "1101051949123100", "X" * 18]
)
def test_id_card_rule_agrees_with_identity(raw):
    try:
        expected = identity_id_card.normalize(raw)
    except DomainError:
        expected = None
    assert roster.normalize_id_card(raw, dt.date.today()) == expected


@pytest.mark.parametrize(
    ("value", "day"),
    [
        (dt.date(2020, 7, 1), dt.date(2020, 7, 1)),
        (dt.datetime(2020, 7, 1, 9, 30), dt.date(2020, 7, 1)),
        (43983, dt.date(2020, 6, 1)),
        (43983.5, None),
        ("2020-07-01", dt.date(2020, 7, 1)),
        ("2020/7/1", dt.date(2020, 7, 1)),
        ("2020.07.01", dt.date(2020, 7, 1)),
        ("2020年7月1日", dt.date(2020, 7, 1)),
        ("2020-02-30", None),
        ("七月一日", None),
        (True, None),
    ],
)
def test_dates(value, day):
    assert roster.parse_day(value) == day


# -- the plan --------------------------------------------------------------------------------------

ROOT = roster.KnownOrg("root", "root-slug", "committee", ("top", "root"))
BRANCH = roster.KnownOrg("b-old", "old-branch", "branch", ("top", "root", "b-old"))
OUTSIDE = roster.KnownOrg("other", "other", "branch", ("top", "other"))


def world(**overrides) -> roster.World:
    orgs = {o.id: o for o in (ROOT, BRANCH, OUTSIDE)} | {o.slug: o for o in (ROOT, BRANCH, OUTSIDE)}
    base = {"root": ROOT, "orgs": orgs, "accounts_by_phone": {}, "known_accounts": set(), "memberships": {}}
    return roster.World(**(base | overrides))


def make_plan(org_rows: list[list], member_rows: list[list], w: roster.World | None = None) -> roster.Plan:
    orgs, problems = (
        roster.parse_orgs(roster.read(csv_bytes([ORG_HEADERS, *org_rows])).tables[0]) if org_rows else ([], [])
    )
    members, more = (
        roster.parse_members(roster.read(csv_bytes([MEMBER_HEADERS, *member_rows])).tables[0], TODAY)
        if member_rows
        else ([], [])
    )
    return roster.plan(orgs, members, w or world(), problems + more)


def keys(plan: roster.Plan) -> list[tuple[str, int, str]]:
    return [(p.table, p.row, p.key) for p in plan.problems]


def test_new_orgs_hang_under_the_root_or_an_earlier_row():
    plan = make_plan(
        [
            ["gb", "总支", "党总支", "", "", ""],
            ["b1", "一支部", "党支部", "gb", "", ""],
            ["g1", "一小组", "党小组", "b1", "", ""],
            ["g2", "二小组", "党小组", "old-branch", "", ""],
        ],
        [["王芳", "13800000001", "", "g1", "正式党员", "", "书记"]],
    )
    assert keys(plan) == []
    gb, b1, g1, g2 = plan.new_orgs
    assert gb.path == ["top", "root", gb.id] and g1.path == ["top", "root", gb.id, b1.id, g1.id]
    assert g2.parent_id == "b-old"
    member = plan.new_members[0]
    assert (member.org_id, member.role, member.account_id) == (g1.id, "secretary", "")
    members, orgs = roster.counter_deltas(plan)
    assert members["root"] == {"full": 1} and members[g1.id] == {"full": 1} and "b-old" not in members
    assert orgs["root"] == {"general_branch": 1, "branch": 1, "group": 2} and orgs["b-old"] == {"group": 1}


def test_org_problems_are_found_in_file_order():
    plan = make_plan(
        [
            ["g1", "小组", "党小组", "b1", "", ""],  # its parent comes later
            ["b1", "支部", "党支部", "", "", ""],
            ["b1", "支部", "党支部", "", "", ""],  # duplicate code
            ["g2", "小组", "党小组", "", "", ""],  # a group can't sit under the committee
            ["b2", "支部", "党支部", "other", "", ""],  # a parent outside the root's subtree
            ["other", "支部", "党支部", "", "", ""],  # the code of an org outside
            ["old-branch", "旧支部", "党总支", "", "", ""],  # exists with another type
            ["b9", "支部", "党支部", "nowhere", "", ""],
        ],
        [],
    )
    assert keys(plan) == [
        ("orgs", 2, "import_parent_later"),
        ("orgs", 4, "import_duplicate"),
        ("orgs", 5, "import_org_placement"),
        ("orgs", 6, "import_org_outside"),
        ("orgs", 7, "import_org_outside"),
        ("orgs", 8, "import_org_type_differs"),
        ("orgs", 9, "import_org_unknown"),
    ]


def test_a_bad_parent_row_does_not_cascade():
    plan = make_plan(
        [["b1", "", "党支部", "", "", ""], ["g1", "小组", "党小组", "b1", "", ""]],
        [["a", "13800000001", "", "b1", "申请人", "", ""]],
    )
    assert keys(plan) == [("orgs", 2, "import_value_required")]


def test_existing_orgs_are_left_as_they_are():
    plan = make_plan([["old-branch", "旧支部", "党支部", "root-slug", "", ""]], [])
    assert keys(plan) == [] and plan.new_orgs == [] and plan.orgs_unchanged == 1


def test_people_duplicates_memberships_and_accounts():
    w = world(
        accounts_by_phone={"13800000002": "acc-2", "13800000003": "acc-3", "13800000004": "acc-4"},
        known_accounts={"acc-9"},
        memberships={"acc-2": ("b-old", "full"), "acc-3": ("other", "full")},
    )
    plan = make_plan(
        [],
        [
            ["新人", "13800000001", VALID_ID, "old-branch", "申请人", "", ""],
            ["重复", "13800000001", "", "old-branch", "申请人", "", ""],
            ["同证", "13800000005", VALID_ID, "old-branch", "申请人", "", ""],
            ["已在", "13800000002", "", "b-old", "正式党员", "", ""],  # the same membership: unchanged
            ["别处", "13800000003", "", "old-branch", "正式党员", "", ""],
            ["外面", "13800000004", "", "other", "正式党员", "", ""],
            ["老人", "13800000004", "", "nowhere", "正式党员", "", ""],
        ],
        w,
    )
    assert keys(plan) == [
        ("members", 3, "import_duplicate"),
        ("members", 4, "import_duplicate"),
        ("members", 6, "import_already_member"),
        ("members", 7, "import_org_outside"),
        ("members", 8, "import_duplicate"),
    ]
    assert [m.name for m in plan.new_members] == ["新人"] and plan.members_unchanged == 1


def test_rows_by_account_id():
    headers = ["姓名", "账号编号", "所在党组织", "党员状态"]
    table = roster.read(
        csv_bytes([headers, ["甲", "acc-9", "old-branch", "申请人"], ["乙", "acc-x", "old-branch", "申请人"]])
    ).tables[0]
    members, problems = roster.parse_members(table, TODAY)
    plan = roster.plan([], members, world(known_accounts={"acc-9"}), problems)
    assert keys(plan) == [("members", 3, "import_account_unknown")]
    assert plan.new_members[0].account_id == "acc-9"


# -- exports ---------------------------------------------------------------------------------------


def test_csv_export_reads_back_and_defuses_formulas():
    rows = [
        roster.member_export_row("=cmd|' /C calc'!A0", "acc-1", "b1", "full", "2010-07-01", ["member", "secretary"])
    ]
    content = roster.write_csv(roster.MEMBERS, rows)
    assert content.startswith(b"\xef\xbb\xbf")
    book = roster.read(content)
    members, problems = roster.parse_members(book.tables[0], TODAY)
    assert problems == []
    assert members[0].name.startswith("'=") and (members[0].account_id, members[0].role) == ("acc-1", "secretary")


def test_xlsx_export_reads_back():
    content = roster.write_xlsx(
        {
            roster.ORGS: [roster.org_export_row("b1", "一支部", "branch", "root", "office_tower", "")],
            roster.MEMBERS: [roster.member_export_row("王芳", "acc-1", "b1", "probationary", "2025-01-02", ["member"])],
        }
    )
    book = roster.read(content)
    orgs, problems = roster.parse_orgs(book.table(roster.ORGS))
    members, more = roster.parse_members(book.table(roster.MEMBERS), TODAY)
    assert problems == more == []
    assert (orgs[0].type, orgs[0].category, orgs[0].parent) == ("branch", "office_tower", "root")
    assert (members[0].status, members[0].status_date, members[0].role) == ("probationary", dt.date(2025, 1, 2), "")


def test_every_problem_key_has_both_texts():
    source = Path(roster.__file__).read_text()
    found = set(re.findall(r'"(import_[a-z_]+)"', source))
    assert len(found) > 20
    for key in found:
        assert all(messages.CATALOG.get(key, {}).get(locale) for locale in messages.LOCALES), key
