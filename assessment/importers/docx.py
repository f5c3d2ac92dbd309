"""Reader of Word documents: the standard is the document's table.

python-docx opens the package; the body is then read from its XML (`Document.element`),
which tells what python-docx's table API does not: a cell merged down (w:vMerge) as well
as one merged across (w:gridSpan). The whole document is one Grid, in reading order: each
paragraph outside a table is a row of one cell (a title, a note, grade bands written as a
sentence), each table row a row; merged cells are merged ranges, as in a workbook."""

import io
import logging

import docx
from django.utils.translation import gettext as _

from .grid import MAX_BLANK_RUN, MAX_COLUMNS, MAX_ROWS, Cell, Grid, text
from .parsed import StandardImportError

logger = logging.getLogger(__name__)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_grids(data, filename):
    try:
        document = docx.Document(io.BytesIO(data))
        grid = _read_body(document.element.body)
    except StandardImportError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on a bad package
        logger.info("python-docx refused %s: %r", filename, exc)
        raise StandardImportError(_("文件已损坏或不是有效的Word（.docx）文档，无法打开。")) from exc
    if not grid.places:
        raise StandardImportError(_("Word文档中没有表格：考核标准应是文档中的表格。"))
    return [grid]


def _read_body(body):
    grid = Grid(_("Word文档"))
    number = blank_run = tables = 0
    for block in body:
        if number >= MAX_ROWS or blank_run > MAX_BLANK_RUN:
            break
        if block.tag == W + "tbl":
            tables += 1
            number = _read_table(grid, block, tables, number)
            blank_run = 0
        elif block.tag == W + "p":
            number += 1
            line = _paragraph_text(block)
            blank_run = 0 if line else blank_run + 1
            grid.outside.add(number)
            grid.add_row(number, {1: Cell(line)} if line else {})
    return grid


def _read_table(grid, table, table_number, number):
    """Add the rows of a w:tbl after row `number`; returns the number of its last row."""
    open_spans = {}  # first column -> [first row, last row, last column] of a cell merged down
    for index, row in enumerate(table.iterchildren(W + "tr"), start=1):
        if number >= MAX_ROWS:
            break
        number += 1
        grid.places[number] = (table_number, index)
        cells = {}
        column = 1 + _int_val(row.find(f"{W}trPr/{W}gridBefore"), 0)
        for cell in row.iterchildren(W + "tc"):
            span = max(_int_val(cell.find(f"{W}tcPr/{W}gridSpan"), 1), 1)
            merge = cell.find(f"{W}tcPr/{W}vMerge")
            if merge is not None and merge.get(W + "val") in (None, "continue") and column in open_spans:
                open_spans[column][1] = number  # goes on with the cell above
            else:
                _close(grid, open_spans.pop(column, None), column)
                if merge is not None:  # restart: the first row of a cell merged down
                    open_spans[column] = [number, number, column + span - 1]
                elif span > 1:
                    grid.merges.append((number, number, column, column + span - 1))
                value = text("\n".join(_paragraph_text(p) for p in cell.iterchildren(W + "p")))
                if value and column <= MAX_COLUMNS:
                    cells[column] = Cell(value)
            column += span
        grid.add_row(number, cells)
    for first_column, span in list(open_spans.items()):
        _close(grid, span, first_column)
    return number


def _close(grid, span, first_column):
    if span is not None and (span[1] > span[0] or span[2] > first_column):
        grid.merges.append((span[0], span[1], first_column, span[2]))


def _paragraph_text(paragraph):
    parts = []
    for node in paragraph.iter(W + "t", W + "tab", W + "br"):
        if node.tag == W + "t":
            parts.append(node.text or "")
        else:
            parts.append("\t" if node.tag == W + "tab" else "\n")
    return text("".join(parts))


def _int_val(element, default):
    try:
        return int(element.get(W + "val")) if element is not None else default
    except (TypeError, ValueError):
        return default
