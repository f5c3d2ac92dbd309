"""read_standard: a file (.xlsx, .xls or .docx) into a ParsedStandard, or StandardImportError."""

import logging
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from . import docx, xls, xlsx
from .files import file_kind, read_bytes
from .header import apply_mapping, field_labels, find_header, headers_by_letter, is_score_column, letters
from .header import missing_column_error
from .grid import label
from .parsed import StandardImportError
from .table import Sheet, TableReader

logger = logging.getLogger(__name__)
READERS = {"xlsx": xlsx.read_grids, "xls": xls.read_grids, "docx": docx.read_grids}


def read_standard(source, *, filename="", mapping=None):
    """Read `source` (a path, bytes or a binary file object) into a ParsedStandard.

    mapping: {field: column letter} laid over the columns found in the header ('' for none)."""
    if isinstance(source, (str, Path)) and not filename:
        filename = Path(source).name
    data = read_bytes(source)
    kind = file_kind(data)
    try:
        grids = READERS[kind](data, filename)
        parsed = _interpret(grids, mapping)
    except StandardImportError:
        raise
    except Exception as exc:  # a malformed sheet can break a reader halfway through
        logger.warning("could not read standard %s", filename, exc_info=True)
        raise StandardImportError(_("文件内容已损坏，无法读取。")) from exc
    parsed.name = (parsed.name or Path(filename).stem or parsed.sheet)[:200]
    parsed.filename = filename[:255]
    parsed.file_kind = kind
    return parsed


def _interpret(grids, mapping):
    grid, header = find_header(grids)
    headers = headers_by_letter(header)
    where = {"sheet": grid.title, "header_row": header.row, "headers": headers}
    columns = apply_mapping(header.columns, mapping, where)
    if "content" not in columns.main:
        raise missing_column_error("content", where, grid, header, columns.main)
    sheet = Sheet(grid, header, headers, columns)
    reader = TableReader(sheet)
    for number in sorted(grid.rows):
        cells = grid.rows[number]
        if number < header.row:
            reader.above_header(number, cells)
        elif number >= header.row + header.rows:
            reader.row(number, cells)
    parsed = reader.finish()
    parsed.warnings[:0] = _column_notes(header, columns)
    parsed.sheet = grid.title
    parsed.header_row = header.row
    if header.row in grid.places:  # Word: the table and its row, as a person counts them
        table, parsed.header_row = grid.places[header.row]
        parsed.sheet = _("Word表格%(table)d") % {"table": table}
    parsed.header_rows = header.rows
    parsed.headers = headers
    parsed.columns = letters(columns.main)
    return parsed


def _column_notes(header, columns):
    """What was assumed about the columns: names put before the content, columns added to a field,
    columns not read at all."""
    labels = field_labels()
    notes = []

    def named(column):
        return _("%(column)s列“%(header)s”") % {"column": get_column_letter(column), "header": header.texts[column]}

    if "name" in columns.main:
        notes.append(_("%(column)s作为项目名称，写在考核内容之前。") % {"column": named(columns.main["name"])})
    for key, found in columns.extra.items():
        for column in found:
            notes.append(_("%(column)s并入“%(field)s”，以列名标明。") % {"column": named(column), "field": labels[key]})
    used = set(columns.main.values()) | {c for found in columns.extra.values() for c in found}
    for column, value in sorted(header.texts.items()):
        if column not in used and value and not is_score_column(label(value)):
            notes.append(_("%(column)s未识别，未导入；如需导入，请在列对应关系中指定。") % {"column": named(column)})
    return notes
