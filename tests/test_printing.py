"""The three Excel files as they come off a printer: LibreOffice prints each to PDF and the
text is measured on paper (9 pt or more), the pages are A4 (or A3) landscape with page
numbers, no row is taller than Excel allows, and the chart prints one chart a page."""

import datetime
import io
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import Workbook

from assessment.exporters import CHART_ENDS, ZERO, AcceptanceSheet, RectificationList, Summary, Verification
from assessment.exporters_accounts import AccountSheet
from assessment.exporters_county import CountyRectificationList, CountySummary
from assessment.models import Branch, CountyRound, Rectification, RectificationStatus, Round
from assessment.models_demo import Pairing
from assessment.xlsx import LINE_POINTS, ROW_MAX_POINTS, write_xlsx
from tests.charts import chart_sizes, charts
from tests.printing import A3_LANDSCAPE, A4_LANDSCAPE, A4_PORTRAIT, MIN_PT, measure, size_is, to_pdf
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)

LONG_MEASURES = "".join(f"第{n}条：召开支部委员会研究整改，逐项补齐会议记录和佐证材料。" for n in range(1, 50))


@pytest.fixture
def files(published, tmp_path):  # noqa: F811
    """The three files of the published round, 化峪村's item reported with 1,400 characters."""
    assert len(LONG_MEASURES) > 1400
    Rectification.objects.filter(pk=published.rect.pk).update(status=RectificationStatus.REPORTED,
                                                              measures=LONG_MEASURES)
    # 西段村, a 示范点, helps 化峪村: the 考评汇总表 gets its 结对帮带 sheet (issue 17).
    Branch.objects.filter(pk=published.branch2.pk).update(is_demonstration=True)
    Pairing.objects.create(site=published.branch2, helped=published.branch, created_by=published.alice,
                           since=datetime.date(2025, 3, 1))
    exporters = {
        "rectifications": RectificationList(published.round),
        "summary": Summary(published.round),
        "sheet": AcceptanceSheet(published.assessment),
    }
    paths = {}
    for name, exporter in exporters.items():
        paths[name] = tmp_path / f"{name}.xlsx"
        write_xlsx(exporter, paths[name])
    paths["summary-A3"] = tmp_path / "summary-A3.xlsx"
    write_xlsx(Summary(published.round), paths["summary-A3"], paper="A3")
    return paths


def test_each_file_prints_readably(files, tmp_path):
    pdfs = dict(zip(files, to_pdf(files.values(), tmp_path)))
    printed = {name: measure(pdf) for name, pdf in pdfs.items()}
    for name, p in printed.items():
        assert p.median_pt >= MIN_PT, (name, p.median_pt)
        paper = A3_LANDSCAPE if name.endswith("A3") else A4_LANDSCAPE
        assert all(size_is(page, paper) for page in p.pages), name
        assert not p.near_empty(), name
        # Page numbers print (LibreOffice drops a footer with no room in the bottom margin).
        assert f"第1页，共{len(p.pages)}页" in p.pages[0].text.replace(" ", ""), name
    # Page counts: the list (its verification sheet carries the 1,400 characters over three
    # rows), the summary (the table, the 结对帮带 sheet, then the chart on a page of its own), the sheet.
    assert 2 <= len(printed["rectifications"].pages) <= 4
    assert len(printed["summary"].pages) == 3 and len(printed["summary-A3"].pages) == 3
    # The 结对帮带 text has a sheet of its own (as a column of the table it put the table at 7.3 pt).
    pairing_page = printed["summary"].pages[1].text
    assert "结对帮带情况" in pairing_page and "西段村帮带" in pairing_page
    assert "西段村帮带" not in printed["summary"].pages[0].text
    chart_page = printed["summary"].pages[-1].text
    assert "考评总分排名" in chart_page and "化峪村" in chart_page and "西段村" in chart_page
    assert chart_page.index("西段村") < chart_page.index("化峪村")  # rank 1 (西段村) on top
    assert 2 <= len(printed["sheet"].pages) <= 4
    sheet = printed["sheet"].text
    for words in ("考评组成员（签字）", "支部书记（签字）", "镇党委（盖章）", "年月日", "加分项（认定）", "一票否决：无"):
        assert words in sheet.replace("　", ""), words
    # The closing block starts a page of its own: the totals, what was found and the whole
    # signature block (labels, lines, dates) together, never split over two pages.
    # (the page's footer left out: the text comes off the page in an order that can put it
    # among the dates, which sit in the same band)
    last = re.sub(r"第\d+页，共\d+页", "", printed["sheet"].pages[-1].text.replace("　", ""))
    for words in ("合计", "加分项（认定）", "一票否决：", "考评总分：", "考评组成员（签字）", "镇党委（盖章）"):
        assert words in last, words
    assert last.count("年月日") == 3 and "合计" not in printed["sheet"].pages[-2].text
    # The whole 1,400 characters are printed (continued on rows marked 续), none cut.
    assert LONG_MEASURES[-40:] in printed["rectifications"].text


def test_no_row_is_taller_than_excel_allows(files):
    for name, path in files.items():
        for ws in openpyxl.load_workbook(path).worksheets:
            heights = [d.height for d in ws.row_dimensions.values() if d.height]
            assert all(h <= ROW_MAX_POINTS for h in heights), (name, ws.title, max(heights))


def test_a_county_gets_the_first_and_the_last_thirty_on_a_page_each(published):  # noqa: F811
    """1,000 branches: two charts (first 30, last 30), not one 600 cm tall."""
    exporter = Summary(published.round)
    exporter.data_range = (5, 1004)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("考评汇总表")
    exporter.decorate(wb, ws)
    assert wb.sheetnames[1:] == [f"排名图（前{CHART_ENDS}名）", f"排名图（后{CHART_ENDS}名）"]
    assert all(sheet.page_setup.orientation == "landscape" for sheet in wb.worksheets[1:])
    buffer = io.BytesIO()
    wb.save(buffer)  # and the workbook is whole
    # Inside A4 landscape's printable area (27.7 x 17.8 cm), names from the first and the last 30 rows.
    assert [(w <= 27 and h <= 17) for w, h in chart_sizes(buffer)] == [True, True]
    names = [c["categories"] for c in charts(buffer)]
    assert names == [f"'考评汇总表'!$B$5:$B${4 + CHART_ENDS}", f"'考评汇总表'!$B${1005 - CHART_ENDS}:$B$1004"]


def test_the_word_notice_prints_on_a4_portrait(published, tmp_path):  # noqa: F811
    from assessment.notice_docx import write_notice_docx
    from assessment.views.notice import notice_context

    path = tmp_path / "notice.docx"
    Round.objects.filter(pk=published.round.pk).update(notice_number="化党发〔2026〕3号")
    write_notice_docx(notice_context(Round.objects.get(pk=published.round.pk)), path)
    printed = measure(to_pdf([path], tmp_path)[0])
    assert all(size_is(page, A4_PORTRAIT) for page in printed.pages)
    assert 2 <= len(printed.pages) <= 3 and not printed.near_empty()
    assert printed.median_pt >= MIN_PT
    assert "化党发〔2026〕3号" in printed.pages[0].text
    # 第 N 页 / 共 M 页 centred in the footer of every page (PAGE and NUMPAGES fields).
    for n, page in enumerate(printed.pages, start=1):
        assert f"第{n}页/共{len(printed.pages)}页" in page.text, page.text
    # The 附件 begins a page of its own, after the signature.
    annex = printed.pages[-1].text
    assert annex.startswith("附件整改事项清单") and "1.化峪村（1项）" in annex
    assert "中共化峪镇委员会" in printed.pages[-2].text and "存在问题" not in printed.pages[-2].text


class ThirtyEightBranches(CountySummary):
    """A county's 考评汇总表 of 38 branches over two townships (rows made up: the chart is what is
    printed here, not the ranking)."""

    def rows(self):
        for n in range(1, 39):
            yield [n, "化峪镇" if n % 2 else "翟店镇", f"第{n}村", "农村", (n + 1) // 2, Decimal("99.0"), ZERO,
                   Decimal("100") - Decimal(n) / 2, Decimal("1.0"), "", "优秀", 0]


def test_a_county_chart_names_each_branch_on_paper(published, tmp_path):  # noqa: F811
    """31 to 60 branches: the first 30 on one page and the rest on the next, every 党支部 (not its
    township) named. One chart of 38 printed every other name, and the names were the 乡镇's."""
    path = tmp_path / "county-summary.xlsx"
    write_xlsx(ThirtyEightBranches(_county_round(published)), path)
    printed = measure(to_pdf([path], tmp_path)[0])
    charts = [page for page in printed.pages if "考评总分排名" in page.text]
    assert len(charts) == 2
    named = [{n for n in range(1, 39) if f"第{n}村" in page.text} for page in charts]  # 第 1 村: three words
    assert named == [set(range(1, 31)), set(range(31, 39))]
    assert not [t for page in charts for t, _ in page.words if "镇" in t]


def _county_round(published):  # noqa: F811
    """稷山县's county round, of which the published round of 化峪镇 is one."""
    county_round = CountyRound.objects.create(county_id=published.round.township.county_id, name="全县考核",
                                              standard=published.round.standard, year=published.round.year)
    Round.objects.filter(pk=published.round.pk).update(county_round=county_round)
    return county_round


LOGIN_ADDRESS = "https://dangjian.jishan.gov.cn/accounts/login/"  # 46 characters


def test_the_county_files_the_a3_files_and_the_account_sheet_print_readably(files, published, tmp_path):  # noqa: F811
    """What test_each_file_prints_readably does not print: the county's two files, the 整改清单 and
    the 考核验收单 on A3, and the 账号表 handed out to the township."""
    county_round = _county_round(published)
    made = {
        "county-summary": (CountySummary(county_round), "A4"),
        "county-rectifications": (CountyRectificationList(county_round), "A4"),
        "county-rectifications-A3": (CountyRectificationList(county_round), "A3"),
        "rectifications-A3": (RectificationList(published.round), "A3"),
        "sheet-A3": (AcceptanceSheet(published.assessment), "A3"),
        "accounts": (AccountSheet(published.round.township, [
            ("侯志强", "化峪村", "shuji01", "k7pq2mzr9w"), ("李秀英", "西段村", "shuji02", "tb4wn8eh3c")],
            LOGIN_ADDRESS), "A4"),
    }
    paths = []
    for name, (exporter, paper) in made.items():
        paths.append(tmp_path / f"{name}.xlsx")
        write_xlsx(exporter, paths[-1], paper=paper)
    printed = {name: measure(pdf) for name, pdf in zip(made, to_pdf(paths, tmp_path))}
    for name, p in printed.items():
        assert p.median_pt >= MIN_PT, (name, p.median_pt)
        paper = A3_LANDSCAPE if name.endswith("A3") else A4_LANDSCAPE
        assert all(size_is(page, paper) for page in p.pages), name
        assert not p.near_empty(), name
        assert f"第1页，共{len(p.pages)}页" in p.pages[0].text.replace(" ", ""), name
    assert "化峪镇" in printed["county-rectifications"].text and "化峪村" in printed["county-rectifications"].text
    assert "稷山县" in printed["county-summary"].pages[0].text
    chart = printed["county-summary"].pages[-1].text
    assert "考评总分排名" in chart and "化峪村" in chart and "西段村" in chart
    # The signatures on A3 too: the closing block on the last page, whole.
    last = re.sub(r"第\d+页，共\d+页", "", printed["sheet-A3"].pages[-1].text.replace("　", ""))
    assert "合计" in last and "镇党委（盖章）" in last and last.count("年月日") == 3
    # One line a person: the address to log in at is not broken over two lines of a slip.
    accounts = printed["accounts"]
    assert len(accounts.pages) == 1
    assert LOGIN_ADDRESS in [t for t, _ in accounts.pages[0].words]


def test_the_word_notice_attachment_runs_over_pages_as_a_table_should(published, tmp_path):  # noqa: F811
    """An 附件 of 40 items (化峪村) and one (西段村) over several pages: the header row on every page,
    no item split between two pages, 西段村's heading on the page of its item, and each
    整改时限 (2026年3月10日) on one line of its cell."""
    from assessment.notice_docx import write_notice_docx
    from assessment.views.notice import notice_context

    problems = [f"第{n}项问题：党员活动室制度未上墙，会议记录缺少签到表和照片，档案未按年度装订" for n in range(1, 41)]
    Rectification.objects.bulk_create(
        Rectification(assessment=published.assessment, problem=text, requirement="对照评分标准补齐材料，完善制度并规范执行。",
                      deadline=datetime.date(2026, 3, 10), responsible="侯志强") for text in problems)
    Rectification.objects.create(assessment=published.assessment2, problem="西段村的问题", requirement="补齐",
                                 deadline=datetime.date(2026, 3, 10), responsible="李秀英")
    path = tmp_path / "notice.docx"
    write_notice_docx(notice_context(Round.objects.get(pk=published.round.pk)), path)
    pdf = to_pdf([path], tmp_path)[0]
    printed = measure(pdf)
    first = next(n for n, page in enumerate(printed.pages) if page.text.startswith("附件整改事项清单"))
    annex = [page.text for page in printed.pages[first:]]
    assert len(annex) >= 3 and printed.median_pt >= MIN_PT
    assert all("存在问题" in text and "整改时限" in text and "责任人" in text for text in annex), annex
    for text in problems:  # whole on one page
        assert any(text in page for page in annex), text
    heading = [page for page in annex if "西段村（1项）" in page]
    assert len(heading) == 1 and "西段村的问题" in heading[0]
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert len(re.findall(r"2026\s*年\s*3\s*月\s*10\s*日", layout)) == len(problems) + 1  # and 西段村's


def test_a_verification_row_of_a_verified_item_takes_two_lines(tmp_path):
    """核验情况: 已报告整改 and the verifier's name with their title wrap to two lines, not three
    (the demo round's 175 items printed 7 rows a page)."""
    path = tmp_path / "verification.xlsx"
    row = [1, "化峪村", 6, "已报告整改", "已召开支委会研究整改，补齐相关材料并建立台账。", datetime.date(2026, 2, 20),
           "镇党委组织委员 王敏", "经核验，整改到位，予以销号。"]
    write_xlsx(Verification("整改核验情况", [row]), path)
    sheet = openpyxl.load_workbook(path).active
    last = sheet.max_row
    assert sheet.cell(last, 7).value == "镇党委组织委员 王敏"
    assert sheet.row_dimensions[last].height == 2 * LINE_POINTS + 4
