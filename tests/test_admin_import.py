"""The admin pages that import a standard: upload → preview (mapping) → confirm."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.admin_import import SESSION_KEY
from assessment.importers import ParsedStandard
from assessment.models import AuditLog, Item, Standard
from tests import xlsx_factory as xf

UPLOAD = "admin:assessment_standard_import"
PREVIEW = "admin:assessment_standard_import_preview"
CONFIRM = "admin:assessment_standard_import_confirm"
REAL_NAME = "化峪镇党支部规范化建设考核验收标准（2026年版）"


@pytest.fixture
def root(client, cast):
    client.force_login(cast.root)
    return client


def upload(client, path):
    with open(path, "rb") as handle:
        return client.post(reverse(UPLOAD), {"file": handle}, follow=True)


def session_parsed(client):
    return ParsedStandard.from_json(client.session[SESSION_KEY]["parsed"])


def texts(response):
    return [str(m) for m in response.context["messages"]]


def test_upload_page_opens(root):
    response = root.get(reverse(UPLOAD))
    assert response.status_code == 200
    assert "从Excel导入考核标准" in response.content.decode()


def test_upload_preview_confirm(root, cast):
    response = upload(root, xf.REAL_FILE)
    assert response.redirect_chain[-1][0] == reverse(PREVIEW)
    page = response.content.decode()
    for text in ("考核标准", "第3行", "组织设置规范", "党组织按党员人数规范设置", "否4", "加3", "上限5分", "优秀", "确认导入", "重新识别"):
        assert text in page
    assert response.context["mapping_form"].initial["points"] == "E"

    response = root.post(reverse(CONFIRM), {"name": REAL_NAME}, follow=True)
    standard = Standard.objects.get(name=REAL_NAME)
    assert response.redirect_chain[-1][0] == reverse("admin:assessment_standard_change", args=[standard.pk])
    assert response.status_code == 200
    assert any("已导入考核标准" in m for m in texts(response))
    assert standard.items.count() == 56
    assert standard.township is None  # a superuser's import serves every township
    assert AuditLog.objects.filter(action="standard_import", actor=cast.root).exists()
    assert SESSION_KEY not in root.session


def test_the_preview_names_both_rows_of_a_two_row_header(root, tmp_path):
    response = upload(root, xf.grouped_score_columns(tmp_path / "grouped.xlsx", merged=True))
    assert response.redirect_chain[-1][0] == reverse(PREVIEW)
    assert "第4–5行" in response.content.decode()


def test_change_the_mapping_then_confirm(root):
    upload(root, xf.REAL_FILE)
    mapping = {"number": "A", "area": "B", "content": "C", "criteria": "G", "points": "E",
               "check_method": "F", "evidence": "D"}
    response = root.post(reverse(PREVIEW), mapping, follow=True)
    assert response.status_code == 200
    assert "已按所选的列重新识别。" in texts(response)
    parsed = session_parsed(root)
    assert parsed.items[55].criteria == "代办服务台账、志愿服务记录"
    root.post(reverse(CONFIRM), {"name": "换列后的标准"})
    item = Item.objects.get(standard__name="换列后的标准", number=56)
    assert item.evidence == "志愿服务每少1次扣0.5分；群众不满意扣1分。"


def test_unclear_columns_lead_to_the_mapping(root, tmp_path):
    header = ["序号", "考核方面", "考核内容", "评分标准", "权重", "考核方式", "佐证材料"]
    path = xf.simple(tmp_path / "weights.xlsx", [xf.good_item(1, 3), xf.good_item(2, 2)], header=header)
    response = upload(root, path)
    assert response.redirect_chain[-1][0] == reverse(PREVIEW)
    assert "找不到“分值”列" in response.content.decode()
    assert response.context["parsed"] is None
    response = root.post(reverse(PREVIEW), {"number": "A", "area": "B", "content": "C", "points": "E"}, follow=True)
    assert session_parsed(root).total_points == Decimal("5")
    root.post(reverse(CONFIRM), {"name": "权重标准"})
    assert Standard.objects.get(name="权重标准").items.count() == 2


def test_a_bad_mapping_shows_the_error_on_the_preview(root):
    upload(root, xf.REAL_FILE)
    response = root.post(reverse(PREVIEW), {"content": "C", "points": "C"}, follow=True)
    assert "“考核内容”和“分值”不能对应同一列（C列）。" in texts(response)
    assert response.context["parsed"] is None
    response = root.post(reverse(CONFIRM), {"name": "x"}, follow=True)
    assert Standard.objects.filter(name="x").count() == 0


@pytest.mark.parametrize("content, message", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "文件已损坏或不是有效的Excel（.xls）工作簿"),
    ("序号,内容\n".encode(), "文件不是Excel（.xlsx、.xls）或Word（.docx）文件"),
])
def test_bad_file_shows_an_error_on_the_upload_page(root, tmp_path, content, message):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    before = (Standard.objects.count(), Item.objects.count())
    response = upload(root, path)
    assert response.redirect_chain == []
    assert any(message in m for m in texts(response))
    assert (Standard.objects.count(), Item.objects.count()) == before
    assert SESSION_KEY not in root.session


def test_bad_points_name_row_and_column(root, tmp_path):
    path = xf.simple(tmp_path / "bad.xlsx", [xf.good_item(1), xf.good_item(2, "两分")])
    response = upload(root, path)
    assert "工作表“考核标准”第4行E列（分值）：“两分”不是数字" in texts(response)


def test_upload_too_large(root, settings):
    settings.STANDARD_MAX_BYTES = 10 * 1024
    response = upload(root, xf.REAL_FILE)
    assert "文件超过10 KB，不能导入。" in texts(response)
    assert SESSION_KEY not in root.session


def test_preview_without_upload_goes_back(root):
    response = root.get(reverse(PREVIEW), follow=True)
    assert response.redirect_chain[-1][0] == reverse(UPLOAD)


def test_confirm_rejects_get(root):
    upload(root, xf.REAL_FILE)
    assert root.get(reverse(CONFIRM)).status_code == 405


def test_township_admin_imports_for_their_township(client, cast):
    cast.alice.is_staff = True
    cast.alice.save()
    client.force_login(cast.alice)
    upload(client, xf.REAL_FILE)
    client.post(reverse(CONFIRM), {"name": REAL_NAME})
    assert Standard.objects.get(name=REAL_NAME).township == cast.township


@pytest.mark.parametrize("who", ["bob", "carol"])
@pytest.mark.parametrize("url", [UPLOAD, PREVIEW, CONFIRM])
def test_others_get_403(client, cast, who, url):
    user = getattr(cast, who)
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse(url)).status_code == 403
    assert client.post(reverse(url)).status_code == 403


def test_assessor_without_staff_goes_to_the_admin_login(client, cast):
    client.force_login(cast.bob)  # like every admin page for someone who is not staff
    response = client.get(reverse(UPLOAD))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_anonymous_goes_to_the_login(client, db):
    response = client.get(reverse(UPLOAD))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_standard_admin_pages_open(root, cast):
    changelist = root.get(reverse("admin:assessment_standard_changelist"))
    assert changelist.status_code == 200
    assert "从Excel导入" in changelist.content.decode()
    assert reverse(UPLOAD) in changelist.content.decode()
    assert root.get(reverse("admin:assessment_standard_change", args=[cast.standard.pk])).status_code == 200
    assert root.get(reverse("admin:assessment_standard_add")).status_code == 200


# --- standards other offices published (tests/fixtures/standards) ----------------------------

STANDARDS = xf.REAL_FILE.parents[2] / "tests" / "fixtures" / "standards"


def test_a_word_table_previews_what_was_read_and_what_was_assumed(root):
    response = upload(root, STANDARDS / "jiguan-zhibu-xize.docx")
    assert response.redirect_chain[-1][0] == reverse(PREVIEW)
    page = response.content.decode()
    for text in (
        "Word文档中的表格（.docx）", "Word表格1", "识别时所作的推定（请核对）",
        "B列“考核项目”作为项目名称，写在考核内容之前。",
        "表中没有“分值”列，8个考核项目的分值取自其文字中的“（N分）”。",
        "考核项目（8项）", "班子健全：支部委员会由3至5人组成，设书记1名，按期换届。",  # all eight items are listed
        "志愿服务：党员到社区报到，参加志愿服务每年不少于2次。",
    ):
        assert text in page
    assert response.context["mapping_form"].initial == {"area": "A", "name": "B", "content": "C", "criteria": "D"}
    root.post(reverse(CONFIRM), {"name": "机关党支部考核细则"})
    standard = Standard.objects.get(name="机关党支部考核细则")
    assert list(standard.areas.values_list("name", "points")) == [
        ("组织建设", Decimal("30")), ("组织生活", Decimal("40")), ("作用发挥", Decimal("30")),
    ]
    assert standard.items.get(number=4).content == "三会一课：按时召开支部党员大会、支委会、党小组会，按时上党课。"


def test_an_old_xls_previews_with_its_repeated_header_skipped(root):
    response = upload(root, STANDARDS / "zhiliangxing-yanshou.xls")
    page = response.content.decode()
    for text in ("旧版Excel工作簿（.xls）", "验收评分表", "第9行重复了表头，已跳过。", "保障有力", "台账资料规范齐全。"):
        assert text in page
    assert session_parsed(root).total_points == 100


def test_a_total_of_200_is_shown_in_the_preview(root):
    page = upload(root, STANDARDS / "nongcun-dangjian-pingfen.xlsx").content.decode()
    assert "考核项目合计200分，不是100分；已按200分导入。" in page
    assert "合计200分" in page
