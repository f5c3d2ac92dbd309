"""Reader of old .xls workbooks (xlrd): one Grid per worksheet, merged ranges included.

xlrd gives a formula's last value, not the formula: a .xls cannot be refused for one."""

import logging

import xlrd
from django.utils.translation import gettext as _

from .grid import MAX_BLANK_RUN, MAX_COLUMNS, MAX_MERGES, MAX_ROWS, Cell, Grid, text
from .parsed import StandardImportError

logger = logging.getLogger(__name__)
VALUE_TYPES = (xlrd.XL_CELL_TEXT, xlrd.XL_CELL_NUMBER)


def read_grids(data, filename):
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises many kinds on a bad file
        logger.info("xlrd refused %s: %r", filename, exc)
        raise StandardImportError(
            _("文件已损坏或不是有效的Excel（.xls）工作簿，无法打开；旧版Word（.doc）文件请另存为.docx后再导入。")
        ) from exc
    try:
        return [_grid(book.sheet_by_index(index)) for index in range(book.nsheets)]
    finally:
        book.release_resources()


def _grid(sheet):
    grid = Grid(sheet.name)
    blank_run = 0
    for row in range(min(sheet.nrows, MAX_ROWS)):
        cells = {}
        for column in range(min(sheet.row_len(row), MAX_COLUMNS)):
            kind = sheet.cell_type(row, column)
            value = sheet.cell_value(row, column)
            if kind not in VALUE_TYPES:
                value = None if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) else str(value)
            if text(value) != "":
                cells[column + 1] = Cell(value)
        blank_run = 0 if cells else blank_run + 1
        if blank_run > MAX_BLANK_RUN:
            break
        grid.add_row(row + 1, cells)
    if len(sheet.merged_cells) > MAX_MERGES:
        raise StandardImportError(
            _("工作表“%(sheet)s”的合并单元格超过%(max)d处，不能导入。") % {"sheet": sheet.name, "max": MAX_MERGES}
        )
    for first_row, after_row, first_column, after_column in sheet.merged_cells:
        if first_column < MAX_COLUMNS:
            grid.merges.append((first_row + 1, after_row, first_column + 1, after_column))
    return grid
