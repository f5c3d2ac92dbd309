"""Reading an office's roster, and importing it: townships, branches, secretaries with accounts."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessment.importers import StandardImportError
from assessment.importers.roster import read_roster
from assessment.models import AuditLog, Branch, County, PendingPassword, Role, Township, User
from assessment.services.base import ServiceError
from assessment.services.roster import account_sheet_take, password_reissue, roster_import, roster_plan
from tests.fixtures.rosters.build import save

ROSTERS = Path(__file__).resolve().parent / "fixtures" / "rosters"
TOWNSHIP = ROSTERS / "huayu-huamingce.xlsx"
COUNTY = ROSTERS / "jishan-xian-huamingce.xls"


def xlsx(tmp_path, rows, merges=(), name="roster.xlsx"):
    path = tmp_path / name
    save(rows, merges, path)
    return path


HEADER = ["乡镇", "党支部名称", "类型", "党员人数", "示范点", "支部书记", "联系电话"]


# --- reading ----------------------------------------------------------------------


def test_township_roster_merged_township_header_lower_total_row_numeric_phones():
    parsed = read_roster(TOWNSHIP)
    assert (parsed.sheet, parsed.header_row) == ("花名册", 3)
    assert [row.branch for row in parsed.rows] == [
        "化峪村党支部", "西段村党支部", "东段村党支部", "化峪社区党支部", "镇机关党支部", "化峪中学党支部"]
    assert {row.township for row in parsed.rows} == {"化峪镇"}  # merged B4:B9
    first = parsed.rows[0]
    assert (first.kind, first.members, first.demonstration, first.secretary, first.phone) == (
        "rural", 52, True, "王建国", "13903591001")  # the phone Excel kept as a number
    assert parsed.rows[4].phone == "0359-5521001" and parsed.rows[5].phone == ""
    assert [row.kind for row in parsed.rows[3:]] == ["community", "organ", "school"]


def test_county_roster_xls_blank_township_cells_full_width_digits_subtotals():
    parsed = read_roster(COUNTY)
    assert parsed.header_row == 4
    assert [(row.township, row.branch) for row in parsed.rows] == [
        ("化峪镇", "化峪村党支部"), ("化峪镇", "西段村党支部"), ("翟店镇", "翟店村党支部"),
        ("翟店镇", "北街社区党支部"), ("太阳乡", "太阳村党支部")]
    assert (parsed.rows[0].members, parsed.rows[0].phone, parsed.rows[0].demonstration) == (52, "13903591001", True)
    assert parsed.rows[1].phone == "13903591002"  # "139 0359 1002"
    assert parsed.rows[3].kind == "community"


def test_no_township_column_takes_the_title(tmp_path):
    path = xlsx(tmp_path, [["稷山县化峪镇党支部花名册"], ["党组织名称", "书记", "手机"], ["化峪村党支部", "王建国", 13903591001]])
    parsed = read_roster(path)
    assert parsed.rows[0].township == "化峪镇" and parsed.rows[0].secretary == "王建国"


@pytest.mark.parametrize("row, message", [
    (["化峪镇", "化峪村党支部", "农村", 52, "是", "王建国", "1390359100"], "工作表“花名册”第2行G列：联系电话“1390359100”不是手机号码或固定电话号码。"),
    (["化峪镇", "化峪村党支部", "农村", "五十", "是", "王建国", ""], "工作表“花名册”第2行D列：党员人数“五十”不是整数。"),
    (["化峪镇", "化峪村党支部", "合作社", 5, "是", "王建国", ""], "工作表“花名册”第2行C列：类型“合作社”无法识别"),
    (["化峪镇", "化峪村党支部", "农村", 5, "也许", "王建国", ""], "工作表“花名册”第2行E列：示范点一栏“也许”应填“是”或“否”。"),
])
def test_refusals_name_sheet_row_and_column(tmp_path, row, message):
    path = xlsx(tmp_path, [HEADER, row])
    with pytest.raises(StandardImportError) as error:
        read_roster(path)
    assert error.value.message.startswith(message)


def test_a_branch_twice_is_refused(tmp_path):
    path = xlsx(tmp_path, [HEADER, ["化峪镇", "化峪村党支部"], ["化峪镇", "化峪村党支部"]])
    with pytest.raises(StandardImportError, match="第3行B列：党支部“化峪村党支部”与第2行重复"):
        read_roster(path)


def test_no_header_is_refused(tmp_path):
    path = xlsx(tmp_path, [["姓名", "年龄"], ["张三", 30]])
    with pytest.raises(StandardImportError, match="未找到表头"):
        read_roster(path)


# --- importing --------------------------------------------------------------------


def test_import_creates_branches_secretaries_and_one_time_passwords(cast):
    plan = roster_import(parsed=read_roster(TOWNSHIP), actor=cast.alice)
    assert (len(plan.new_branches), plan.new_accounts) == (6, 6)
    assert [b.name for b in plan.missing] == ["化峪村", "西段村"]  # listed, not deleted
    assert Branch.objects.filter(name="化峪村").exists()
    branch = Branch.objects.get(township=cast.township, name="化峪村党支部")
    assert (branch.kind, branch.members, branch.is_demonstration, branch.order) == ("rural", 52, True, 1)
    user = User.objects.get(branch=branch)
    assert (user.username, user.display_name, user.phone, user.role, user.must_change_password) == (
        "13903591001", "王建国", "13903591001", Role.SECRETARY, True)
    assert user.password.startswith("pbkdf2_sha256_otp$")
    pending = PendingPassword.objects.get(user=user)
    assert user.check_password(pending.password)
    # a landline or no phone: a readable name the admin can change
    assert [User.objects.get(display_name=name).username for name in ("刘伟", "陈静")] == ["zhibu0001", "zhibu0002"]
    actions = list(AuditLog.objects.values_list("action", flat=True))
    assert actions.count("roster_branch_create") == 6 and actions.count("account_create") == 6
    assert "roster_import" in actions
    assert not AuditLog.objects.filter(note__contains=pending.password).exists()
    created = AuditLog.objects.get(action="roster_branch_create", target="化峪镇 化峪村党支部")
    assert created.new_value == "农村、52人、示范点"
    call_command("verify_audit")  # the records written at once are chained like any other


def test_reimport_updates_what_changed_and_lists_missing(cast, tmp_path):
    roster_import(parsed=read_roster(TOWNSHIP), actor=cast.alice)
    old = User.objects.get(display_name="李秀英")
    path = xlsx(tmp_path, [HEADER,
                           ["化峪镇", "化峪村党支部", "农村", 55, "是", "王建国", 13903591009],
                           ["化峪镇", "西段村党支部", "农村", 38, "否", "周敏", 13903591011],
                           ["化峪镇", "东段村党支部", "农村", 41, "否", "张志强", 13903591003],
                           ["化峪镇", "新庄村党支部", "农村", 12, "否", "", ""]])
    parsed = read_roster(path)
    plan = roster_plan(parsed=parsed, actor=cast.alice)
    assert [(c.branch, c.fields) for c in plan.changed] == [
        ("化峪村党支部", [("党员人数", 52, 55), ("联系电话", "13903591001", "13903591009")]),
        ("西段村党支部", [("支部书记", "李秀英", "周敏")]),
    ]
    assert plan.unchanged == 1 and [r.branch for r in plan.new_branches] == ["新庄村党支部"]
    assert {b.name for b in plan.missing} == {"化峪村", "西段村", "化峪社区党支部", "镇机关党支部", "化峪中学党支部"}
    roster_import(parsed=parsed, actor=cast.alice)
    assert Branch.objects.get(name="化峪村党支部").members == 55
    assert User.objects.get(display_name="王建国").phone == "13903591009"
    old.refresh_from_db()
    assert not old.is_active  # kept, no longer logs in
    assert User.objects.get(display_name="周敏", is_active=True).branch.name == "西段村党支部"
    assert Branch.objects.filter(township=cast.township).count() == 2 + 6 + 1  # nothing deleted


def test_township_admin_imports_only_their_township(cast):
    parsed = read_roster(COUNTY)
    with pytest.raises(ServiceError, match="工作表“花名册”第8行：乡镇“翟店镇”不是您所在的化峪镇"):
        roster_import(parsed=parsed, actor=cast.alice)
    assert not Branch.objects.filter(name="化峪村党支部").exists()
    with pytest.raises(ServiceError):
        roster_import(parsed=parsed, actor=cast.bob)


def test_superuser_imports_a_county_roster_in_one_transaction(cast, monkeypatch):
    import assessment.services.roster as service

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_create_accounts", broken)
    with pytest.raises(RuntimeError):
        roster_import(parsed=read_roster(COUNTY), actor=cast.root)
    assert not Township.objects.filter(name="翟店镇").exists() and not Branch.objects.filter(name="化峪村党支部").exists()
    monkeypatch.undo()
    plan = roster_import(parsed=read_roster(COUNTY), actor=cast.root)
    assert plan.new_townships == ["太阳乡", "翟店镇"]
    assert Branch.objects.filter(township__name="翟店镇").count() == 2


# --- accounts ---------------------------------------------------------------------


def test_account_sheet_gives_each_password_once(cast):
    roster_import(parsed=read_roster(TOWNSHIP), actor=cast.alice)
    rows = account_sheet_take(actor=cast.alice, township=cast.township)
    assert [row[:3] for row in rows][:2] == [("王建国", "化峪村党支部", "13903591001"), ("李秀英", "西段村党支部", "13903591002")]
    assert User.objects.get(username="13903591001").check_password(rows[0][3])
    assert not PendingPassword.objects.exists()
    with pytest.raises(ServiceError, match="账号表已下载过"):
        account_sheet_take(actor=cast.alice, township=cast.township)
    with pytest.raises(ServiceError):
        account_sheet_take(actor=cast.eve, township=cast.township)
    assert AuditLog.objects.filter(action="account_sheet_download", target="化峪镇").count() == 1


def test_reissue_a_forgotten_password(cast):
    password_reissue(user=cast.carol, actor=cast.alice)
    cast.carol.refresh_from_db()
    pending = PendingPassword.objects.get(user=cast.carol)
    assert cast.carol.must_change_password and cast.carol.check_password(pending.password)
    assert AuditLog.objects.filter(action="password_reissue", target="carol").exists()
    with pytest.raises(ServiceError):
        password_reissue(user=cast.frank, actor=cast.alice)


def test_first_login_must_set_own_password_on_every_page(cast, client):
    password_reissue(user=cast.carol, actor=cast.alice)
    password = PendingPassword.objects.get(user=cast.carol).password
    response = client.post(reverse("login"), {"username": "carol", "password": password})
    assert response.status_code == 302
    change = reverse("password_change")
    for url in (reverse("home"), f"/assessments/{cast.assessment.pk}/", "/admin/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, change), url
    assert "请先设置您自己的密码，设置后才能使用系统" in client.get(change).content.decode()
    response = client.post(change, {"old_password": password, "new_password1": "Zhibu-2026-mima",
                                     "new_password2": "Zhibu-2026-mima"})
    assert response.status_code == 302
    cast.carol.refresh_from_db()
    assert not cast.carol.must_change_password
    assert client.get(reverse("home")).status_code == 200
    assert AuditLog.objects.filter(action="password_set_own", actor=cast.carol).exists()


# --- the command -------------------------------------------------------------------


def test_command_dry_run_writes_nothing_then_imports(cast, capsys):
    call_command("import_roster", str(COUNTY), "--dry-run")
    out = capsys.readouterr().out
    assert "试运行，未写入：新增乡镇2个、党支部5个" in out
    assert "花名册中没有（未删除，请在管理后台处理）：化峪镇 化峪村" in out
    assert not Branch.objects.filter(name="化峪村党支部").exists()
    call_command("import_roster", str(COUNTY))
    assert Branch.objects.filter(name__endswith="党支部").count() == 5


def test_command_refuses_a_bad_file(db, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="不是Excel"):
        call_command("import_roster", str(path))


def test_a_county_imports_its_roster_into_the_county(cast):
    """`--county`: the roster's new townships are the county's, a township of no county joins it,
    and a township of another county is refused with nothing written."""
    Township.objects.create(name="无县镇")
    townships = set(read_roster(COUNTY).townships())
    call_command("import_roster", str(COUNTY), "--county", "稷山县")
    made = Township.objects.filter(name__in=townships).exclude(pk=cast.township.pk)
    assert made.count() == 2 and set(made.values_list("county__name", flat=True)) == {"稷山县"}
    assert AuditLog.objects.filter(action="roster_township_create").count() == 2
    assert not AuditLog.objects.filter(action="roster_county_create").exists()  # 稷山县 was there

    before = (Branch.objects.count(), Township.objects.count(), AuditLog.objects.count())
    with pytest.raises(CommandError, match="化峪镇”属于稷山县，不是万荣县"):
        call_command("import_roster", str(COUNTY), "--county", "万荣县")
    assert (Branch.objects.count(), Township.objects.count(), AuditLog.objects.count()) == before
    assert not County.objects.filter(name="万荣县").exists()


def test_a_roster_brings_a_township_of_no_county_into_the_county(cast):
    Township.objects.filter(pk=cast.township.pk).update(county=None)
    call_command("import_roster", str(COUNTY), "--county", "新县")
    cast.township.refresh_from_db()
    assert cast.township.county.name == "新县"
    assert AuditLog.objects.filter(action="roster_county_create", target="新县").exists()
    assert AuditLog.objects.filter(action="roster_township_county", target="化峪镇").exists()


def test_only_the_superuser_imports_for_a_county(cast):
    parsed = read_roster(Path(__file__).parent / "fixtures" / "rosters" / "jishan-xian-huamingce.xls")
    with pytest.raises(ServiceError, match="只有系统管理员"):
        roster_import(parsed=parsed, actor=cast.alice, county="稷山县")
