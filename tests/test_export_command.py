"""python manage.py export_xlsx {rectifications|summary|sheet} --round R [--branch B] [--paper A3] -o FILE"""

from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)


def run(*args):
    out = StringIO()
    call_command("export_xlsx", *args, stdout=out)
    return out.getvalue().strip()


def test_the_three_files(published, tmp_path):  # noqa: F811
    target = tmp_path / "r.xlsx"
    assert run("rectifications", "--round", published.round.name, "-o", str(target)) == f"{target}（1 行）"
    assert openpyxl.load_workbook(target)["整改清单"]["B4"].value == "化峪村"
    target = tmp_path / "s.xlsx"
    assert run("summary", "--round", str(published.round.pk), "-o", str(target)) == f"{target}（2 行）"
    assert openpyxl.load_workbook(target)["考评汇总表"]["A3"].value == "排名"
    target = tmp_path / "a.xlsx"
    assert run("sheet", "--round", str(published.round.pk), "--branch", "西段村", "-o", str(target)) == f"{target}（12 行）"
    assert openpyxl.load_workbook(target)["考核验收单"]["A1"].value == "西段村规范化建设考核验收单"
    target = tmp_path / "b.xlsx"
    run("rectifications", "--round", str(published.round.pk), "--branch", str(published.branch2.pk), "-o", str(target))
    assert openpyxl.load_workbook(target)["整改清单"]["A1"].value.endswith("（西段村）")


def test_a3_paper(published, tmp_path):  # noqa: F811
    target = tmp_path / "s.xlsx"
    run("summary", "--round", str(published.round.pk), "--paper", "A3", "-o", str(target))
    ws = openpyxl.load_workbook(target)["考评汇总表"]
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A3 and ws.page_setup.orientation == "landscape"
    with pytest.raises(CommandError, match="invalid choice"):
        run("summary", "--round", str(published.round.pk), "--paper", "B5", "-o", str(target))


@pytest.mark.parametrize("args, message", [
    (["summary", "--round", "没有这个批次"], "找不到考核批次：没有这个批次"),
    (["summary", "--round", "999"], "找不到考核批次：999"),
    (["sheet", "--round", "2026年度规范化建设考核验收"], "需要 --branch"),
    (["sheet", "--round", "2026年度规范化建设考核验收", "--branch", "外镇村"], "找不到党支部：外镇村"),
    (["rectifications", "--round", "2026年度规范化建设考核验收", "--branch", "无名村"], "找不到党支部：无名村"),
])
def test_clear_errors(published, tmp_path, args, message):  # noqa: F811
    with pytest.raises(CommandError, match=message):
        run(*args, "-o", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_directory(published, tmp_path):  # noqa: F811
    with pytest.raises(CommandError, match="找不到输出目录"):
        run("summary", "--round", str(published.round.pk), "-o", str(tmp_path / "no" / "x.xlsx"))
