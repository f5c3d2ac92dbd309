import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from assessment.exporters import AcceptanceSheet, RectificationList, Summary
from assessment.models import Rectification, RectificationStatus, Score, Status, Veto, VetoFinding
from assessment.xlsx import write_xlsx
from django.utils import timezone


def export(exporter):
    buffer = io.BytesIO()
    write_xlsx(exporter, buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


@pytest.fixture
def finished(cast):
    # 12 items of 2 points: scale the grade bands to this small standard.
    for grade, minimum in (("excellent", 22), ("good", 20), ("pass", 14)):
        cast.standard.grade_bands.filter(grade=grade).update(min_score=Decimal(minimum))
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("2"), onsite_score=Decimal("1.5"),
                                                            deduction_reason="记录不完整")
    Score.objects.filter(assessment=cast.assessment2).update(self_score=Decimal("2"), onsite_score=Decimal("2"))
    cast.round.assessments.update(status=Status.FINALISED, submitted_at=timezone.now())
    item = cast.standard.items.get(number=1)
    today = datetime.date(2026, 11, 26)
    Rectification.objects.create(
        assessment=cast.assessment, item=item, problem="=HYPERLINK(\"http://evil\",\"点我\")",
        requirement="+补齐记录", deadline=today - datetime.timedelta(days=1), responsible="@张三",
    )
    Rectification.objects.create(
        assessment=cast.assessment2, item=item, problem="-缺少批复", requirement="补齐批复",
        deadline=today + datetime.timedelta(days=9), status=RectificationStatus.CLOSED,
    )
    cast.today = today
    return cast


def test_rectification_list_columns_values_and_escaping(finished):
    wb = export(RectificationList(finished.round, today=finished.today))
    ws = wb["整改清单"]
    assert ws["A1"].value == "2026年度规范化建设考核验收整改清单"
    assert "A1:O1" in {str(r) for r in ws.merged_cells.ranges}
    header = [c.value for c in ws[3]]
    assert header == ["序号", "党支部", "考核方面", "项目编号", "考核项目", "存在问题", "整改要求", "整改时限",
                      "责任人", "状态", "整改措施", "完成时间", "核验人", "核验意见", "是否逾期"]
    assert ws["A3"].font.b
    first = [c.value for c in ws[4]]
    assert first[1] == "化峪村" and first[3] == 1 and first[9] == "待整改" and first[14] == "是"
    assert isinstance(ws["H4"].value, datetime.datetime)  # a date, not text
    # Hostile text stays text.
    assert ws["F4"].data_type == "s" and ws["F4"].value.startswith("=HYPERLINK")
    assert ws["F4"].quotePrefix and ws["G4"].quotePrefix and ws["I4"].quotePrefix
    assert ws["F5"].quotePrefix
    assert ws[6][0].value == "共 2 项，已销号 1 项，逾期 1 项。"


def test_print_settings(finished):
    ws = export(RectificationList(finished.round))["整改清单"]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # 9 = A4
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["E"].width >= 30
    assert ws["E4"].alignment.wrap_text


def test_rectification_list_of_one_branch(finished):
    ws = export(RectificationList(finished.round, branch=finished.branch2))["整改清单"]
    assert [row[1].value for row in ws.iter_rows(min_row=4, max_row=4)] == ["西段村"]


def test_summary_has_ranking_numbers_and_a_chart(finished):
    VetoFinding.objects.create(assessment=finished.assessment, veto=Veto.objects.first())
    wb = export(Summary(finished.round))
    ws = wb["考评汇总表"]
    header = [c.value for c in ws[3]]
    assert header[:3] == ["排名", "党支部", "类型"]
    assert header[3] == "方面1\n自评" and header[4] == "方面1\n考评"
    assert header[-8:] == ["加分", "自评总分", "考评总分", "差值", "否决情形", "等次", "示范点", "整改项数"]
    row1 = [c.value for c in ws[4]]
    row2 = [c.value for c in ws[5]]
    assert row1[1] == "西段村" and row1[0] == 1 and row1[-3] == "优秀"
    assert row2[1] == "化峪村" and row2[-4] == "否1" and row2[-3] == "不合格" and row2[-1] == 1
    assert row2[-6] == 18  # 考评总分 as a number
    assert wb["排名图"]._charts or "排名图" in wb.sheetnames


def test_acceptance_sheet(finished):
    ws = export(AcceptanceSheet(finished.assessment))["考核验收单"]
    assert ws["A1"].value == "化峪村规范化建设考核验收单"
    assert "党支部：化峪村" in ws["A2"].value
    header = [c.value for c in ws[4]]
    assert header == ["考核方面", "编号", "考核内容", "评分标准", "分值", "自评得分", "自评说明", "考评得分", "扣分原因", "是否整改"]
    first = [c.value for c in ws[5]]
    assert first[:2] == ["方面1", 1] and first[4] == 2 and first[7] == 1.5 and first[9] == "是"
    total_row = 5 + finished.standard.items.count()
    assert ws.cell(total_row, 1).value == "合计" and ws.cell(total_row, 8).value == 18
    assert any("签字" in str(c.value) for row in ws.iter_rows(min_row=total_row) for c in row)
