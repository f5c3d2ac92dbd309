"""The Excel downloads: 整改清单, 考评汇总表, 考核验收单."""

import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from assessment.xlsx import XLSX_TYPE
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)


def download(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"].startswith("attachment")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def urls(c):
    return {
        "rectifications": reverse("export-rectifications", args=[c.round.pk]),
        "summary": reverse("export-summary", args=[c.round.pk]),
        "sheet": reverse("export-sheet", args=[c.assessment.pk]),
    }


def test_admin_downloads_the_three_files(client, published):  # noqa: F811
    client.force_login(published.alice)
    u = urls(published)
    response = client.get(u["rectifications"])
    assert "filename*=utf-8''" in response["Content-Disposition"]
    ws = download(response)["整改清单"]
    assert [c.value for c in ws[3]][:3] == ["序号", "党支部", "考核项目"]
    assert [c.value for c in ws[4]][1] == "化峪村" and [c.value for c in ws[4]][3] == "换届材料不全"
    ws = download(client.get(u["summary"]))["考评汇总表"]
    assert [c.value for c in ws[3]][:3] == ["排名", "党支部", "类型"]
    assert {ws["B5"].value, ws["B6"].value} == {"化峪村", "西段村"}
    ws = download(client.get(u["sheet"]))["考核验收单"]
    assert ws["A1"].value == "化峪村规范化建设考核验收单" and [c.value for c in ws[4]][0] == "编号"
    assert [c.value for c in ws[6]][6] == 1 and [c.value for c in ws[6]][8] == "是"


def test_a3_is_a_choice_of_each_download(client, published):  # noqa: F811
    client.force_login(published.alice)
    for url in urls(published).values():
        response = client.get(url, {"paper": "A3"})
        assert "-A3.xlsx" in response["Content-Disposition"]
        ws = download(response).worksheets[0]
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A3 and ws.page_setup.orientation == "landscape"
        response = client.get(url, {"paper": "B5"})
        assert response.status_code == 400 and "纸张只能选 A4 或 A3" in response.content.decode()
    page = client.get(reverse("results-ranking", args=[published.round.pk])).content.decode()
    assert urls(published)["summary"] + "?paper=A3" in page


def test_admin_list_of_one_branch(client, published):  # noqa: F811
    client.force_login(published.alice)
    url = urls(published)["rectifications"]
    ws = download(client.get(url, {"branch": published.branch2.pk}))["整改清单"]
    assert ws["A1"].value.endswith("（西段村）") and ws["A4"].value.startswith("共 0 项")
    assert client.get(url, {"branch": published.other_branch.pk}).status_code == 404
    assert client.get(url, {"branch": "x"}).status_code == 404


def test_assessor_gets_sheets_only(client, published):  # noqa: F811
    client.force_login(published.bob)
    u = urls(published)
    download(client.get(u["sheet"]))
    for name, reason in (("rectifications", "整改清单由镇党委管理员导出"), ("summary", "考评汇总表由镇党委管理员导出")):
        response = client.get(u[name])
        assert response.status_code == 403 and reason in response.content.decode()


def test_secretary_own_sheet_and_list_once_published(client, published):  # noqa: F811
    client.force_login(published.carol)
    u = urls(published)
    ws = download(client.get(u["rectifications"]))["整改清单"]
    assert ws["A1"].value.endswith("（化峪村）") and ws["B4"].value == "化峪村"
    download(client.get(u["sheet"]))
    response = client.get(u["summary"])
    assert response.status_code == 403 and "考评汇总表由镇党委管理员导出" in response.content.decode()
    # Another branch: 404.
    assert client.get(u["rectifications"], {"branch": published.branch2.pk}).status_code == 404
    assert client.get(reverse("export-sheet", args=[published.assessment2.pk])).status_code == 404


def test_secretary_before_publication(client, finalised):  # noqa: F811
    client.force_login(finalised.carol)
    u = urls(finalised)
    response = client.get(u["sheet"])
    assert response.status_code == 403 and "通报发布后才能导出" in response.content.decode()
    response = client.get(u["rectifications"])
    assert response.status_code == 403 and "通报发布后才能导出" in response.content.decode()


def test_other_township_gets_404(client, published):  # noqa: F811
    for who in (published.eve, published.frank):
        client.force_login(who)
        for url in urls(published).values():
            assert client.get(url).status_code == 404


def test_exports_reject_post(client, published):  # noqa: F811
    client.force_login(published.alice)
    for url in urls(published).values():
        assert client.post(url).status_code == 405


def test_each_file_converts_to_pdf(client, published, tmp_path):  # noqa: F811
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is missing on CI: apt-get install -y libreoffice-calc")
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-calc)")
    client.force_login(published.alice)
    for name, url in urls(published).items():
        response = client.get(url)
        (tmp_path / f"{name}.xlsx").write_bytes(b"".join(response.streaming_content))
    profile = tmp_path / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), *[str(tmp_path / f"{n}.xlsx") for n in ("rectifications", "summary", "sheet")]],
        check=True, capture_output=True, timeout=180,
    )
    for name in ("rectifications", "summary", "sheet"):
        pdf = Path(tmp_path / f"{name}.pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
