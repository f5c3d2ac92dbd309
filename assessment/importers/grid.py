"""The grid every reader makes of its file: non-empty cells by row and column, the merged
ranges, and how to name a place in it (工作表“…”第3行C列, or Word表格1第3行第3列)."""

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from .parsed import StandardImportError

MAX_COLUMNS = 40
MAX_ROWS = 5000  # rows read from one sheet or document
MAX_BLANK_RUN = 200  # this many empty rows in a row end the table
MAX_MERGES = 10000  # merged ranges on one sheet


@dataclass
class Cell:
    value: object  # str, int or float, never empty
    formula: bool = False


@dataclass
class Grid:
    """One sheet (or one Word document): rows[number] = {column: Cell}, numbers from 1."""

    title: str
    rows: dict = field(default_factory=dict)
    merges: list = field(default_factory=list)  # (first row, last row, first column, last column)
    places: dict = field(default_factory=dict)  # Word: row number -> (table number, row in that table)
    outside: set = field(default_factory=set)  # Word: row numbers of paragraphs outside any table
    last_row: int = 0

    def __post_init__(self):
        self._spans = None

    def add_row(self, number, cells):
        if cells:
            self.rows[number] = cells
        self.last_row = max(self.last_row, number)

    def cells(self, number):
        return self.rows.get(number, {})

    def merge_at(self, row, column):
        """(first row, last row, first column, last column) of the merged range over a cell, or None."""
        if self._spans is None:
            self._index_merges()
        spans = self._spans.get(column)
        if not spans:
            return None
        index = bisect_right(spans[0], row) - 1
        if index >= 0 and spans[1][index][1] >= row:
            return spans[1][index]
        return None

    def _index_merges(self):
        if len(self.merges) > MAX_MERGES:
            raise StandardImportError(
                _("工作表“%(sheet)s”的合并单元格超过%(max)d处，不能导入。") % {"sheet": self.title, "max": MAX_MERGES}
            )
        by_column = {}
        for span in self.merges:
            for column in range(span[2], min(span[3], MAX_COLUMNS) + 1):
                by_column.setdefault(column, []).append(span)
        self._spans = {}
        for column, spans in by_column.items():
            spans.sort()
            self._spans[column] = ([span[0] for span in spans], spans)

    def where(self, row, column=None):
        """Where a row or a cell is, as a person finds it in the file."""
        if row in self.places:
            table, table_row = self.places[row]
            values = {"table": table, "row": table_row, "column": column}
            if column is None:
                return _("Word表格%(table)d第%(row)d行") % values
            return _("Word表格%(table)d第%(row)d行第%(column)d列") % values
        if row in self.outside:
            return _("Word文档表格外的文字")
        values = {"sheet": self.title, "row": row}
        if column is None:
            return _("工作表“%(sheet)s”第%(row)d行") % values
        return _("工作表“%(sheet)s”第%(row)d行%(column)s列") % {**values, "column": get_column_letter(column)}

    def where_rows(self, first, count):
        """工作表“…”第3行, 第4–5行 for a header over two rows; Word表格1第1行."""
        if first in self.places:
            table, first = self.places[first]
            rows = str(first) if count == 1 else f"{first}–{first + count - 1}"
            return _("Word表格%(table)d第%(rows)s行") % {"table": table, "rows": rows}
        rows = str(first) if count == 1 else f"{first}–{first + count - 1}"
        return _("工作表“%(sheet)s”第%(rows)s行") % {"sheet": self.title, "rows": rows}


# --- texts of cells -----------------------------------------------------------------


def text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.strip() for line in value.split("\n")).strip()


def label(value):
    """A header or heading, reduced to what matters for matching."""
    found = unicodedata.normalize("NFKC", text(value))
    found = re.sub(r"\([^)]*\)", "", found)
    return re.sub(r"\s+", "", found).strip(":")


def decimal(value):
    """Decimal for 2, 2.5, '2分', '２.５'; None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
    else:
        found = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text(value)))
        found = found.removesuffix("分")
        try:
            number = Decimal(found)
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


def whole_number(value):
    number = decimal(value)
    if number is None or number <= 0 or number != number.to_integral_value():
        return None
    return int(number)
