"""The admin pages for the roster (upload → preview → confirm) and the accounts (sheet, reissue)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import AuditLog, Branch, PendingPassword, User
from tests.fixtures.rosters.build import save
from tests.test_admin_import import texts
from tests.test_roster import COUNTY, HEADER, TOWNSHIP

UPLOAD = "admin:assessment_branch_roster_import"
PREVIEW = "admin:assessment_branch_roster_preview"
CONFIRM = "admin:assessment_branch_roster_confirm"
ACCOUNTS = "admin:assessment_branch_accounts"
SHEET = "admin:assessment_branch_account_sheet"
REISSUE = "admin:assessment_branch_account_reissue"


@pytest.fixture
def alice(client, cast):
    cast.alice.is_staff = True
    cast.alice.save()
    client.force_login(cast.alice)
    return client


def upload(client, path):
    with open(path, "rb") as handle:
        return client.post(reverse(UPLOAD), {"file": handle}, follow=True)


def test_upload_preview_confirm_then_the_sheet_once(alice, cast):
    assert "从花名册导入" in alice.get(reverse("admin:assessment_branch_changelist")).content.decode()
    response = upload(alice, TOWNSHIP)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse(PREVIEW)
    assert "新增党支部（6个）" in page and "化峪中学党支部" in page
    assert "花名册中没有的党支部（2个，不会删除）" in page and "西段村" in page
    assert not Branch.objects.filter(name="化峪村党支部").exists()  # the preview writes nothing

    response = alice.post(reverse(CONFIRM), follow=True)
    assert response.redirect_chain[-1][0] == reverse(ACCOUNTS)
    assert any("已导入花名册。新增乡镇0个、党支部6个" in text for text in texts(response))
    page = response.content.decode()
    assert "有6个一次性密码待发放" in page and "13903591001" in page

    response = alice.post(reverse(SHEET), {"township": cast.township.pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in rows if row and row[0] == "序号")
    assert header == ["序号", "姓名", "党支部", "登录名", "初始密码", "登录地址"]
    first = rows[rows.index(header) + 1]
    assert first[:4] == [1, "王建国", "化峪村党支部", "13903591001"]
    assert first[5] == "http://testserver/accounts/login/"
    assert User.objects.get(username="13903591001").check_password(first[4])

    response = alice.post(reverse(SHEET), {"township": cast.township.pk}, follow=True)
    assert "没有待发放的一次性密码：账号表已下载过，忘记密码的人员请重新生成密码。" in texts(response)
    assert first[4] not in response.content.decode()


def test_another_townships_roster_is_refused_in_the_preview(alice, cast):
    response = upload(alice, COUNTY)
    assert "工作表“花名册”第8行：乡镇“翟店镇”不是您所在的化峪镇，不能导入。" in texts(response)
    assert "确认导入" not in response.content.decode()
    response = alice.post(reverse(CONFIRM), follow=True)
    assert "不能导入" in " ".join(texts(response))
    assert not Branch.objects.filter(name="化峪村党支部").exists()


def test_unclear_columns_get_a_mapping(alice, cast, tmp_path):
    path = tmp_path / "roster.xlsx"
    save([["单位", "书记", "手机"], ["化峪村党支部", "王建国", 13903591001]], [], path)
    response = upload(alice, path)
    assert "工作表“花名册”第1行的表头中找不到“党支部名称”列，请指定各列对应的内容。" in texts(response)
    response = alice.post(reverse(PREVIEW), {"branch": "A", "secretary": "B", "phone": "C"}, follow=True)
    assert "已按所选的列重新识别。" in texts(response)
    assert "新增党支部（1个）" in response.content.decode()


def test_bad_file_is_refused(alice):
    path = TOWNSHIP.with_name("build.py")
    response = upload(alice, path)
    assert any("不是Excel" in text for text in texts(response))


def test_reissue_only_in_own_township(alice, cast):
    assert alice.post(reverse(REISSUE, args=[cast.frank.pk])).status_code == 404
    assert not PendingPassword.objects.exists()
    response = alice.post(reverse(REISSUE, args=[cast.carol.pk]), follow=True)
    assert "已为carol生成新的一次性密码，请下载账号表后交给本人。" in texts(response)
    assert PendingPassword.objects.filter(user=cast.carol).exists()
    assert AuditLog.objects.filter(action="password_reissue", actor=cast.alice).exists()
    assert alice.get(reverse(REISSUE, args=[cast.carol.pk])).status_code == 405


def test_accounts_page_queries_do_not_grow(alice, cast, django_assert_num_queries):
    from assessment.services.roster import roster_import
    from assessment.importers.roster import read_roster

    with django_assert_num_queries(7):
        alice.get(reverse(ACCOUNTS))
    roster_import(parsed=read_roster(TOWNSHIP), actor=cast.alice)
    with django_assert_num_queries(7):
        response = alice.get(reverse(ACCOUNTS))
    assert response.content.decode().count("重新生成一次性密码") == 2 + 6 + 1 + 1  # bob, carol, dave, alice


def test_not_for_assessors_or_other_roles(client, cast):
    client.force_login(cast.bob)
    response = client.get(reverse(UPLOAD))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
