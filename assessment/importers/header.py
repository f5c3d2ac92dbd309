"""Finding the header row and telling which column holds what.

A header name matches a field exactly (after dropping spaces and anything in
brackets) or, failing that, starts with one of its words. Each field takes its best
column; a column that loses a field it names (考核标准 beside 评分办法, 考评依据 beside
检查方式) is kept too, its text added to that field under its own header. A 考核项目
beside 考核内容 is the item's name; with no area column, the area. A column of text under a
name we do not know is kept too, added to the criteria under its header."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl.utils import column_index_from_string, get_column_letter

from .grid import MAX_COLUMNS, decimal, label, text
from .parsed import StandardImportError
from .wording import AREA_NUMBERING, AREA_POINTS, TOTAL_ROW

HEADER_SCAN_ROWS = 40
MAX_HEADER_NAME = 30  # characters of a column name, for telling a header row from a data row

FIELDS = ("number", "area", "name", "content", "criteria", "points", "check_method", "evidence")
REQUIRED_FIELDS = ("content",)
TEXT_FIELDS = ("content", "criteria", "check_method", "evidence")  # may go on over several rows

# Header names, best first; the rank of a word is its place in the list.
SYNONYMS = {
    "number": ("序号", "编号", "项目编号"),
    "area": ("考核方面", "考核内容类别", "考核类别", "项目类别", "类别", "方面", "目标", "一级指标"),
    "name": ("项目名称", "考核项目", "考评项目", "二级指标", "项目"),
    "content": ("考核内容", "考评内容", "考核要点", "检查内容", "验收内容", "内容", "考核项目", "考评项目",
                "考核标准", "验收标准", "三级指标"),
    "criteria": ("评分标准", "评分细则", "扣分标准", "评分办法", "评分说明", "计分办法", "评分方法", "扣分细则",
                 "考核标准", "验收标准", "工作标准", "达标标准", "标准要求"),
    "points": ("分值", "标准分", "分数", "满分", "基本分", "赋分"),
    "check_method": ("考核方式", "考核方法", "检查方式", "考核办法", "检查方法", "考评方式", "验收方式",
                     "考评依据", "考核依据", "检查依据"),
    "evidence": ("佐证材料", "佐证资料", "备查资料"),
}


def is_score_column(name):
    """A column a branch or assessor fills in (自评得分, 自查分, 考核分, 扣分原因, 备注): never ours."""
    if any(word in name for word in ("得分", "备注", "自评", "自查")) or name.endswith(("考核分", "考评分")):
        return True
    return "扣分" in name and not name.startswith(("扣分标准", "扣分细则"))


ASSIGN_ORDER = ("content", "points", "number", "area", "criteria", "check_method", "evidence", "name")
EXTRA_ORDER = ("criteria", "check_method", "evidence", "content")  # where a second 考核标准 … column goes


def field_labels():
    return {
        "number": _("序号"), "area": _("考核方面"), "name": _("项目名称"), "content": _("考核内容"),
        "criteria": _("评分标准"), "points": _("分值"), "check_method": _("考核方式"), "evidence": _("佐证材料"),
    }


def _matches(name):
    """[(rank, field)] of a header label, best first; [] for a score column or an unknown name."""
    if not name or is_score_column(name):
        return []
    found = [(words.index(name), key) for key, words in SYNONYMS.items() if name in words]
    if not found:
        for key, words in SYNONYMS.items():
            prefix = max((len(word) for word in words if name.startswith(word)), default=0)
            if prefix:
                found.append((100 - prefix, key))
    return sorted(found)


@dataclass
class Columns:
    """Which column holds each field, and the columns whose text goes on a field's text."""

    main: dict = field(default_factory=dict)  # field -> column index
    extra: dict = field(default_factory=dict)  # field -> [column index] (text added under its header)
    split_name: bool = False  # 考核项目 over two columns: the item's name, then its content


def detect_columns(cells, merged_across=()):
    """Columns from a header row of (column index, text); merged_across: the ranges
    (first column, last column) of header cells merged across several columns."""
    candidates = {}  # column -> {field: rank}
    for column, header in cells:
        for rank, key in _matches(label(header)):
            candidates.setdefault(column, {})[key] = rank
    found = Columns()
    for key in ASSIGN_ORDER:  # each field its best column still free
        ranked = sorted((ranks[key], column) for column, ranks in candidates.items()
                        if key in ranks and column not in found.main.values())
        if ranked:
            found.main[key] = ranked[0][1]
    taken = set(found.main.values())
    for column, ranks in sorted(candidates.items()):
        key = next((key for key in EXTRA_ORDER if key in ranks and key in found.main), None)
        if column not in taken and key:
            found.extra.setdefault(key, []).append(column)
            taken.add(column)
    main = found.main
    if "content" in main:
        for first, last in merged_across:  # 考核项目 over 场所设置 | 有贴挂…的办公室
            if first == main["content"] and last == first + 1 and last not in taken:
                main.pop("name", None)
                main["name"], main["content"], found.split_name = first, last, True
    if "content" not in main:
        for key in ("criteria", "name"):  # 验收标准 alone is the content; so is a 考核项目 alone
            if key in main:
                main["content"] = main.pop(key)
                break
    if "area" not in main and "name" in main and not found.split_name:
        main["area"] = main.pop("name")  # 考核项目 | 考核内容: the items' group
    taken = set(main.values()) | {column for found_columns in found.extra.values() for column in found_columns}
    for column, header in cells:  # a column of text we have no name for (工作要求 …): kept under its header
        name = label(header)
        if column not in taken and name and not is_score_column(name) and "content" in main:
            found.extra.setdefault("criteria" if "criteria" in main else "content", []).append(column)
    for columns in found.extra.values():
        columns.sort()
    return found


@dataclass
class Header:
    row: int  # its first row
    rows: int  # 1, or 2 when the row below goes on it
    texts: dict  # column index -> text (for two rows, one text a column)
    columns: Columns

    def labels(self, grid):
        """The labels of every header cell, to know the header again further down."""
        found = {label(value) for value in self.texts.values()}
        for number in range(self.row, self.row + self.rows):
            found |= {label(cell.value) for cell in grid.cells(number).values()}
        return found - {""}


def find_header(grids):
    """(grid, Header) of the best header over all grids."""
    best = None
    for grid in grids:
        for number in sorted(grid.rows):
            # the first rows of a sheet, or of each Word table (however long the text above it)
            if number in grid.outside or grid.places.get(number, (0, number))[1] > HEADER_SCAN_ROWS:
                continue
            header = _header_at(grid, number)
            count = len(header.columns.main)
            if count >= 2 and (best is None or count > len(best[1].columns.main)):
                best = (grid, header)
    if best is None:
        raise StandardImportError(
            _("未找到表头：没有一个工作表含有“考核内容”“分值”等列名的标题行，请检查文件是否为考核标准。")
        )
    return best


def _across(grid, number, texts):
    """(first, last) column of each header cell of row `number` merged across columns."""
    found = []
    for column in texts:
        span = grid.merge_at(number, column)
        if span and span[0] <= number and span[2] == column and span[3] > column:
            found.append((span[2], span[3]))
    return found


def _header_at(grid, number):
    """The header that starts on row `number`: that row, with the row below when that one goes on it.

    Over two rows, a column's name is the lower row's text, else the upper row's; a merged cell
    counts for every cell it covers. The row below goes on the header when it has only short texts
    and a cell of the upper row is merged down into it, or, as long as no column name of the upper
    row is lost, when it is under a cell merged across, or holds a column name of its own."""
    cells = grid.cells(number)
    upper = {column: text(cell.value) for column, cell in cells.items()}
    header = Header(number, 1, upper, detect_columns(upper.items(), _across(grid, number, upper)))
    below = grid.cells(number + 1)
    if len(cells) < 2 or not header.columns.main or not _header_like(below) or number + 1 in grid.outside:
        return header
    lower = {column: text(cell.value) for column, cell in below.items()}
    merged_down = linked = False
    texts = {}
    for column in range(1, MAX_COLUMNS + 1):
        top, bottom = upper.get(column, ""), lower.get(column, "")
        span = grid.merge_at(number, column)
        if span and span[0] == number:
            top = top or upper.get(span[2], "")
            if span[1] > number:  # merged down: the same name for the lower row
                merged_down, bottom = True, bottom or top
            elif bottom and span[2] != span[3]:
                linked = True  # a name across several columns, with names under it
        if not bottom and (span := grid.merge_at(number + 1, column)) and span[0] == number + 1:
            bottom = lower.get(span[2], "")  # merged across the lower row
        if bottom or top:
            texts[column] = bottom or top
    columns = detect_columns(texts.items(), _across(grid, number + 1, lower))
    linked = linked or any(_names_a_column(value) for value in lower.values())
    if merged_down or (linked and set(columns.main) >= set(header.columns.main)):
        return Header(number, 2, texts, columns)
    return header


def _header_like(cells):
    """Whether a row could be the second row of a header: short texts, no number, formula or heading."""
    if not cells:
        return False
    for cell in cells.values():
        value = cell.value
        if not isinstance(value, str) or cell.formula or decimal(value) is not None:
            return False
        name = label(value)
        if len(name) > MAX_HEADER_NAME or TOTAL_ROW.match(name):
            return False
        if AREA_NUMBERING.match(value) or AREA_POINTS.search(value):
            return False  # a section row such as 一、组织建设（20分）
    return True


def _names_a_column(value):
    """A column name exactly as we know it, or one of the columns a branch or assessor fills in."""
    name = label(value)
    return is_score_column(name) or any(name in words for words in SYNONYMS.values())


def field_for(name):
    """The field a --map name stands for: points, 分值, 标准分 …; None if unknown."""
    name = name.strip()
    if name in FIELDS:
        return name
    for key, text_label in field_labels().items():
        if name == text_label:
            return key
    matches = _matches(label(name))
    return matches[0][1] if matches else None


def apply_mapping(columns, mapping, where):
    """The detected Columns with the user's mapping {field: column letter or ''} laid over them."""
    main = overlay_mapping(columns.main, mapping, FIELDS, field_labels(), where)
    used = set(main.values())
    extra = {key: [c for c in found if c not in used] for key, found in columns.extra.items() if key in main}
    return Columns(main, {key: found for key, found in extra.items() if found}, columns.split_name)


def overlay_mapping(main, mapping, fields, labels, where):
    """{field: column index} with the user's mapping {field: column letter or ''} laid over `main`;
    a bad letter, or two fields in one column, refused (also for a roster's columns)."""
    main = dict(main)
    for key, letter in (mapping or {}).items():
        if key not in fields:
            continue
        if not letter:
            main.pop(key, None)
            continue
        try:
            index = column_index_from_string(str(letter).strip().upper())
        except ValueError:
            index = 0
        if not 1 <= index <= MAX_COLUMNS:
            raise StandardImportError(_("列“%(letter)s”无效。") % {"letter": letter}, **where, columns=letters(main))
        main[key] = index
    seen = {}
    for key in fields:
        if key in main:
            other = seen.setdefault(main[key], key)
            if other != key:
                raise StandardImportError(
                    _("“%(a)s”和“%(b)s”不能对应同一列（%(column)s列）。")
                    % {"a": labels[other], "b": labels[key], "column": get_column_letter(main[key])},
                    **where, columns=letters(main),
                )
    return main


def missing_column_error(key, where, grid, header, columns):
    return StandardImportError(
        _("%(place)s的表头中找不到“%(field)s”列，请指定各列对应的内容。")
        % {"place": grid.where_rows(header.row, header.rows), "field": field_labels()[key]},
        **where, columns=letters(columns),
    )


def letters(columns):
    return {key: get_column_letter(index) for key, index in columns.items()}


def headers_by_letter(header):
    return {get_column_letter(column): re.sub(r"\s+", "", value) for column, value in header.texts.items()}
