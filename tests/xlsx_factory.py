"""Small standards in the layouts other towns use, written with openpyxl.

Every builder writes to `path` and returns it. The standard in each is the same:
two areas, 组织建设 (items of 2, 2, 1 points) and 作用发挥 (3, 2), ten points in all.
"""

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

REAL_FILE = Path(__file__).resolve().parents[1] / "assessment" / "data" / "huayu-standard-2026.xlsx"

HEADER = ["序号", "考核方面", "考核内容", "评分标准", "分值", "考核方式", "佐证材料"]
AREAS = [("组织建设", [("支部委员会按期换届。", 2), ("党小组划分合理。", 2), ("支委缺额及时补选。", 1)]),
         ("作用发挥", [("集体经济收入增长。", 3), ("为民办实事不少于3件。", 2)])]
TAIL = [
    [],
    ["一票否决事项（有下列情形之一的，直接评定为不合格）"],
    ["否1", None, "班子软弱涣散未整顿到位的。"],
    ["否2", None, "自评材料弄虚作假的。"],
    [],
    ["加分项目（累计不超过3分）"],
    ["加1", None, "被评为县级以上先进基层党组织的。", None, 2],
    ["加2", None, "经验做法被推广的。", None, 1],
    [],
    ["等次评定：优秀：90分以上；良好：80分以上；合格：60分以上；不合格：60分以下。"],
]


def write(path, rows, *, sheet="考核标准", merges=(), sheets_before=()):
    """A workbook with `rows` (lists of cell values, None for empty) on `sheet`."""
    workbook = Workbook()
    first = workbook.active
    for title, before_rows in sheets_before:
        worksheet = workbook.create_sheet(title)
        for row in before_rows:
            worksheet.append(row)
    worksheet = workbook.create_sheet(sheet)
    workbook.remove(first)
    for row in rows:
        worksheet.append(row)
    for cells in merges:
        worksheet.merge_cells(cells)
    workbook.save(path)
    return Path(path)


def item_rows(area_cell="first"):
    """Rows of the seven standard columns. area_cell: 'first' (then merged) or 'every'."""
    rows, number = [], 0
    for area, items in AREAS:
        total = sum(points for _, points in items)
        for index, (content, points) in enumerate(items):
            number += 1
            name = f"{area}（{total}分）" if area_cell == "first" else area
            rows.append([number, name if (index == 0 or area_cell == "every") else None, content,
                         f"评分标准{number}", points, "查阅资料", f"材料{number}"])
    return rows


def merged_areas(path):
    """Like the township's own file: title, note, header on row 3, areas merged down column B."""
    rows = [["某镇党支部考核标准"], ["说明：共2个方面5项。"], HEADER, *item_rows("first"),
            ["合计", None, None, None, "=SUM(E4:E8)"], *TAIL]
    return write(path, rows, merges=["A1:G1", "A2:G2", "B4:B6", "B7:B8", "A11:G11", "C12:G12", "C13:G13", "A15:G15", "A19:G19"])


def repeated_area_column(path):
    """No title; the area written again on every row."""
    return write(path, [HEADER, *item_rows("every")])


def section_rows(path):
    """No area column: section rows like 一、组织建设（5分） across the row; points as text '2分'."""
    rows = [["考核标准（分段式）"], ["编号", "考核内容", "评分标准", "分值", "考核方式", "佐证材料"]]
    number = 0
    for index, (area, items) in enumerate(AREAS):
        total = sum(points for _, points in items)
        rows.append([f"{'一二'[index]}、{area}（{total}分）"])
        for content, points in items:
            number += 1
            rows.append([number, content, f"评分标准{number}", f"{points}分", "查阅资料", f"材料{number}"])
    return write(path, rows, merges=["A3:F3", "A7:F7"])


def synonyms_with_scores(path, sheets_before=()):
    """Header on row 5 after a title and notes, other header names, blank score columns,
    no number column, signature rows at the end."""
    rows = [
        ["附件1"],
        ["某乡党支部标准化规范化建设考评细则"],
        ["注：本细则由乡党委负责解释。"],
        [],
        ["类别", "考核项目", "评分细则", "标准分", "自评得分", "考核得分", "考核方法", "备查资料", "备注"],
    ]
    for area, items in AREAS:
        for content, points in items:
            rows.append([area, content, "按要求评分", str(points), None, None, "实地查看", "台账"])
    rows += [[], ["考核人：", None, None, "日期："], ["支部书记（签字）："]]
    return write(path, rows, sheets_before=sheets_before)


def on_second_sheet(path):
    """A 说明 sheet first, the standard on the second."""
    notes = [("说明", [["填表说明"], ["1. 请按实际情况填写。"], ["2. 内容与分值见下一个工作表。"]])]
    return synonyms_with_scores(path, sheets_before=notes)


def simple(path, items, *, header=HEADER, title="测试标准"):
    """Title, header, then `items` as given (lists of the header's cells), in one area."""
    return write(path, [[title], header, *items])


def good_item(number, points=2, content=None):
    return [number, "组织建设", content or f"考核内容{number}", f"评分标准{number}", points, "查阅资料", f"材料{number}"]


def zip_with(path, replace=None, add=None, source=REAL_FILE):
    """The real file with members replaced or added: {name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            data = (replace or {}).get(info.filename, original.read(info.filename))
            out.writestr(info.filename, data)
        for name, data in (add or {}).items():
            out.writestr(name, data)
    Path(path).write_bytes(buffer.getvalue())
    return Path(path)


# --- headers over two rows, items over several rows -------------------------------------

COLUMNS = ["序号", "考核方面", "考核内容", "评分标准", "分值", "考核方式", "佐证材料"]


def grouped_score_columns(path, *, merged=True):
    """Title and note above a header on rows 4–5: 自评情况 over 自评得分 | 自评说明 (H4:I4),
    the other names on row 4 only (merged down to row 5 when `merged`)."""
    rows = [["某镇党支部考核标准"], ["说明：共2个方面5项。"], [],
            [*COLUMNS, "自评情况"], [None] * 7 + ["自评得分", "自评说明"], *item_rows("first")]
    merges = ["A1:I1", "A2:I2"]
    if merged:
        merges += ["H4:I4", *(f"{letter}4:{letter}5" for letter in "ABCDEFG"), "B6:B8", "B9:B10"]
    return write(path, rows, merges=merges)


def grouped_content_columns(path):
    """Header on rows 1–2: 考核项目 over 考核内容 | 评分标准 (C1:D1); 序号, 考核方面, 分值,
    考核方式 and 佐证材料 merged down both rows."""
    rows = [["序号", "考核方面", "考核项目", None, "分值", "考核方式", "佐证材料"],
            [None, None, "考核内容", "评分标准"], *item_rows("first"), *TAIL]
    merges = ["C1:D1", *(f"{letter}1:{letter}2" for letter in "ABEFG"), "B3:B5", "B6:B7"]
    return write(path, rows, merges=merges)


def unreadable_second_header_row(path):
    """Header on rows 1–2 whose second row names nothing: 考核要求 over 甲 | 乙."""
    rows = [["序号", "考核方面", "考核要求", None, "分值", "考核方式", "佐证材料"],
            [None, None, "甲", "乙"], *item_rows("every")]
    return write(path, rows, merges=["C1:D1", *(f"{letter}1:{letter}2" for letter in "ABEFG")])


def item_over_rows(path, *, merge_points=True):
    """Item 4 over rows 6–8: 评分标准 one line a row, 序号, 考核内容, 分值, 考核方式 and 佐证材料
    merged down the three rows (分值 not merged, and written again, unless `merge_points`)."""
    rows = [["测试标准"], COLUMNS, *item_rows("first")]
    rows[5][3] = "增长10%以上得3分；"
    rows[6:6] = [[None, None, None, "增长5%以上得2分；", None if merge_points else 3],
                 [None, None, None, "未增长不得分。"]]
    merges = ["B3:B5", "B6:B9", *(f"{letter}6:{letter}8" for letter in "ACFG")]
    if merge_points:
        merges.append("E6:E8")
    return write(path, rows, merges=merges)


def many_merges(path, count):
    """grouped_score_columns with `count` more merged ranges written straight into the sheet's XML."""
    source = grouped_score_columns(Path(path).with_name("few-merges.xlsx"))
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(source) as archive:
        xml = archive.read(member).decode()
    extra = "".join(f'<mergeCell ref="K{row}:L{row}"/>' for row in range(20, 20 + count))
    start = xml.index(">", xml.index("<mergeCells")) + 1
    return zip_with(path, replace={member: (xml[:start] + extra + xml[start:]).encode()}, source=source)
