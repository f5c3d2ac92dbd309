"""The interpreter: reads a standard out of any Grid, row by row, below its header, and checks it.

Rows above the header give the title and notes; below it come areas (an area column,
merged or repeated, vertical text, or section rows like 一、组织建设（20分）), items (one row,
or several rows merged), then the vetoes, bonuses and grade bands. Repeated headers,
totals, signature and fill-in lines are skipped. Nothing is written anywhere: `finish`
returns a ParsedStandard or raises StandardImportError naming the sheet, row and column."""

import re
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from assessment.models import Grade

from .grid import label, decimal, text, whole_number
from .header import TEXT_FIELDS, field_labels, letters, missing_column_error
from .parsed import ParsedArea, ParsedBonus, ParsedItem, ParsedStandard, ParsedVeto, StandardImportError, points_text
from .wording import (
    AREA_NUMBERING, AREA_POINTS, BONUS_CAP, BONUS_HEADING, BONUS_IN_TEXT, CN_NUMERALS, NOTE_ROW, TEXT_POINTS,
    TOTAL_ROW, VETO_HEADING, is_fill_in, is_signature, normal, read_bands, split_area, take_numbering, take_points,
)

MAX_ITEMS = 300
MAX_CELL_CHARS = 2000  # one cell's text; the township's longest is under 100
MAX_CHECK_METHOD = 200
DEFAULT_BANDS = [
    (Grade.EXCELLENT.value, Decimal("90")), (Grade.GOOD.value, Decimal("80")), (Grade.PASS.value, Decimal("60")),
]
CN_HEADING = re.compile(r"^\s*(?:[" + CN_NUMERALS + r"]+\s*[、.．]|[（(][" + CN_NUMERALS + r"]+[）)])")


class Sheet:
    """The grid, its header and columns: where we are, for messages."""

    def __init__(self, grid, header, headers, columns):
        self.grid = grid
        self.title = grid.title
        self.header = header
        self.header_row = header.row
        self.headers = headers  # column letter -> header text
        self.columns = columns
        self.header_labels = header.labels(grid)

    def where(self, row, column=None, field_name=None):
        place = self.grid.where(row, column)
        if column is None or row in self.grid.outside:
            return place
        name = self.headers.get(get_column_letter(column)) or field_labels().get(field_name, "")
        return _("%(place)s（%(header)s）") % {"place": place, "header": name} if name else place

    def error(self, row, message, column=None, field_name=None):
        return StandardImportError(f"{self.where(row, column, field_name)}：{message}")

    def header_of(self, column):
        return self.headers.get(get_column_letter(column), "")


class TableReader:
    """Takes the rows of the grid one by one and builds a ParsedStandard."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.col = sheet.columns.main
        self.extra = sheet.columns.extra
        self.title = ""
        self.notes = []
        self.mode = "items"  # then "veto" or "bonus" after their headings
        self.areas = {}  # name -> [number, declared points, row]
        self.area = None  # current area name
        self.items = []  # (row, number, ParsedItem)
        self.vetoes = []
        self.bonuses = []
        self.bonus_cap = None
        self.bands = []
        self.warnings = []
        self.points_from_text = 0
        self.numbering_read = 0
        self.repeated_headers = []

    # --- one row ------------------------------------------------------------------

    def check_lengths(self, row, cells):
        for column, cell in cells.items():
            if len(text(cell.value)) > MAX_CELL_CHARS:
                raise self.sheet.error(
                    row, _("单元格文字超过%(max)d个字，请检查文件是否有误。") % {"max": MAX_CELL_CHARS}, column,
                )

    def above_header(self, row, cells):
        """A title and notes; grade bands when a note gives them."""
        self.check_lengths(row, cells)
        if len(cells) != 1:
            return
        line = text(next(iter(cells.values())).value)
        if is_fill_in(line):
            return
        bands = read_bands(line)
        if bands:
            self.bands = bands
        if NOTE_ROW.match(line) or bands:
            if not re.match(r"^附件", line):
                self.notes.append(line)
        elif not self.title:
            self.title = re.sub(r"\s+", "", line)
        else:
            self.notes.append(line)

    def row(self, row, cells):
        self.check_lengths(row, cells)
        if row in self.sheet.grid.outside:
            self.outside_row(row, text(cells[1].value))
            return
        if len(cells) >= 2 and all(label(cell.value) in self.sheet.header_labels for cell in cells.values()):
            self.repeated_headers.append(row)  # the header again, over a second table
            return
        if self.continues_item(row, cells):
            self.continue_item(row, cells)
            return
        first = text(next(iter(cells.values())).value)
        name = label(first)
        points_cell = self.value(cells, "points")
        if TOTAL_ROW.match(name):
            return
        if NOTE_ROW.match(first):
            self.grade_row(cells)
            return
        no_points = points_cell is None or decimal(points_cell.value) is None
        if no_points and all(is_signature(c.value) or is_fill_in(c.value) for c in cells.values()):
            return
        if no_points and any(is_signature(cell.value) for cell in cells.values()):
            return
        if len(cells) <= 2 and self.heading(first):
            return
        if points_cell is None and (len(cells) == 1 or "points" in self.col) and self.grade_row(cells):
            return
        if self.mode == "veto":
            self.veto_row(row, cells)
        elif self.mode == "bonus":
            self.bonus_row(row, cells)
        elif not self.section_row(row, cells):
            self.item_row(row, cells)

    def outside_row(self, row, line):
        """A paragraph of a Word document outside its tables: a heading, a veto or bonus, grade bands."""
        if TOTAL_ROW.match(label(line)) or is_fill_in(line) or is_signature(line) or self.heading(line):
            return
        if self.grade_row({1: _Text(line)}) or NOTE_ROW.match(line):
            return
        if self.mode in ("veto", "bonus"):
            cells = {1: _Text(line)}
            (self.veto_row if self.mode == "veto" else self.bonus_row)(row, cells)
        elif CN_HEADING.match(line) and (AREA_POINTS.search(normal(line)) or len(line) <= 30):
            self.start_area(row, line)  # 二、作用发挥（40分） between two tables

    def heading(self, first):
        """一票否决… or 加分项目（最高加3分）: what follows are vetoes or bonuses."""
        name = label(first)
        if VETO_HEADING.match(name):
            self.mode = "veto"
            return True
        if BONUS_HEADING.match(name):
            self.mode = "bonus"
            cap = BONUS_CAP.search(normal(first))
            self.bonus_cap = Decimal(cap.group(1)) if cap else None
            return True
        return False

    def grade_row(self, cells):
        bands = read_bands(" ".join(text(cell.value) for cell in cells.values()))
        if bands:
            self.bands = bands
        return bool(bands)

    def section_row(self, row, cells):
        """A row like 一、组织建设（20分） or (1)队伍建设标准化12分: one text, no points, starts an area."""
        if len(cells) != 1 or self.value(cells, "points") is not None:
            return False
        (column, cell), = cells.items()
        line = text(cell.value)
        if column == self.col.get("number") and whole_number(cell.value) is not None:
            return True  # a numbered row left empty in a template
        if "points" not in self.col and TEXT_POINTS.search(line) and not CN_HEADING.match(line):
            if column >= self.col["content"] or column == self.col.get("name"):
                return False  # 班子健全（4分） alone: an item whose points are in its text
        heading = AREA_NUMBERING.match(line) or AREA_POINTS.search(normal(line))
        if not (heading or column == self.col.get("area") or column < self.col["content"]):
            return False  # an item without its points, or a stray text: item_row says what is wrong
        self.formula_check(row, cell, column)
        self.start_area(row, line)
        return True

    def start_area(self, row, value):
        name, points = split_area(value)
        if not name:
            return
        if len(name) > 100:
            raise self.sheet.error(row, _("考核方面名称超过100个字"))
        if name not in self.areas:
            self.areas[name] = [len(self.areas) + 1, points, row]
        self.area = name

    # --- items ------------------------------------------------------------------

    def value(self, cells, key):
        """The cell of field `key` in this row, or None."""
        column = self.col.get(key)
        return cells.get(column) if column else None

    def formula_check(self, row, cell, column, key=None, what=None):
        if cell.formula:
            message = what or _("“%(value)s”是公式，这里应填写内容")
            raise self.sheet.error(row, message % {"value": cell.value}, column, key)

    def text(self, row, cells, key):
        cell = self.value(cells, key)
        if cell is None:
            return ""
        self.formula_check(row, cell, self.col[key], key)
        return text(cell.value)

    def joined(self, row, cells, key):
        """The text of a field: its column's, with the texts of the other columns that name it
        (考核标准 beside 评分办法), each under its header."""
        parts = []
        for column in sorted([self.col[key], *self.extra.get(key, ())] if key in self.col else []):
            cell = cells.get(column)
            if cell is not None:
                self.formula_check(row, cell, column, key)
                if text(cell.value):
                    parts.append((column, text(cell.value)))
        if len(parts) == 1 and parts[0][0] == self.col[key]:
            return parts[0][1]
        return "\n".join(f"{self.sheet.header_of(column)}：{line}" for column, line in parts)

    def merged_text(self, row, cells, key):
        """A field's text in this row, or, when its cell is merged down from a row above, that row's text."""
        found = self.text(row, cells, key)
        if found or key not in self.col:
            return found
        span = self.sheet.grid.merge_at(row, self.col[key])
        if span and span[0] < row:
            cell = self.sheet.grid.cells(span[0]).get(span[2])
            return text(cell.value) if cell is not None else ""
        return ""

    def item_row(self, row, cells):
        used = {self.col.get("area"), self.col.get("number")}
        area = self.text(row, cells, "area")
        if area:
            self.start_area(row, area)
        if all(column in used for column in cells):
            return  # only a number or an area name: a row left empty in a template
        name = self.merged_text(row, cells, "name")
        content = self.joined(row, cells, "content")
        if not content and not name:
            raise self.sheet.error(row, _("考核内容为空"), self.col["content"], "content")
        number_cell = self.value(cells, "number")
        if number_cell is not None:
            self.formula_check(row, number_cell, self.col["number"], "number", _("“%(value)s”是公式，这里应填写编号"))
        number, name, content = self.numbering(number_cell, name, content)
        points, name, content = self.item_points(row, cells, name, content)
        if name:
            content = name + ("" if not content or name[-1] in "：:。；;" else "：") + content
        check_method = self.joined(row, cells, "check_method")
        self.check_method_length(row, check_method)
        if self.area is None:
            self.areas[_("考核项目")] = [1, None, row]
            self.area = _("考核项目")
            self.warnings.append(_("未识别到考核方面，全部考核项目归入一个方面；可在列对应关系中指定“考核方面”列。"))
        if len(self.items) >= MAX_ITEMS:
            raise self.sheet.error(row, _("考核项目超过%(max)d项，请检查文件是否有误。") % {"max": MAX_ITEMS})
        item = ParsedItem(
            number=0, area_number=self.areas[self.area][0], content=content,
            criteria=self.joined(row, cells, "criteria"), points=points, check_method=check_method,
            evidence=self.joined(row, cells, "evidence"),
        )
        self.items.append((row, number, item))

    def numbering(self, number_cell, name, content):
        """(number, name, content): the number from its column, else from 1、 (1) ① before the text."""
        number = None if number_cell is None else number_cell.value
        found_name, name = take_numbering(name) if name else (None, name)
        found_content, content = take_numbering(content) if content else (None, content)
        found = found_name if found_name is not None else found_content
        if number is None and found is not None:
            number = found
            self.numbering_read += 1
        return number, name, content

    def item_points(self, row, cells, name, content):
        """(points, name, content): from the 分值 column, else from （4分） in the item's name or content."""
        if "points" in self.col:
            return self.points(row, cells, "points"), name, content
        for which in ("name", "content"):
            value = name if which == "name" else content
            rest, points = take_points(value) if value else (value, None)
            if points is not None:
                self.check_points(row, points, f"{points_text(points)}分", None, "points")
                self.points_from_text += 1
                return points.quantize(Decimal("0.1")), *((rest, content) if which == "name" else (name, rest))
        if not self.items:
            raise missing_column_error("points", self.where_header(), self.sheet.grid, self.sheet.header, self.col)
        raise self.sheet.error(row, _("没有分值：表中没有“分值”列，考核项目中也没有写明“（N分）”"))

    def where_header(self):
        return {"sheet": self.sheet.title, "header_row": self.sheet.header_row, "headers": self.sheet.headers}

    def check_method_length(self, row, value):
        if len(value) > MAX_CHECK_METHOD:
            raise self.sheet.error(
                row, _("考核方式超过%(max)d个字") % {"max": MAX_CHECK_METHOD}, self.col["check_method"], "check_method",
            )

    def continues_item(self, row, cells):
        """Whether this row goes on with the last item: its 考核内容 or 分值 cell is merged down from
        that item's row. (A row with only a number or an area name is left to item_row, as before.)"""
        outside = set(cells) - {self.col.get("number"), self.col.get("area")}
        if self.mode != "items" or not self.items or not outside:
            return False
        for key in ("content", "points"):
            if key not in self.col:
                continue
            span = None if self.col[key] in cells else self.sheet.grid.merge_at(row, self.col[key])
            if span and span[0] == self.items[-1][0]:
                return True
        return False

    def continue_item(self, row, cells):
        """Add this row's texts to the last item, a line each."""
        first_row, number, item = self.items[-1]
        for key in ("number", "area", "points"):
            cell = self.value(cells, key)
            if cell is None:
                continue
            if key == "number" and text(cell.value) == text(number):
                continue  # the item's number written again
            if key == "area" and split_area(self.text(row, cells, key))[0] == self.area:
                continue  # the area written again on every row
            message = _("这一行与第%(row)d行是同一个考核项目（考核内容或分值已合并），这一格应与第%(row)d行合并或留空")
            raise self.sheet.error(row, message % {"row": first_row}, self.col[key], key)
        for key in TEXT_FIELDS:
            line = self.joined(row, cells, key)
            if line:
                setattr(item, key, "\n".join(part for part in (getattr(item, key), line) if part))
        self.check_method_length(row, item.check_method)

    def points(self, row, cells, key, required=True):
        cell = self.value(cells, key)
        column = self.col.get(key)
        if cell is None:
            if required:
                raise self.sheet.error(row, _("分值为空"), column, key)
            return None
        self.formula_check(row, cell, column, key, _("“%(value)s”是公式，这里应填写分值"))
        number = decimal(cell.value)
        shown = text(cell.value)
        if number is None:
            raise self.sheet.error(row, _("“%(value)s”不是数字") % {"value": shown}, column, key)
        self.check_points(row, number, shown, column, key)
        return number.quantize(Decimal("0.1"))

    def check_points(self, row, number, shown, column, key):
        if number < 0:
            raise self.sheet.error(row, _("分值“%(value)s”不能为负数") % {"value": shown}, column, key)
        if number == 0:
            raise self.sheet.error(row, _("分值不能为0"), column, key)
        if number != number.quantize(Decimal("0.1")):
            raise self.sheet.error(row, _("分值“%(value)s”最多保留一位小数") % {"value": shown}, column, key)
        if number >= 1000:
            raise self.sheet.error(row, _("分值“%(value)s”过大") % {"value": shown}, column, key)

    # --- vetoes and bonuses ------------------------------------------------------------

    def code_and_text(self, row, cells):
        """(code, text) of a veto or bonus row: 否1 | text, or just the text."""
        for column, cell in cells.items():
            self.formula_check(row, cell, column)
        texts = [(column, text(cell.value)) for column, cell in sorted(cells.items())
                 if column != self.col.get("points")]
        code = ""
        if len(texts) > 1 and len(texts[0][1]) <= 6:
            code = texts.pop(0)[1]
        content_column = self.col.get("content")
        found = next((t for c, t in texts if c == content_column), "") or max((t for c, t in texts), key=len, default="")
        return code, take_numbering(found)[1]

    def veto_row(self, row, cells):
        code, found = self.code_and_text(row, cells)
        if found:
            self.vetoes.append(ParsedVeto(code=(code or _("否%(n)d") % {"n": len(self.vetoes) + 1})[:20], text=found))

    def bonus_row(self, row, cells):
        code, found = self.code_and_text(row, cells)
        if not found:
            return
        points = self.points(row, cells, "points", required=False) if "points" in self.col else None
        if points is None:
            match = BONUS_IN_TEXT.search(normal(found))
            if not match:
                raise self.sheet.error(row, _("加分项没有分值"))
            points = Decimal(match.group(1))
            if not 0 < points < 1000 or points != points.quantize(Decimal("0.1")):
                raise self.sheet.error(row, _("加分项分值“%(value)s”无效") % {"value": match.group(1)})
        code = code or _("加%(n)d") % {"n": len(self.bonuses) + 1}
        self.bonuses.append(ParsedBonus(code=code[:20], text=found, points=points))

    # --- the end ------------------------------------------------------------------------

    def finish(self):
        if not self.items:
            raise StandardImportError(
                _("工作表“%(sheet)s”中没有读到考核项目。") % {"sheet": self.sheet.title},
                sheet=self.sheet.title, header_row=self.sheet.header_row, headers=self.sheet.headers,
                columns=letters(self.col),
            )
        items = [item for row, value, item in self.items]
        numbers = [whole_number(value) for row, value, item in self.items]
        if None in numbers or len(set(numbers)) != len(numbers):
            numbers = range(1, len(items) + 1)
            if "number" in self.col or self.numbering_read:
                self.warnings.append(_("序号不完整或有重复，已按顺序重新编号为1至%(n)d。") % {"n": len(items)})
        for item, number in zip(items, numbers):
            item.number = number
        areas = self.finish_areas(items)
        bands = self.bands
        if not bands:
            bands = list(DEFAULT_BANDS)
            self.warnings.append(_("未读到等次评定，按优秀90分、良好80分、合格60分设置。"))
        bonus_cap = Decimal("0")
        if self.bonuses:
            bonus_cap = self.bonus_cap if self.bonus_cap is not None else sum(b.points for b in self.bonuses)
        parsed = ParsedStandard(
            name=self.title, areas=areas, items=items, vetoes=self.vetoes, bonuses=self.bonuses,
            bonus_cap=bonus_cap, grade_bands=bands, description="\n".join(self.notes), warnings=self.warnings,
        )
        if parsed.total_points >= 10000 or bonus_cap >= 10000 or any(m > 1000 for g, m in bands):
            raise StandardImportError(_("工作表“%(sheet)s”：分值过大，请检查分值列。") % {"sheet": self.sheet.title})
        if self.points_from_text:
            self.warnings.append(_("表中没有“分值”列，%(n)d个考核项目的分值取自其文字中的“（N分）”。")
                                 % {"n": self.points_from_text})
        if self.repeated_headers:
            rows = "、".join(str(self.sheet.grid.places.get(r, (0, r))[1]) for r in self.repeated_headers)
            self.warnings.append(_("第%(rows)s行重复了表头，已跳过。") % {"rows": rows})
        if parsed.total_points != 100:
            self.warnings.append(_("考核项目合计%(total)s分，不是100分；已按%(total)s分导入。")
                                 % {"total": points_text(parsed.total_points)})
        return parsed

    def finish_areas(self, items):
        sums = {}
        for item in items:
            sums[item.area_number] = sums.get(item.area_number, Decimal("0")) + item.points
        areas = []
        for name, (number, declared, row) in self.areas.items():
            total = sums.get(number)
            if total is None:
                continue  # a heading with no items under it
            if declared is not None and declared != total:
                raise self.sheet.error(
                    row, _("考核方面“%(name)s”标明%(declared)s分，但其考核项目合计%(total)s分")
                    % {"name": name, "declared": points_text(declared), "total": points_text(total)},
                )
            areas.append(ParsedArea(number=len(areas) + 1, name=name, points=total))
        renumber = {old: area.number for old, area in zip(sorted(sums), areas)}
        for item in items:
            item.area_number = renumber[item.area_number]
        return areas


class _Text:
    """A paragraph's text in the shape of a cell."""

    formula = False

    def __init__(self, value):
        self.value = value
