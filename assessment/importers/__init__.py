"""Reading a standard (考核标准) from a file into plain dataclasses.

Each reader turns its file into the same Grid of cells (texts, merged ranges, places):
`xlsx` (openpyxl), `xls` (xlrd), `docx` (python-docx, the document's tables). One
interpreter reads a standard out of any grid: `header` finds the header row and which
column holds what, `wording` reads areas, points, numbering and grade bands out of the
texts, `table` goes through the rows and checks everything. `files` refuses hostile or
foreign files before any reader sees them.

Nothing here touches the database: `read_standard` returns a ParsedStandard or raises
StandardImportError with a message naming the sheet, row and column;
`assessment.services.standards.standard_import` writes the result.
"""

from .files import decode_bytes, encode_bytes, max_upload_bytes, size_text
from .header import FIELDS, REQUIRED_FIELDS, field_for, field_labels
from .parsed import ParsedArea, ParsedBonus, ParsedItem, ParsedStandard, ParsedVeto, StandardImportError, points_text
from .read import read_standard

__all__ = [
    "FIELDS", "REQUIRED_FIELDS", "ParsedArea", "ParsedBonus", "ParsedItem", "ParsedStandard", "ParsedVeto",
    "StandardImportError", "decode_bytes", "encode_bytes", "field_for", "field_labels", "max_upload_bytes",
    "points_text", "read_standard", "size_text",
]
