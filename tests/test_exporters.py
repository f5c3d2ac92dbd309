import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from assessment.exporters import AcceptanceSheet, RectificationList, Summary
from assessment.models import Bonus, BonusClaim, Rectification, RectificationStatus, Score, Status, Veto, VetoFinding
from assessment.xlsx import write_xlsx
from django.utils import timezone
from tests.charts import charts


def export(exporter):
    buffer = io.BytesIO()
    write_xlsx(exporter, buffer)
    buffer.seek(0)
    wb = openpyxl.load_workbook(buffer)
    wb.charts = charts(buffer)  # openpyxl reads no chart back: its parts, for the tests
    return wb


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
    assert "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    header = [c.value for c in ws[3]]
    assert header == ["序号", "党支部", "考核项目", "存在问题", "整改要求", "整改时限", "责任人", "状态", "是否逾期"]
    assert ws["A3"].font.b
    first = [c.value for c in ws[4]]
    assert first[1] == "化峪村" and first[2].startswith("方面1\n1. ") and first[7] == "待整改" and first[8] == "是"
    assert isinstance(ws["F4"].value, datetime.datetime)  # a date, not text
    # Hostile text stays text.
    assert ws["D4"].data_type == "s" and ws["D4"].value.startswith("=HYPERLINK")
    assert ws["D4"].quotePrefix and ws["E4"].quotePrefix and ws["G4"].quotePrefix
    assert ws["D5"].quotePrefix
    assert ws[6][0].value == "共 2 项，已销号 1 项，逾期 1 项。"
    # What the branches did and what the township found: the second sheet, row by row.
    check = wb["核验情况"]
    assert [c.value for c in check[3]] == ["序号", "党支部", "项目编号", "状态", "整改措施", "完成时间", "核验人",
                                           "核验意见"]
    assert [c.value for c in check[4]][:4] == [2, "西段村", 1, "已销号"]  # 化峪村's item: nothing reported yet
    assert check.print_title_rows == "$3:$3"


def test_print_settings(finished):
    ws = export(RectificationList(finished.round))["整改清单"]
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4  # 9 = A4
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["C"].width >= 24
    assert ws["C4"].alignment.wrap_text
    # The footer prints in LibreOffice only with room below it inside the bottom margin.
    assert ws.page_margins.footer < ws.page_margins.bottom
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text


def test_rectification_list_of_one_branch(finished):
    ws = export(RectificationList(finished.round, branch=finished.branch2))["整改清单"]
    assert [row[1].value for row in ws.iter_rows(min_row=4, max_row=4)] == ["西段村"]


def test_summary_has_ranking_numbers_and_a_chart(finished):
    VetoFinding.objects.create(assessment=finished.assessment, veto=Veto.objects.first())
    wb = export(Summary(finished.round))
    ws = wb["考评汇总表"]
    # Two header rows: each area over its 自评 | 考评; the other headings span both rows.
    top, header = [c.value for c in ws[3]], [c.value for c in ws[4]]
    assert top[:4] == ["排名", "党支部", "类型", "方面1"] and top[4] is None
    assert header[3:5] == ["自评", "考评"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "B3:B4", "D3:E3"} <= merged
    assert top[-7:] == ["加分", "自评总分", "考评总分", "差值", "否决情形", "等次", "整改项数"]
    assert ws.freeze_panes == "C5"  # the branch column stays in view
    assert ws.print_title_rows == "$3:$4"
    row1 = [c.value for c in ws[5]]
    row2 = [c.value for c in ws[6]]
    assert row1[1] == "西段村" and row1[0] == 1 and row1[-2] == "优秀"
    assert row2[1] == "化峪村" and row2[-3] == "否1" and row2[-2] == "不合格" and row2[-1] == 1
    assert row2[-5] == 18  # 考评总分 as a number
    assert wb.sheetnames[-1] == "排名图" and wb.charts[0]["orientation"] == "maxMin"  # rank 1 on top
    assert wb["排名图"].page_setup.orientation == "landscape"


def test_summary_of_a_round_under_way_leaves_the_not_yet_assessed_blank(finished):
    """化峪村 still 考评中: its 考评 figures and 考评总分 blank (not 0.0), and the chart shows 西段村 only."""
    finished.round.assessments.filter(pk=finished.assessment.pk).update(status=Status.ONSITE)
    wb = export(Summary(finished.round))
    ws = wb["考评汇总表"]
    header = [c.value for c in ws[4]]
    rows = {row[1]: row for row in ([c.value for c in r] for r in ws.iter_rows(min_row=5, max_row=6))}
    assert rows["化峪村"][-2] == "未考评" and rows["化峪村"][0] is None
    onsite = [n for n, h in enumerate(header) if h == "考评"]
    assert onsite and all(rows["化峪村"][n] is None for n in onsite)  # not 0.0
    assert rows["化峪村"][-5] is None and rows["西段村"][-5] == 24  # 考评总分
    assert all(rows["化峪村"][n - 1] > 0 for n in onsite)  # its 自评 still shown
    assert [c["categories"] for c in wb.charts] == ["'考评汇总表'!$B$5"]  # one row: 西段村


def test_acceptance_sheet(finished):
    VetoFinding.objects.create(assessment=finished.assessment, veto=Veto.objects.get(code="否1"),
                               note="2026年3月换届材料系补写")
    BonusClaim.objects.create(assessment=finished.assessment, bonus=Bonus.objects.get(code="加1"),
                              decision=BonusClaim.Decision.APPROVED)
    ws = export(AcceptanceSheet(finished.assessment))["考核验收单"]
    assert ws["A1"].value == "化峪村规范化建设考核验收单"
    assert "党支部：化峪村" in ws["A2"].value
    header = [c.value for c in ws[4]]
    assert header == ["编号", "考核内容", "评分标准", "分值", "自评得分", "自评说明", "考评得分", "扣分原因", "是否整改"]
    # Each area heads its items, across the table.
    assert ws["A5"].value == "方面1（8分）" and "A5:I5" in {str(r) for r in ws.merged_cells.ranges}
    first = [c.value for c in ws[6]]
    assert first[0] == 1 and first[3] == 2 and first[6] == 1.5 and first[8] == "是"
    total_row = 5 + finished.standard.items.count() + finished.standard.areas.count()
    assert ws.cell(total_row, 1).value == "合计" and ws.cell(total_row, 7).value == 18
    after = [str(c.value) for row in ws.iter_rows(min_row=total_row + 1) for c in row if c.value]
    assert "加分项（认定）：加1 先进基层党组织（2分）。计入加分 2 分（上限 5 分）。" in after
    assert "一票否决：否1 弄虚作假（情况说明：2026年3月换届材料系补写）。" in after
    assert "考评总分：20 分    等次：不合格（一票否决）" in after
    # The signature block: three labels, a ruled line under each, 年 月 日 under each line.
    assert [t for t in after if "签字" in t or "盖章" in t] == ["考评组成员（签字）：", "支部书记（签字）：", "镇党委（盖章）："]
    assert after.count("年　　月　　日") == 3
    ruled = [c for row in ws.iter_rows(min_row=total_row + 1) for c in row if c.border.bottom.style == "thin"]
    assert len(ruled) >= 3
    # Each 年 月 日 is right-aligned in cells that end where its line ends.
    lines = {}
    for cell in ruled:
        lines.setdefault(cell.row, []).append(cell.column)
    (rule_row, columns), = lines.items()
    spans, run = [], [columns[0]]
    for column in columns[1:]:
        if column == run[-1] + 1:
            run.append(column)
        else:
            spans.append((run[0], run[-1]))
            run = [column]
    spans.append((run[0], run[-1]))
    dates = [c for c in ws[rule_row + 1] if c.value == "年　　月　　日"]
    merged = {(r.min_row, r.min_col): (r.min_col, r.max_col) for r in ws.merged_cells.ranges}
    assert [merged.get((c.row, c.column), (c.column, c.column))[1] for c in dates] == [end for _, end in spans]
    assert all(c.alignment.horizontal == "right" for c in dates)


def test_a_long_text_continues_on_the_next_row(finished):
    """No row is taller than Excel's 409 pt: a long 整改措施 goes on in rows marked 续."""
    measures = "".join(f"第{n}条：召开支部委员会研究整改，逐项补齐会议记录和佐证材料。" for n in range(1, 60))
    assert len(measures) > 1400
    Rectification.objects.filter(assessment=finished.assessment).update(measures=measures)
    wb = export(RectificationList(finished.round))
    ws = wb["核验情况"]
    heights = [d.height for d in ws.row_dimensions.values() if d.height]
    assert heights and max(heights) <= 409
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    continued = [row for row in rows if row[0] == "续"]
    assert len(continued) >= 2
    # Nothing is lost: the pieces join up to the whole text, in order.
    first = next(i for i, row in enumerate(rows) if row[0] == 1)
    assert "".join(row[4] for row in rows[first:first + 1 + len(continued)]) == measures
