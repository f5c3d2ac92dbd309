"""Reader of Word documents (python-docx): the standard is the document's table.

The whole document is one Grid, in reading order: each paragraph outside a table is a
row of one cell (a title, a note, grade bands written as a sentence), each table row a
row. A cell spanning several grid columns is a merged range. Word gives a cell merged
down (vMerge) again on every row it covers: its text is read on each of them."""

import io
import logging

import docx
from django.utils.translation import gettext as _
from docx.table import Table

from .grid import MAX_BLANK_RUN, MAX_COLUMNS, MAX_ROWS, Cell, Grid, text
from .parsed import StandardImportError

logger = logging.getLogger(__name__)


def read_grids(data, filename):
    try:
        document = docx.Document(io.BytesIO(data))
        grid = Grid(_("Word文档"))
        number = blank_run = 0
        tables = 0
        for block in document.iter_inner_content():
            if number >= MAX_ROWS or blank_run > MAX_BLANK_RUN:
                break
            if isinstance(block, Table):
                tables += 1
                for index, row in enumerate(block.rows, start=1):
                    number += 1
                    grid.places[number] = (tables, index)
                    grid.add_row(number, _row_cells(grid, number, row))
                    blank_run = 0
                    if number >= MAX_ROWS:
                        break
            else:
                number += 1
                line = text(block.text)
                blank_run = 0 if line else blank_run + 1
                grid.outside.add(number)
                grid.add_row(number, {1: Cell(line)} if line else {})
    except StandardImportError:
        raise
    except Exception as exc:  # python-docx raises many kinds on a bad package
        logger.info("python-docx refused %s: %r", filename, exc)
        raise StandardImportError(_("文件已损坏或不是有效的Word（.docx）文档，无法打开。")) from exc
    if not tables:
        raise StandardImportError(_("Word文档中没有表格：考核标准应是文档中的表格。"))
    return [grid]


def _row_cells(grid, number, row):
    """{column: Cell} of one table row; a cell over several grid columns is recorded as merged."""
    cells = {}
    column = row.grid_cols_before + 1
    previous = None
    start = column
    for cell in row.cells:  # a cell spanning n grid columns comes n times, the same object
        if cell is previous:
            column += 1
            continue
        if previous is not None and column - 1 > start:
            grid.merges.append((number, number, start, column - 1))
        previous, start = cell, column
        value = text(cell.text)
        if value and column <= MAX_COLUMNS:
            cells[column] = Cell(value)
        column += 1
    if previous is not None and column - 1 > start:
        grid.merges.append((number, number, start, column - 1))
    return cells
