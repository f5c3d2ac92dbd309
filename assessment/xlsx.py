"""One writer for every Excel file people print.

An exporter gives a title, optional lines under it, columns (header and width),
rows, and optional footer lines; `write_xlsx` streams them with openpyxl's
write-only mode (memory does not grow with the rows) into a print-ready sheet:
merged title row, bold header, widths that fit Chinese text, wrapped cells,
frozen header, A4 landscape fitted to the page width, the header repeated on
every printed page. Dates are dates and scores are numbers; a text that starts
with = + - @ is written as text, never as a formula.
"""

import datetime
import functools
import re
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEADER_FONT = Font(name="宋体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=10.5)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Column:
    header: str
    width: float = 12  # in characters; a Chinese character counts about 2


class Styles:
    """Cells share their styles: each combination of font, alignment, border, fill, number
    format and quote prefix is made once per sheet and given to every cell that uses it
    (assigning style objects cell by cell makes openpyxl hash them again each time)."""

    def __init__(self, ws):
        self.ws = ws
        self.made = {}

    def _style(self, font, alignment, border, fill, number_format, quote):
        key = (id(font), id(alignment), id(border), id(fill), number_format, quote)
        style = self.made.get(key)
        if style is None:
            model = WriteOnlyCell(self.ws)
            model.font, model.alignment = font, alignment
            if border:
                model.border = border
            if fill:
                model.fill = fill
            if number_format:
                model.number_format = number_format
            if quote:
                model.quotePrefix = True
            style = self.made[key] = model._style
        # Shared, not copied: in write-only mode a cell is written as it is appended and its
        # style read once, never changed.
        return style

    def cell(self, value, *, font=BODY_FONT, alignment=WRAP, border=BORDER, fill=None, number_format=None):
        if isinstance(value, Decimal):
            value = float(value)  # a plain number for Excel to sum
        if isinstance(value, datetime.datetime):
            value = value.replace(tzinfo=None)
        cell = WriteOnlyCell(self.ws, value=value)
        quote = False
        if isinstance(value, str):
            cell.data_type = "s"  # a leading "=" stays text
            quote = value.startswith(FORMULA_STARTS)
        if number_format is None:
            if isinstance(value, datetime.datetime):
                number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, datetime.date):
                number_format = "yyyy-mm-dd"
            elif isinstance(value, float):
                number_format = "0.0"
        cell._style = self._style(font, alignment, border, fill, number_format, quote)
        return cell


LINE_POINTS = 14  # one line of 10.5 pt text


WIDE = re.compile("[\u2e80-\U0010ffff]")


def text_width(text):
    """The width of `text` in column-width units: a Chinese (wide) character counts 2."""
    return len(text) if text.isascii() else len(text) + len(WIDE.findall(text))


@functools.lru_cache(maxsize=4096)
def text_lines(text, width):
    """The lines `text` takes wrapped in a column `width` wide (the same texts come back in
    thousands of rows: an item's content, a default requirement)."""
    usable = max(width - 1.5, 1)
    return int(sum(max(1, -(-text_width(part) // usable)) for part in text.split("\n")))


def row_height(values, columns):
    """The height (points) a row of wrapped cells needs. Spreadsheet programs do not all
    grow rows to fit wrapped text on opening a file (LibreOffice does not), so the writer
    sets it; None for a single line (the default height)."""
    lines = 1
    for value, column in zip(values, columns):
        if value and isinstance(value, str):
            lines = max(lines, text_lines(value, column.width))
    return None if lines == 1 else lines * LINE_POINTS + 4


def write_xlsx(exporter, target):
    """Write `exporter` into `target` (a path or a binary file object); an exporter with
    `sheets()` writes each of the exporters it yields as a sheet of its own."""
    wb = Workbook(write_only=True)
    for sheet in exporter.sheets() if hasattr(exporter, "sheets") else [exporter]:
        write_sheet(wb, sheet)
    wb.save(target)


def write_sheet(wb, exporter):
    ws = wb.create_sheet(exporter.sheet_name[:31])
    columns = exporter.columns
    width = len(columns)
    last = get_column_letter(width)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width

    lines = list(exporter.lines())
    header_row = 2 + len(lines)
    # Write-only: the sheet's view and properties go out before the rows, so set them first.
    ws.freeze_panes = f"A{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    styles = exporter.styles(ws)
    row_number = 0

    def append(cells, height=None):
        nonlocal row_number
        row_number += 1
        if height:
            ws.row_dimensions[row_number].height = height
        ws.append(cells)

    append([styles.cell(exporter.title, font=TITLE_FONT, alignment=CENTER, border=None)], height=32)
    ws.merged_cells.add(f"A{row_number}:{last}{row_number}")
    for line in lines:
        append([styles.cell(line, border=None, alignment=Alignment(vertical="center"))])
        ws.merged_cells.add(f"A{row_number}:{last}{row_number}")
    append([styles.cell(c.header, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL) for c in columns], height=30)
    first_data = row_number + 1
    for values in exporter.rows():
        append([styles.cell(value) for value in values], height=row_height(values, columns))
    exporter.data_range = (first_data, row_number)
    for values in exporter.footer():
        if isinstance(values, str):
            append([styles.cell(values, border=None, alignment=Alignment(vertical="center"))], height=24)
            ws.merged_cells.add(f"A{row_number}:{last}{row_number}")
        else:
            append([styles.cell(value, font=HEADER_FONT) for value in values])

    exporter.decorate(wb, ws)


class Exporter:
    """Subclasses set title, sheet_name, columns and yield rows."""

    title = ""
    sheet_name = "Sheet1"
    filename = "export.xlsx"
    columns: list = []
    data_range = (0, 0)

    def styles(self, worksheet):
        """The Styles that make the sheet's cells (an exporter of many repeated values may share cells)."""
        return Styles(worksheet)

    def lines(self):
        return []

    def rows(self):
        return []

    def footer(self):
        return []

    def decorate(self, workbook, worksheet):
        """Add charts or other sheets after the rows are written."""
