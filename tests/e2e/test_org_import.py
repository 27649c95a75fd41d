"""Roster import and export through the gateway, on the real stack: a secretary's whole day with a
spreadsheet — a roster with mistakes (nothing applied), the fixed roster, a dry run, files that are
not rosters, someone else's branch, and an export that imports back."""

from __future__ import annotations

import csv
import io
import secrets

import pytest
from openpyxl import load_workbook

from tests.conftest import Person, login, new_phone
from tests.conftest import xlsx_bytes as xlsx
from tests.e2e.corner import make_secretary, wait_until

pytestmark = pytest.mark.e2e

MEMBER_HEADERS = ["姓名", "手机号", "身份证号", "所在党组织", "党员状态", "状态日期", "职务"]
ORG_HEADERS = ["组织编号", "组织名称", "组织类型", "上级组织", "组织类别", "地址"]
VALID_ID = "11010519491231002X"
OCTET = {"content-type": "application/octet-stream"}


def create_org(api, who: Person, parent_id: str, name: str, org_type: str, slug: str) -> dict:
    body = {"parent_id": parent_id, "name": name, "type": org_type, "slug": slug, "category": "community"}
    reply = api.post("/api/v1/orgs", json=body, headers=who.auth)
    assert reply.status_code == 201, reply.text
    return reply.json()


@pytest.fixture
def committee(api, identity_events, admin):
    """A fresh committee under the demo committee, with a secretary of its own."""
    tag = secrets.token_hex(3)
    org = create_org(api, admin, "demo-committee", f"导入测试党委{tag}", "committee", f"imp-{tag}")
    return org, make_secretary(api, identity_events, admin, org["id"])


def stats(api, who: Person, org_id: str) -> dict:
    reply = api.get(f"/api/v1/orgs/{org_id}/stats", headers=who.auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


def import_file(
    api, who: Person, org_id: str, content: bytes, *, dry_run: bool = False, lang: str = "zh-CN", multipart=True
):
    headers = {**who.auth, "accept-language": lang}
    url = f"/api/v1/orgs/{org_id}/import" + ("?dry_run=true" if dry_run else "")
    if multipart:
        return api.post(url, files={"file": ("花名册.xlsx", content)}, headers=headers, timeout=120)
    return api.post(url, content=content, headers={**headers, **OCTET}, timeout=120)


def roster_rows(tag: str, phones: list[str]) -> tuple[list[list], list[list]]:
    orgs = [
        ORG_HEADERS,
        [f"b-{tag}", "第一党支部", "党支部", "", "社区", "和平路 1 号"],
        [f"g-{tag}", "第一党小组", "党小组", f"b-{tag}", "", ""],
    ]
    members = [
        MEMBER_HEADERS,
        ["赵一", phones[0], VALID_ID, f"b-{tag}", "正式党员", "2012-07-01", "书记"],
        ["钱二", phones[1], "", f"g-{tag}", "预备党员", "2025-09-01", ""],
        ["孙三", phones[2], "", f"G-{tag}", "积极分子", "2024-03-15", None],
    ]
    return orgs, members


def test_a_roster_with_mistakes_changes_nothing_then_the_fixed_one_imports(api, identity_events, admin, committee):
    org, secretary = committee
    tag = secrets.token_hex(3)
    phones = [new_phone() for _ in range(3)]
    orgs, members = roster_rows(tag, phones)
    bad_members = [
        *members,
        ["周四", "1380000", "", f"b-{tag}", "正式党员", "", ""],  # row 5: phone
        ["吴五", new_phone(), "110105194912310021", f"b-{tag}", "正式党员", "", ""],  # row 6: ID-card checksum
        ["郑六", new_phone(), "", f"b-{tag}", "预备党员", "", "书记"],  # row 7: a role needs a full member
        ["王七", new_phone(), "", "nowhere", "正式党员", "2099-01-01", ""],  # row 8: org, date
        ["赵一", phones[0], "", f"b-{tag}", "正式党员", "", ""],  # row 9: the same person again
        ["王芳", "13800000001", "", f"b-{tag}", "正式党员", "", ""],  # row 10: already a member elsewhere
    ]
    bad_orgs = [*orgs, [f"x-{tag}", "小组", "党小组", "", "", ""]]  # row 4: a group under a committee
    before = stats(api, secretary, org["id"])

    reply = import_file(api, secretary, org["id"], xlsx({"组织": bad_orgs, "党员": bad_members}))
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["applied"] is False and body["error"]["code"] == "invalid_argument"
    assert "未导入任何数据" in body["error"]["message"]
    found = [(p["table"], p["row"], p["column"], p["code"]) for p in body["problems"]]
    assert found == [
        ("orgs", 4, "组织类型", "import_org_placement"),
        ("members", 5, "手机号", "import_phone_invalid"),
        ("members", 6, "身份证号", "import_id_card_invalid"),
        ("members", 7, "职务", "import_role_needs_full_member"),
        ("members", 8, "状态日期", "import_date_in_future"),
        ("members", 9, "手机号", "import_duplicate"),
        ("members", 10, "姓名", "import_already_member"),
    ]
    assert body["problems_total"] == 7
    assert body["problems"][0]["message"] == "党小组不能设在党委之下"
    assert body["problems"][5]["message"] == "与第 2 行重复"
    assert stats(api, secretary, org["id"]) == before  # nothing applied
    english = import_file(api, secretary, org["id"], xlsx({"组织": bad_orgs, "党员": bad_members}), lang="en")
    assert english.json()["problems"][0]["message"] == "A 党小组 can't sit under a 党委"

    reply = import_file(api, secretary, org["id"], xlsx({"组织": orgs, "党员": members}))
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert report["applied"] is True and report["problems"] == []
    assert (report["orgs_created"], report["members_added"], report["accounts_created"]) == (2, 3, 3)

    after = stats(api, secretary, org["id"])
    assert after["orgs_by_type"] == {"committee": 1, "branch": 1, "group": 1}
    assert after["members_by_status"] == {"full": 2, "probationary": 1, "activist": 1}  # the secretary is full too
    page = api.get(f"/api/v1/orgs/{org['id']}/members", params={"subtree": "true"}, headers=secretary.auth).json()
    by_name = {m["display_name"]: m for m in page["members"]}
    assert set(by_name) >= {"赵一", "钱二", "孙三"}
    assert by_name["赵一"]["roles"] == ["member", "secretary"] and by_name["赵一"]["status_since"] == "2012-07-01"
    branch = by_name["赵一"]["org_id"]
    history = api.get(f"/api/v1/orgs/{branch}/history", headers=secretary.auth).json()["changes"]
    assert [c["kind"] for c in history] == ["created"]

    # identity learned the role, and the new people log in by SMS code (they have no password)
    zhao = by_name["赵一"]["account_id"]
    wait_until(
        lambda: any(
            g["role"] == "secretary" and g["org_id"] == branch
            for g in api.get(f"/api/v1/accounts/{zhao}/roles", headers=admin.auth).json()["grants"]
        ),
        what="identity to grant the imported secretary's role",
    )
    assert api.post("/api/v1/auth/codes", json={"phone": phones[0], "purpose": "login"}).status_code == 200
    code = identity_events.code_for(phones[0], "login")
    session = api.post("/api/v1/auth/login/code", json={"phone": phones[0], "code": code})
    assert session.status_code == 200, session.text
    assert session.json()["account"]["id"] == zhao and session.json()["account"]["has_password"] is False

    again = import_file(api, secretary, org["id"], xlsx({"组织": orgs, "党员": members}))
    assert again.status_code == 200, again.text
    assert (again.json()["orgs_unchanged"], again.json()["members_unchanged"], again.json()["members_added"]) == (
        2,
        3,
        0,
    )
    assert stats(api, secretary, org["id"]) == after


def test_dry_run_of_a_gbk_csv_checks_without_writing(api, committee):
    org, secretary = committee
    rows = [
        ["姓名", "手机号", "所在党组织", "党员状态", "状态日期"],
        ["李雷", new_phone(), org["slug"], "申请人", "2026/1/5"],
    ]
    content = "\r\n".join(",".join(r) for r in rows).encode("gb18030")
    before = stats(api, secretary, org["id"])
    reply = import_file(api, secretary, org["id"], content, dry_run=True, multipart=False)
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert (report["format"], report["encoding"], report["dry_run"], report["applied"]) == (
        "csv",
        "gb18030",
        True,
        False,
    )
    assert (report["members_added"], report["accounts_created"]) == (1, 1)
    assert stats(api, secretary, org["id"]) == before


def test_files_that_are_not_rosters(api, committee):
    org, secretary = committee

    def error(reply, status: int, key_part: str) -> dict:
        assert reply.status_code == status, reply.text
        err = reply.json()["error"]
        assert err["message"] and key_part in (err["message"] + err["code"]), err
        return err

    wrong_headers = xlsx({"Sheet1": [["名字", "电话号", "单位"], ["a", "13800000001", "b"]]})
    err = error(import_file(api, secretary, org["id"], wrong_headers), 400, "缺少必需的列")
    assert "所在党组织" in err["message"] and "党员状态" in err["message"] and err["field"] == "file"
    error(import_file(api, secretary, org["id"], secrets.token_bytes(1_000_000), multipart=False), 400, "无法识别")
    error(
        import_file(api, secretary, org["id"], secrets.token_bytes(10_600_000), multipart=False),
        413,
        "payload_too_large",
    )
    error(import_file(api, secretary, org["id"], secrets.token_bytes(10_600_000)), 413, "payload_too_large")
    error(
        import_file(api, secretary, org["id"], b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        400,
        "缺少必需的列",
    )
    error(import_file(api, secretary, org["id"], b"", multipart=False), 400, "空的")
    error(import_file(api, secretary, org["id"], b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), 400, ".xlsx")
    as_json = api.post(f"/api/v1/orgs/{org['id']}/import", json={"file": "x"}, headers=secretary.auth)
    error(as_json, 415, "multipart/form-data")
    # The JSON routes keep their 64 KiB limit.
    big = api.post(
        "/api/v1/orgs",
        content=b"{" + b" " * 70_000 + b"}",
        headers={**secretary.auth, "content-type": "application/json"},
    )
    error(big, 413, "65536")


def test_another_branch_secretary_cannot_import_here(api, committee):
    org, secretary = committee
    other = login(api, "13800000001", "Jiceng-demo-2026")  # 王芳, secretary of demo-branch-2
    other_auth = {"Authorization": f"Bearer {other['access_token']}"}
    content = xlsx({"党员": [MEMBER_HEADERS, ["某人", new_phone(), "", org["slug"], "申请人", "", ""]]})
    reply = api.post(f"/api/v1/orgs/{org['id']}/import", files={"file": ("r.xlsx", content)}, headers=other_auth)
    assert reply.status_code == 403, reply.text
    assert api.get(f"/api/v1/orgs/{org['id']}/export", headers=other_auth).status_code == 403
    # and inside one's own subtree, a row naming an org elsewhere is a row problem
    elsewhere = xlsx({"党员": [MEMBER_HEADERS, ["某人", new_phone(), "", "demo-branch-2", "申请人", "", ""]]})
    reply = import_file(api, secretary, org["id"], elsewhere)
    assert reply.status_code == 422 and reply.json()["problems"][0]["code"] == "import_org_outside"


def test_export_and_import_back(api, committee):
    org, secretary = committee
    tag = secrets.token_hex(3)
    orgs, members = roster_rows(tag, [new_phone() for _ in range(3)])
    assert import_file(api, secretary, org["id"], xlsx({"组织": orgs, "党员": members})).status_code == 200

    reply = api.get(f"/api/v1/orgs/{org['id']}/export", headers=secretary.auth)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in reply.headers["content-disposition"]
    book = load_workbook(io.BytesIO(reply.content), read_only=True)
    sheets = {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets}
    assert sheets["组织"][0] == ["组织编号", "组织名称", "组织类型", "上级组织", "组织类别", "地址"]
    assert [r[0] for r in sheets["组织"][1:]] == [org["slug"], f"b-{tag}", f"g-{tag}"]
    assert sheets["党员"][0] == ["姓名", "账号编号", "所在党组织", "党员状态", "状态日期", "职务"]
    assert len(sheets["党员"]) == 1 + 4  # the secretary and the three imported
    text = repr(sheets)
    assert VALID_ID not in text and not any(
        p for r in members[1:] for p in r[1:2] if p in text
    )  # no ID card, no phones

    back = import_file(api, secretary, org["id"], reply.content, dry_run=True)
    assert back.status_code == 200, back.text
    report = back.json()
    assert report["problems"] == [] and (report["orgs_unchanged"], report["members_unchanged"]) == (3, 4)
    assert (report["orgs_created"], report["members_added"]) == (0, 0)

    members_csv = api.get(
        f"/api/v1/orgs/{org['id']}/export", params={"format": "csv", "table": "members"}, headers=secretary.auth
    )
    assert members_csv.status_code == 200 and members_csv.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(members_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "账号编号", "所在党组织", "党员状态", "状态日期", "职务"] and len(rows) == 5
    back = import_file(api, secretary, org["id"], members_csv.content, dry_run=True, multipart=False)
    assert back.status_code == 200 and back.json()["members_unchanged"] == 4, back.text
    bad = api.get(f"/api/v1/orgs/{org['id']}/export", params={"format": "csv"}, headers=secretary.auth)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "table"
