"""Reader of .xlsx workbooks (openpyxl, read-only): one Grid per worksheet.

Read-only mode does not give merged cells, so `_read_merges` reads those from the
sheet's XML: they tell a header over two rows, an area over several items, an item
over several rows."""

import io
import logging

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from .grid import MAX_BLANK_RUN, MAX_COLUMNS, MAX_MERGES, MAX_ROWS, Cell, Grid, text
from .parsed import StandardImportError

logger = logging.getLogger(__name__)
MERGE_CELL_TAG = "{%s}mergeCell" % SHEET_MAIN_NS


def read_grids(data, filename):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a bad package
        logger.info("openpyxl refused %s: %r", filename, exc)
        raise StandardImportError(_("文件已损坏或不是有效的Excel（.xlsx）工作簿，无法打开。")) from exc
    try:
        return [_grid(worksheet) for worksheet in workbook.worksheets if hasattr(worksheet, "iter_rows")]
    finally:
        workbook.close()


def _grid(worksheet):
    worksheet.reset_dimensions()
    grid = Grid(worksheet.title)
    blank_run = 0
    rows = worksheet.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=MAX_COLUMNS)
    for number, row in enumerate(rows, start=1):
        cells = {
            index: Cell(cell.value, getattr(cell, "data_type", None) == "f")
            for index, cell in enumerate(row, start=1) if text(cell.value) != ""
        }
        blank_run = 0 if cells else blank_run + 1
        if blank_run > MAX_BLANK_RUN:
            break
        grid.add_row(number, cells)
    for count, bounds in enumerate(_read_merges(worksheet), 1):
        if count > MAX_MERGES:
            raise StandardImportError(
                _("工作表“%(sheet)s”的合并单元格超过%(max)d处，不能导入。") % {"sheet": worksheet.title, "max": MAX_MERGES}
            )
        first_column, first_row, last_column, last_row = bounds
        if first_column <= MAX_COLUMNS:
            grid.merges.append((first_row, last_row, first_column, last_column))
    return grid


def _read_merges(worksheet):
    """(first column, first row, last column, last row) of each merged range of a read-only worksheet."""
    with worksheet._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag == MERGE_CELL_TAG:
                try:
                    bounds = range_boundaries(element.get("ref", ""))
                except (TypeError, ValueError):
                    bounds = (None,)
                if None not in bounds:  # a whole row or column: not a cell range
                    yield bounds
            element.clear()
