"""Reading standards from Excel (assessment.importers) and writing them
(assessment.services.standards)."""

import io
import zipfile
from decimal import Decimal

import docx
import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from assessment import importers
from assessment.importers import ParsedStandard, StandardImportError, read_standard, wording
from assessment.importers.header import detect_columns
from assessment.models import Area, AuditLog, Bonus, Grade, GradeBand, Item, Phase, Round, Standard, Veto
from assessment.services.base import ServiceError
from assessment.services.standards import standard_copy, standard_import, standard_in_use
from tests import xlsx_factory as xf

REAL_NAME = "化峪镇党支部规范化建设考核验收标准（2026年版）"
BANDS = [(Grade.EXCELLENT, Decimal("90")), (Grade.GOOD, Decimal("80")), (Grade.PASS, Decimal("60"))]


def refused(source, **kwargs):
    with pytest.raises(StandardImportError) as caught:
        read_standard(source, **kwargs)
    return caught.value.message


# --- the township's own file ---------------------------------------------------------


def test_real_file_has_7_areas_56_items_100_points():
    parsed = read_standard(xf.REAL_FILE)
    assert parsed.name == REAL_NAME
    assert (parsed.sheet, parsed.header_row, parsed.header_rows) == ("考核标准", 3, 1)
    assert parsed.columns == {"number": "A", "area": "B", "content": "C", "criteria": "D", "points": "E",
                              "check_method": "F", "evidence": "G"}
    assert [(a.number, a.name, a.points) for a in parsed.areas] == [
        (1, "组织设置规范", 12), (2, "班子队伍建设", 14), (3, "党员教育管理", 16), (4, "组织生活规范", 18),
        (5, "阵地建设规范", 12), (6, "制度台账规范", 12), (7, "作用发挥", 16),
    ]
    assert [item.number for item in parsed.items] == list(range(1, 57))
    assert parsed.total_points == Decimal("100")
    assert parsed.area_item_counts() == {1: 7, 2: 8, 3: 9, 4: 10, 5: 7, 6: 8, 7: 7}
    assert parsed.warnings == []


def test_real_file_item_56():
    item = read_standard(xf.REAL_FILE).items[-1]
    assert item.number == 56
    assert item.area_number == 7
    assert item.content == "开展代办服务和党员志愿服务，志愿服务每年不少于4次，群众满意度高。"
    assert item.criteria == "志愿服务每少1次扣0.5分；群众不满意扣1分。"
    assert item.points == Decimal("2")
    assert item.check_method == "查阅资料、个别访谈"
    assert item.evidence == "代办服务台账、志愿服务记录"


def test_real_file_vetoes_bonuses_and_grades():
    parsed = read_standard(xf.REAL_FILE)
    assert [v.code for v in parsed.vetoes] == ["否1", "否2", "否3", "否4"]
    assert parsed.vetoes[3].text == "自评材料弄虚作假、虚报成绩的。"
    assert [(b.code, b.points) for b in parsed.bonuses] == [("加1", 2), ("加2", 2), ("加3", 1)]
    assert parsed.bonuses[0].text == "被评为县级以上先进基层党组织的。"
    assert parsed.bonus_cap == Decimal("5")
    assert parsed.grade_bands == BANDS
    assert parsed.summary() == (
        f"{REAL_NAME}：7个方面，56个考核项目，合计100分，一票否决4项，加分项3项（上限5分）"
    )


def test_real_file_items_are_its_rows_as_they_are():
    worksheet = load_workbook(xf.REAL_FILE)["考核标准"]
    rows = [row for row in worksheet.iter_rows(min_row=4, values_only=True) if isinstance(row[0], int)]
    parsed = read_standard(xf.REAL_FILE)
    assert len(rows) == len(parsed.items) == 56
    for row, item in zip(rows, parsed.items):
        number, area, content, criteria, points, check_method, evidence = row
        assert (item.number, item.content, item.criteria, item.points, item.check_method, item.evidence) == (
            number, content.strip(), criteria.strip(), points, check_method.strip(), evidence.strip(),
        )


def test_reads_a_file_object_and_json_round_trip():
    with open(xf.REAL_FILE, "rb") as handle:
        parsed = read_standard(handle, filename="标准.xlsx")
    assert parsed.filename == "标准.xlsx"
    again = ParsedStandard.from_json(parsed.to_json())
    assert again == parsed
    assert isinstance(again.items[0].points, Decimal)


# --- other towns' layouts ----------------------------------------------------------


def assert_small_standard(parsed):
    assert [(a.number, a.name, a.points) for a in parsed.areas] == [(1, "组织建设", 5), (2, "作用发挥", 5)]
    assert [(i.number, i.area_number, i.points) for i in parsed.items] == [
        (1, 1, 2), (2, 1, 2), (3, 1, 1), (4, 2, 3), (5, 2, 2),
    ]
    assert parsed.items[3].content == "集体经济收入增长。"


def test_merged_area_cells_with_sections(tmp_path):
    parsed = read_standard(xf.merged_areas(tmp_path / "merged.xlsx"))
    assert_small_standard(parsed)
    assert parsed.name == "某镇党支部考核标准"
    assert parsed.description == "说明：共2个方面5项。"
    assert [v.code for v in parsed.vetoes] == ["否1", "否2"]
    assert [(b.code, b.points) for b in parsed.bonuses] == [("加1", 2), ("加2", 1)]
    assert parsed.bonus_cap == Decimal("3")
    assert parsed.grade_bands == BANDS


def test_area_repeated_on_every_row(tmp_path):
    parsed = read_standard(xf.repeated_area_column(tmp_path / "repeated.xlsx"))
    assert_small_standard(parsed)
    assert parsed.header_row == 1
    assert parsed.name == "repeated"  # no title row: the file name
    assert (parsed.vetoes, parsed.bonuses, parsed.bonus_cap) == ([], [], Decimal("0"))
    assert parsed.grade_bands == BANDS


def test_section_rows_and_text_points(tmp_path):
    parsed = read_standard(xf.section_rows(tmp_path / "sections.xlsx"))
    assert_small_standard(parsed)
    assert "area" not in parsed.columns
    assert parsed.items[0].criteria == "评分标准1"


def test_other_header_names_blank_score_columns_and_signatures(tmp_path):
    parsed = read_standard(xf.synonyms_with_scores(tmp_path / "synonyms.xlsx"))
    assert_small_standard(parsed)
    assert parsed.header_row == 5
    assert parsed.name == "某乡党支部标准化规范化建设考评细则"
    assert parsed.columns == {"area": "A", "content": "B", "criteria": "C", "points": "D",
                              "check_method": "G", "evidence": "H"}
    assert parsed.items[0].evidence == "台账"


@pytest.mark.parametrize("build", [
    xf.merged_areas, xf.repeated_area_column, xf.section_rows, xf.synonyms_with_scores, xf.on_second_sheet,
])
def test_a_header_on_one_row_stays_one_row(tmp_path, build):
    assert read_standard(build(tmp_path / "s.xlsx")).header_rows == 1


def test_a_row_of_short_texts_under_a_one_row_header_is_data(tmp_path):
    rows = [["测试标准"], xf.HEADER, ["组织建设"]]
    rows += [[n, None, f"考核内容{n}", f"评分标准{n}", 2, "查阅资料", f"材料{n}"] for n in (1, 2)]
    parsed = read_standard(xf.write(tmp_path / "s.xlsx", rows, merges=["A1:G1", "A3:G3"]))
    assert (parsed.header_row, parsed.header_rows) == (2, 1)
    assert [(a.name, a.points) for a in parsed.areas] == [("组织建设", 4)]
    assert len(parsed.items) == 2


@pytest.mark.parametrize("merged", [True, False], ids=["merged", "not-merged"])
def test_header_over_two_rows_with_a_group_title_above(tmp_path, merged):
    parsed = read_standard(xf.grouped_score_columns(tmp_path / "grouped.xlsx", merged=merged))
    assert_small_standard(parsed)
    assert (parsed.header_row, parsed.header_rows) == (4, 2)
    assert parsed.name == "某镇党支部考核标准"
    assert parsed.description == "说明：共2个方面5项。"
    assert parsed.columns == {"number": "A", "area": "B", "content": "C", "criteria": "D", "points": "E",
                              "check_method": "F", "evidence": "G"}
    assert (parsed.headers["A"], parsed.headers["H"], parsed.headers["I"]) == ("序号", "自评得分", "自评说明")
    assert parsed.items[0].evidence == "材料1"


def test_header_over_two_rows_with_cells_merged_down(tmp_path):
    parsed = read_standard(xf.grouped_content_columns(tmp_path / "grouped.xlsx"))
    assert_small_standard(parsed)
    assert (parsed.header_row, parsed.header_rows) == (1, 2)
    assert parsed.headers == {"A": "序号", "B": "考核方面", "C": "考核内容", "D": "评分标准", "E": "分值",
                              "F": "考核方式", "G": "佐证材料"}
    assert (parsed.items[0].content, parsed.items[0].criteria) == ("支部委员会按期换届。", "评分标准1")
    assert [v.code for v in parsed.vetoes] == ["否1", "否2"]
    assert parsed.bonus_cap == Decimal("3")
    assert parsed.grade_bands == BANDS


def test_header_over_two_rows_naming_no_content_asks_for_a_mapping(tmp_path):
    path = xf.unreadable_second_header_row(tmp_path / "s.xlsx")
    with pytest.raises(StandardImportError) as caught:
        read_standard(path)
    error = caught.value
    assert error.message == "工作表“考核标准”第1–2行的表头中找不到“考核内容”列，请指定各列对应的内容。"
    assert error.header_row == 1
    assert error.headers == {"A": "序号", "B": "考核方面", "C": "甲", "D": "乙", "E": "分值", "F": "考核方式",
                             "G": "佐证材料"}
    parsed = read_standard(path, mapping={"content": "C", "criteria": "D"})
    assert_small_standard(parsed)
    assert parsed.items[0].criteria == "评分标准1"


def test_item_over_several_rows_is_one_item(tmp_path):
    parsed = read_standard(xf.item_over_rows(tmp_path / "rows.xlsx"))
    assert_small_standard(parsed)
    item = parsed.items[3]
    assert item.criteria == "增长10%以上得3分；\n增长5%以上得2分；\n未增长不得分。"
    assert (item.content, item.check_method, item.evidence) == ("集体经济收入增长。", "查阅资料", "材料4")
    assert parsed.items[4].criteria == "评分标准5"


def test_points_again_on_a_merged_item_row_are_refused(tmp_path):
    assert refused(xf.item_over_rows(tmp_path / "rows.xlsx", merge_points=False)) == (
        "工作表“考核标准”第7行E列（分值）：这一行与第6行是同一个考核项目（考核内容或分值已合并），这一格应与第6行合并或留空"
    )


@pytest.mark.parametrize("build, message", [
    (xf.unreadable_second_header_row, "工作表“考核标准”第1–2行的表头中找不到“考核内容”列"),
    (lambda path: xf.item_over_rows(path, merge_points=False), "工作表“考核标准”第7行E列（分值）"),
])
def test_refused_new_layouts_write_nothing(db, tmp_path, build, message):
    with pytest.raises(CommandError) as caught:
        call_command("import_standard", str(build(tmp_path / "s.xlsx")), stdout=io.StringIO())
    assert str(caught.value).startswith(message)
    assert (Standard.objects.count(), Item.objects.count(), Area.objects.count()) == (0, 0, 0)


def test_standard_on_the_second_sheet(tmp_path):
    parsed = read_standard(xf.on_second_sheet(tmp_path / "second.xlsx"))
    assert parsed.sheet == "考核标准"
    assert_small_standard(parsed)


def test_area_points_from_items_when_not_in_the_name(tmp_path):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1, 2), xf.good_item(2, "2.5")])
    parsed = read_standard(path)
    assert [(a.name, a.points) for a in parsed.areas] == [("组织建设", Decimal("4.5"))]


def test_duplicate_numbers_are_renumbered(tmp_path):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1), xf.good_item(1), xf.good_item(2)])
    parsed = read_standard(path)
    assert [i.number for i in parsed.items] == [1, 2, 3]
    assert any("重新编号" in w for w in parsed.warnings)


def test_mapping_overrides_the_detected_columns(tmp_path):
    parsed = read_standard(xf.merged_areas(tmp_path / "m.xlsx"), mapping={"criteria": "G", "evidence": "D"})
    assert parsed.columns["criteria"] == "G"
    assert parsed.items[0].criteria == "材料1"
    assert parsed.items[0].evidence == "评分标准1"


def test_unknown_points_header_asks_for_a_mapping(tmp_path):
    header = ["序号", "考核方面", "考核内容", "评分标准", "权重", "考核方式", "佐证材料"]
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1)], header=header)
    with pytest.raises(StandardImportError) as caught:
        read_standard(path)
    error = caught.value
    assert error.message == "工作表“考核标准”第2行的表头中找不到“分值”列，请指定各列对应的内容。"
    assert error.headers["E"] == "权重"
    assert error.header_row == 2
    parsed = read_standard(path, mapping={"points": "E"})
    assert parsed.items[0].points == 2


def test_two_fields_on_one_column_is_refused(tmp_path):
    message = refused(xf.merged_areas(tmp_path / "m.xlsx"), mapping={"criteria": "C"})
    assert message == "“考核内容”和“评分标准”不能对应同一列（C列）。"


# --- refusals --------------------------------------------------------------------------


def test_damaged_xls_or_old_word_is_refused(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert refused(path) == (
        "文件已损坏或不是有效的Excel（.xls）工作簿，无法打开；旧版Word（.doc）文件请另存为.docx后再导入。"
    )


def test_text_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / "text.xlsx"
    path.write_text("序号,考核内容,分值\n1,内容,2\n", encoding="utf-8")
    assert refused(path) == "文件不是Excel（.xlsx、.xls）或Word（.docx）文件，请选择考核标准的表格文件。"


def test_damaged_zip_is_refused(tmp_path):
    data = xf.REAL_FILE.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert "文件已损坏" in refused(path)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "不是Excel" in refused(buffer.getvalue())


def test_workbook_without_its_parts_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert "文件已损坏或不是有效的Excel" in refused(buffer.getvalue())


def test_no_header_is_refused(tmp_path):
    path = xf.write(tmp_path / "s.xlsx", [["会议通知"], ["时间", "地点"], ["明天", "会议室"]])
    assert refused(path).startswith("未找到表头")


@pytest.mark.parametrize("points, message", [
    ("两分", "“两分”不是数字"),
    (-2, "分值“-2”不能为负数"),
    ("-1分", "分值“-1分”不能为负数"),
    (0, "分值不能为0"),
    ("1.25", "分值“1.25”最多保留一位小数"),
])
def test_bad_points_are_refused_with_row_and_column(tmp_path, points, message):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1), xf.good_item(2, points)])
    assert refused(path) == f"工作表“考核标准”第4行E列（分值）：{message}"


def test_empty_points_are_refused(tmp_path):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1), xf.good_item(2, None)])
    assert refused(path) == "工作表“考核标准”第4行E列（分值）：分值为空"


def test_empty_content_is_refused(tmp_path):
    item = xf.good_item(2)
    item[2] = None
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1), item])
    assert refused(path) == "工作表“考核标准”第4行C列（考核内容）：考核内容为空"


def test_formula_in_content_is_refused(tmp_path):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1), xf.good_item(2, content="=A3&D3")])
    assert refused(path) == "工作表“考核标准”第4行C列（考核内容）：“=A3&D3”是公式，这里应填写内容"


def test_formula_in_points_is_refused(tmp_path):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1, "=1+1")])
    assert refused(path) == "工作表“考核标准”第3行E列（分值）：“=1+1”是公式，这里应填写分值"


def test_formula_in_the_total_row_is_ignored(tmp_path):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1), ["合计", None, None, None, "=SUM(E3:E3)"]])
    assert len(read_standard(path).items) == 1


def test_area_points_that_do_not_add_up_are_refused(tmp_path):
    rows = [xf.good_item(1, 2), xf.good_item(2, 2)]
    rows[0][1] = "组织建设（5分）"
    path = xf.simple(tmp_path / "s.xlsx", rows)
    assert refused(path) == "工作表“考核标准”第3行：考核方面“组织建设”标明5分，但其考核项目合计4分"


def test_too_many_items_are_refused(tmp_path):
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(n, 1) for n in range(1, 302)])
    assert refused(path) == "工作表“考核标准”第303行：考核项目超过300项，请检查文件是否有误。"


def test_too_large_uncompressed_sheet_is_refused(tmp_path):
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(xf.REAL_FILE) as archive:
        original = archive.read(sheet)
    path = xf.zip_with(tmp_path / "big.xlsx", replace={sheet: original + b" " * (21 * 1024 * 1024)})
    assert path.stat().st_size < 1024 * 1024  # small on disk, huge once unpacked
    assert refused(path) == "文件解压后超过20 MB，表格过大，不能导入。"


def test_zip_bomb_ratio_is_refused(tmp_path):
    path = xf.zip_with(tmp_path / "bomb.xlsx", add={"xl/media/blank.bin": b"\0" * (4 * 1024 * 1024)})
    assert refused(path) == "文件压缩比异常（疑似压缩炸弹），不能导入。"


def test_too_many_merged_cells_are_refused(tmp_path):
    assert read_standard(xf.many_merges(tmp_path / "few.xlsx", 9000)).header_rows == 2
    path = xf.many_merges(tmp_path / "many.xlsx", 10000)
    assert refused(path) == "工作表“考核标准”的合并单元格超过10000处，不能导入。"


def test_file_over_the_upload_limit_is_refused(settings):
    settings.STANDARD_MAX_BYTES = 10 * 1024
    assert refused(xf.REAL_FILE) == "文件超过10 KB，不能导入。"


def test_zip_checks_run_before_openpyxl(tmp_path, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("openpyxl opened a refused file")

    monkeypatch.setattr(importers.xlsx, "load_workbook", must_not_run)
    path = xf.zip_with(tmp_path / "bomb.xlsx", add={"xl/media/blank.bin": b"\0" * (4 * 1024 * 1024)})
    assert "压缩炸弹" in refused(path)


def test_unexpected_failure_inside_openpyxl_becomes_an_import_error(tmp_path):
    path = xf.zip_with(tmp_path / "bad.xlsx", replace={"xl/worksheets/sheet1.xml": b"<not xml"})
    assert isinstance(refused(path), str)


# --- writing: standard_import, standard_copy, standard_in_use ---------------------------


def test_import_writes_the_whole_standard(db):
    standard = standard_import(parsed=read_standard(xf.REAL_FILE))
    assert (standard.name, standard.version, standard.bonus_cap) == (REAL_NAME, 1, Decimal("5"))
    assert standard.source_name == "huayu-standard-2026.xlsx"
    assert standard.areas.count() == 7
    assert standard.items.count() == 56
    assert sum(standard.items.values_list("points", flat=True)) == 100
    assert list(standard.areas.values_list("points", flat=True)) == [12, 14, 16, 18, 12, 12, 16]
    item = standard.items.get(number=56)
    assert (item.area.name, item.evidence) == ("作用发挥", "代办服务台账、志愿服务记录")
    assert list(standard.vetoes.values_list("code", flat=True)) == ["否1", "否2", "否3", "否4"]
    assert list(standard.bonuses.values_list("code", "points")) == [("加1", 2), ("加2", 2), ("加3", 1)]
    assert list(standard.grade_bands.values_list("grade", "min_score")) == BANDS
    log = AuditLog.objects.get(action="standard_import")
    assert log.note == "7个方面 56项 100分"
    assert log.target == str(standard)


def test_importing_twice_makes_versions_1_and_2(db):
    parsed = read_standard(xf.REAL_FILE)
    first = standard_import(parsed=parsed)
    second = standard_import(parsed=parsed)
    assert (first.version, second.version) == (1, 2)
    assert Item.objects.filter(standard=second).count() == 56


def test_import_under_another_name(db, tmp_path):
    standard = standard_import(parsed=read_standard(xf.merged_areas(tmp_path / "m.xlsx")), name="西镇标准")
    assert (standard.name, standard.version) == ("西镇标准", 1)


def test_a_failure_inside_import_leaves_nothing(db, monkeypatch):
    parsed = read_standard(xf.REAL_FILE)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Item.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        standard_import(parsed=parsed)
    assert Standard.objects.count() == 0
    assert Area.objects.count() == 0
    assert AuditLog.objects.filter(action="standard_import").count() == 0


def test_a_standard_without_items_is_refused(db):
    with pytest.raises(ServiceError):
        standard_import(parsed=ParsedStandard(name="空"))
    assert Standard.objects.count() == 0


def test_copy_is_the_next_version_and_exact(cast):
    copy = standard_copy(standard=cast.standard, actor=cast.alice)
    assert (copy.name, copy.version) == (cast.standard.name, 2)

    def contents(standard):
        return (
            list(standard.areas.values_list("number", "name", "points")),
            list(standard.items.values_list("number", "area__number", "content", "criteria", "points",
                                             "check_method", "evidence")),
            list(standard.vetoes.values_list("code", "text", "order")),
            list(standard.bonuses.values_list("code", "text", "points", "order")),
            list(standard.grade_bands.values_list("grade", "min_score")),
            standard.bonus_cap,
        )

    assert contents(copy) == contents(cast.standard)
    assert not set(copy.items.values_list("area_id", flat=True)) & set(cast.standard.areas.values_list("id", flat=True))
    assert AuditLog.objects.filter(action="standard_copy", actor=cast.alice).exists()
    assert Veto.objects.filter(standard=copy).count() == 1
    assert Bonus.objects.filter(standard=copy).count() == 1
    assert GradeBand.objects.filter(standard=copy).count() == 3


def test_in_use_once_a_round_has_left_preparation(cast):
    assert standard_in_use(cast.standard)  # cast.round is in the self-evaluation phase
    fresh = standard_import(parsed=read_standard(xf.REAL_FILE))
    assert not standard_in_use(fresh)
    Round.objects.create(township=cast.township, standard=fresh, name="2027年度", year=2027)
    assert not standard_in_use(fresh)  # preparation only
    Round.objects.filter(standard=fresh).update(phase=Phase.ONSITE)
    assert standard_in_use(fresh)


def test_other_wordings_of_vetoes_bonuses_and_grades(tmp_path):
    rows = [
        ["测试标准"], xf.HEADER, xf.good_item(1), xf.good_item(2),
        ["三、一票否决"],
        ["班子软弱涣散的。"],
        ["四、加分项（最高加3分）"],
        ["获得县级表彰的，加2分。"],
        ["等次：90分及以上为优秀，80-89分为良好，60-79分为合格，60分以下为不合格。"],
        ["考核人：", None, None, "日期："],
    ]
    parsed = read_standard(xf.write(tmp_path / "s.xlsx", rows))
    assert [(v.code, v.text) for v in parsed.vetoes] == [("否1", "班子软弱涣散的。")]
    assert [(b.code, b.points) for b in parsed.bonuses] == [("加1", Decimal("2"))]
    assert parsed.bonus_cap == Decimal("3")
    assert parsed.grade_bands == BANDS


# --- cells too long, Word documents, points and areas in the text -----------------------------


def word(path, rows, paragraphs=("某单位党支部考核细则",)):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    table.cell(r, c).text = str(value)
    document.save(path)
    return path


def test_a_cell_over_2000_characters_is_refused_and_nothing_written(db, tmp_path):
    path = xf.simple(tmp_path / "long.xlsx", [xf.good_item(1), xf.good_item(2, content="党" * 20000)])
    message = "工作表“考核标准”第4行C列（考核内容）：单元格文字超过2000个字，请检查文件是否有误。"
    assert refused(path) == message
    with pytest.raises(CommandError) as caught:
        call_command("import_standard", str(path), stdout=io.StringIO())
    assert str(caught.value) == message
    assert (Standard.objects.count(), Item.objects.count()) == (0, 0)


def test_a_long_cell_in_a_word_table_is_named_by_table_row_and_column(tmp_path):
    rows = [["序号", "考核内容", "分值"], [1, "内容", 2], [2, "党" * 2001, 2]]
    assert refused(word(tmp_path / "long.docx", rows)) == (
        "Word表格1第3行第2列（考核内容）：单元格文字超过2000个字，请检查文件是否有误。"
    )


def test_a_word_document_without_a_table_is_refused(tmp_path):
    assert refused(word(tmp_path / "none.docx", [], ["通知", "请各支部做好考核准备。"])) == (
        "Word文档中没有表格：考核标准应是文档中的表格。"
    )


def test_a_broken_word_document_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<not xml")
    assert refused(buffer.getvalue()) == "文件已损坏或不是有效的Word（.docx）文档，无法打开。"


def test_an_item_without_points_where_points_are_in_the_text_is_refused(tmp_path):
    rows = [["目标", "考核项目", "考核内容"], ["组织建设", "班子健全（4分）", "按期换届。"], ["组织建设", "党员管理", "信息准确。"]]
    assert refused(word(tmp_path / "s.docx", rows)) == (
        "Word表格1第3行：没有分值：表中没有“分值”列，考核项目中也没有写明“（N分）”"
    )


def test_no_points_anywhere_asks_for_the_points_column(tmp_path):
    rows = [["目标", "考核项目", "考核内容", "权重"], ["组织建设", "班子健全", "按期换届。", 4]]
    with pytest.raises(StandardImportError) as caught:
        read_standard(word(tmp_path / "s.docx", rows))
    assert caught.value.message == "Word表格1第1行的表头中找不到“分值”列，请指定各列对应的内容。"
    assert caught.value.headers == {"A": "目标", "B": "考核项目", "C": "考核内容", "D": "权重"}
    parsed = read_standard(word(tmp_path / "s.docx", rows), mapping={"points": "D"})
    assert (parsed.items[0].content, parsed.items[0].points) == ("班子健全：按期换届。", 4)


def test_vertical_area_points_are_checked_against_its_items(tmp_path):
    rows = [["测试标准"], ["考评项目", "考评内容", "分值"], ["好\n的\n班\n子\n︻16分︼", "书记好。", 10],
            [None, "班子团结。", 4]]
    path = xf.write(tmp_path / "s.xlsx", rows, merges=["A3:A4"])
    assert refused(path) == "工作表“考核标准”第3行：考核方面“好的班子”标明16分，但其考核项目合计14分"


@pytest.mark.parametrize("text, bands", [
    ("90分以上为优秀，80—89分为良好，60—79分为合格，60分以下为不合格。", [90, 80, 60]),
    ("考核结果分为优秀、良好、合格、不合格四个等次：95分以上为优秀，85分至94分为良好，70分至84分为合格。", [95, 85, 70]),
    ("等次评定：优秀：90分以上；良好：80分以上；合格：60分以上；不合格：60分以下。", [90, 80, 60]),
    ("得分在180分（含）以上的为“优秀”，160分以上的为“良好”", [180, 160]),
    ("考核优秀的支部予以表彰。", []),
])
def test_grade_bands_from_a_sentence(text, bands):
    assert [minimum for grade, minimum in wording.read_bands(text)] == bands


@pytest.mark.parametrize("text, area", [
    ("好\n的\n班\n子\n︻16分︼", ("好的班子", 16)),
    ("(1)队伍建设标准化12分", ("队伍建设标准化", 12)),
    ("一、组织建设（20分）", ("组织建设", 20)),
    ("组织建设", ("组织建设", None)),
])
def test_area_names_and_points(text, area):
    assert wording.split_area(text) == area


@pytest.mark.parametrize("text, result", [
    ("1、班子健全", (1, "班子健全")), ("（3）班子健全", (3, "班子健全")), ("⑫班子健全", (12, "班子健全")),
    ("1.5万元以上", (None, "1.5万元以上")), ("1、学习；\n2、培训。", (None, "1、学习；\n2、培训。")),
])
def test_numbering_before_an_item(text, result):
    assert wording.take_numbering(text) == result


@pytest.mark.parametrize("text, fill_in", [
    ("填报单位（盖章）：……        填报时间：   年  月  日", True),
    ("党组织名称：                 验收时间：", True),
    ("党组织名称：化峪村党支部", False),
    ("说明：本细则满分100分。", False),
])
def test_fill_in_lines(text, fill_in):
    assert wording.is_fill_in(text) is fill_in


def test_a_word_item_merged_down_over_its_criteria_lines_is_one_item(tmp_path):
    document = docx.Document()
    document.add_paragraph("某单位党支部考核细则")
    rows = [["考核方面", "考核内容", "评分标准", "分值"],
            ["组织建设（5分）", "集体经济收入增长。", "增长10%以上得3分；", 3],
            [None, None, "增长5%以上得2分；", None],
            [None, "党小组划分合理。", "不合理扣2分。", 2]]
    table = document.add_table(rows=4, cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                table.cell(r, c).text = str(value)
    table.cell(1, 0).merge(table.cell(3, 0))
    table.cell(1, 1).merge(table.cell(2, 1))
    table.cell(1, 3).merge(table.cell(2, 3))
    document.save(tmp_path / "s.docx")
    parsed = read_standard(tmp_path / "s.docx")
    assert [(a.name, a.points) for a in parsed.areas] == [("组织建设", 5)]
    assert [(i.number, i.content, i.criteria, i.points) for i in parsed.items] == [
        (1, "集体经济收入增长。", "增长10%以上得3分；\n增长5%以上得2分；", 3),
        (2, "党小组划分合理。", "不合理扣2分。", 2),
    ]


def test_a_word_table_after_a_long_notice_is_found(tmp_path):
    notice = ["关于开展党支部标准化建设考核的通知"] + [f"第{n}段通知正文。" for n in range(1, 60)]
    rows = [["序号", "考核内容", "分值"], [1, "按期换届。", 2], [2, "党费按月收缴。", 3]]
    parsed = read_standard(word(tmp_path / "s.docx", rows, notice))
    assert (parsed.sheet, parsed.header_row, parsed.name) == ("Word表格1", 1, "关于开展党支部标准化建设考核的通知")
    assert [(i.number, i.content, i.points) for i in parsed.items] == [(1, "按期换届。", 2), (2, "党费按月收缴。", 3)]
    assert parsed.description.splitlines()[-1] == "第59段通知正文。"


@pytest.mark.parametrize("header, main, extra", [
    (["考评项目", "考评内容", "分值", "评分标准", "考评依据"],
     {"area": 1, "content": 2, "points": 3, "criteria": 4, "check_method": 5}, {}),
    (["类别", "验收标准", "分值", "检查方式"], {"area": 1, "content": 2, "points": 3, "check_method": 4}, {}),
    (["目标", "考核项目", "考核内容", "评分说明", "自查分", "考核分"], {"area": 1, "name": 2, "content": 3, "criteria": 4}, {}),
    (["序号", "考核内容", "标准分(100分)", "评分办法"], {"number": 1, "content": 2, "points": 3, "criteria": 4}, {}),
    (["序号", "考核内容", "考核标准", "分值", "评分办法", "检查方式", "考评依据"],
     {"number": 1, "content": 2, "points": 4, "criteria": 5, "check_method": 6}, {"criteria": [3], "check_method": [7]}),
    (["考核项目", "考核内容", "分值"], {"area": 1, "content": 2, "points": 3}, {}),
    (["考核内容", "分值", "评分标准", "工作要求", "自评得分"], {"content": 1, "points": 2, "criteria": 3}, {"criteria": [4]}),
])
def test_header_words_other_offices_use(header, main, extra):
    found = detect_columns(list(enumerate(header, start=1)))
    assert (found.main, found.extra) == (main, extra)


def test_a_text_column_under_an_unknown_name_is_kept_under_its_header(tmp_path):
    header = ["序号", "考核方面", "考核内容", "评分标准", "分值", "工作要求", "佐证材料"]
    path = xf.simple(tmp_path / "s.xlsx", [xf.good_item(1)], header=header)
    parsed = read_standard(path)
    assert parsed.items[0].criteria == "评分标准：评分标准1\n工作要求：查阅资料"
    assert parsed.warnings[0] == "F列“工作要求”并入“评分标准”，以列名标明。"
