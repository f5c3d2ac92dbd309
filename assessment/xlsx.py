"""One writer for every Excel file people print.

An exporter gives a title, optional lines under it, columns (header, width and an optional
group heading over several columns), rows (and section rows), optional footer lines and a
signature block; `write_xlsx` streams them with openpyxl's write-only mode (memory does not
grow with the rows) into a print-ready sheet: merged title row, bold header (two rows when
columns are grouped), widths that fit Chinese text, wrapped cells, frozen header (and frozen
leading columns), A4 or A3 landscape, the header repeated on every printed page, page numbers
in the footer. Columns are sized so that the body prints at 10.5 pt on the chosen paper (never
shrunk below 9 pt). No row is taller than Excel's 409 pt: a longer text continues on the next
row, marked 续. Dates are dates and scores are numbers; a text that starts with = + - @ is
written as text, never as a formula.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
RULE = Border(bottom=Side(style="thin", color="000000"))  # the line a signature goes on
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
BOTTOM_LEFT = Alignment(vertical="bottom")
TITLE_FONT = Font(name="宋体", size=16, bold=True)
HEADER_FONT = Font(name="宋体", size=11, bold=True)
BODY_FONT = Font(name="宋体", size=10.5)
SECTION_FONT = Font(name="宋体", size=10.5, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
SECTION_FILL = PatternFill("solid", fgColor="FAFAFA")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Paper: openpyxl's size code and the printable width in column units (landscape, 0.4 in side
# margins). A column unit is 7 px in Excel but about 7 pt in LibreOffice where Calibri is
# missing (it measures the unit with DejaVu Sans): A4 landscape holds 112 of those. A table no
# wider prints at 100 % (body text 10.5 pt) in both; fit-to-width shrinks a wider one, and it
# stays at 9 pt or more up to 130 units. Heights are estimated for Excel's narrower columns
# (a Chinese character 2 units), so a row never cuts its text; LibreOffice shows some air.
PAPERS = {
    "A4": (Worksheet.PAPERSIZE_A4, 112),
    "A3": (Worksheet.PAPERSIZE_A3, 162),
}
CONTINUED = "续"


@dataclass
class Column:
    header: str
    width: float = 12  # in characters; a Chinese character counts about 2
    group: str = ""  # a heading over this and the next columns of the same group (a second header row)


@dataclass
class Section:
    """A row across the whole table: the heading of the rows under it (考核方面)."""

    text: str


@dataclass
class Signatures:
    """The block an office signs: each label with a ruled line under it and 年 月 日."""

    labels: list = field(default_factory=list)


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
ROW_MAX_POINTS = 409  # Excel's tallest row
MAX_LINES = (ROW_MAX_POINTS - 4) // LINE_POINTS - 1  # 27 lines, with a line to spare


WIDE = re.compile("[\u2e80-\U0010ffff]")


def text_width(text):
    """The width of `text` in column-width units: a Chinese (wide) character counts 2."""
    return len(text) if text.isascii() else len(text) + len(WIDE.findall(text))


@functools.lru_cache(maxsize=4096)
def text_lines(text, width):
    """The lines `text` takes wrapped in a column `width` wide (the same texts come back in
    thousands of rows: an item's content, a default requirement; each is measured once a row)."""
    usable = max(width - 1.5, 1)
    return int(sum(max(1, -(-text_width(part) // usable)) for part in text.split("\n")))


def row_height(values, columns, line_points=LINE_POINTS):
    """The height (points) a row of wrapped cells needs. Spreadsheet programs do not all
    grow rows to fit wrapped text on opening a file (LibreOffice does not), so the writer
    sets it; None for a single line (the default height)."""
    lines = 1
    for value, column in zip(values, columns):
        if value and isinstance(value, str):
            lines = max(lines, text_lines(value, column.width))
    return None if lines == 1 else lines * line_points + 4


def text_pieces(text, width, lines=MAX_LINES):
    """`text` cut into pieces that each wrap to at most `lines` lines in a column `width`
    wide; a cut falls between wrapped lines, so every character is kept in order."""
    usable = max(width - 1.5, 1)
    pieces, piece, count = [], [], 0
    paragraphs = text.split("\n")
    for index, paragraph in enumerate(paragraphs):
        line_start, used = 0, 0
        for position, char in enumerate(paragraph):
            char_width = 2 if WIDE.match(char) else 1
            if used + char_width > usable and position > line_start:
                piece.append(paragraph[line_start:position])
                count += 1
                line_start, used = position, 0
                if count == lines:
                    pieces.append("".join(piece))
                    piece, count = [], 0
            used += char_width
        piece.append(paragraph[line_start:] + ("\n" if index < len(paragraphs) - 1 else ""))
        count += 1
        if count == lines:
            pieces.append("".join(piece))
            piece, count = [], 0
    if piece:
        pieces.append("".join(piece))
    return [p.rstrip("\n") for p in pieces if p.strip()] or [text]


def laid_out(values, columns):
    """[(row, height)]: the row with the height (points, None for one line) its wrapped texts
    need; or, when a text would make it taller than 409 pt, the row and its continuations, each
    holding the rest of the long texts with 续 in its first cell."""
    lines, long = 1, []
    for index, (value, column) in enumerate(zip(values, columns)):
        if value and isinstance(value, str):
            n = text_lines(value, column.width)
            if n > MAX_LINES:
                long.append(index)
            elif n > lines:
                lines = n
    if not long:
        return [(values, None if lines == 1 else lines * LINE_POINTS + 4)]
    pieces = {index: text_pieces(values[index], columns[index].width) for index in long}
    first = list(values)
    for index in long:
        first[index] = pieces[index][0]
    rows = [first]
    for n in range(1, max(len(p) for p in pieces.values())):
        row = [None] * len(values)
        for index in long:
            row[index] = pieces[index][n] if n < len(pieces[index]) else None
        row[0] = CONTINUED if row[0] is None else f"（{CONTINUED}）{row[0]}"
        rows.append(row)
    return [(row, row_height(row, columns)) for row in rows]


def page_setup(ws, paper="A4", rows=None):
    """Landscape on `paper`, fitted to the page width, centred, page numbers in the footer;
    `rows` (e.g. "3:4") repeated at the top of every page. The footer sits inside the bottom
    margin (LibreOffice prints no footer that has no room there)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPERS[paper][0]
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.5
    ws.page_margins.header = 0.25
    ws.page_margins.bottom = 0.75
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 10
    if rows:
        ws.print_title_rows = rows


def _widths(columns, paper):
    """Column widths for `paper`: on A3 the columns widen to use its width (less wrapping)."""
    total = sum(c.width for c in columns)
    room = PAPERS[paper][1]
    factor = max(1.0, min(room / total, 1.45)) if paper != "A4" else 1.0
    return [Column(c.header, round(c.width * factor, 1), c.group) for c in columns]


def _header_rows(columns):
    """The header as one row, or two when columns are grouped: (top, bottom, merges), where
    top names the group (or the column itself, merged down over both rows)."""
    if not any(c.group for c in columns):
        return [[c.header for c in columns]], []
    top, bottom, merges = [], [], []
    index = 0
    while index < len(columns):
        column = columns[index]
        if not column.group:
            top.append(column.header)
            bottom.append(None)
            merges.append((index, index, True))
            index += 1
            continue
        end = index
        while end + 1 < len(columns) and columns[end + 1].group == column.group:
            end += 1
        for n in range(index, end + 1):
            top.append(column.group if n == index else None)
            bottom.append(columns[n].header)
        if end > index:
            merges.append((index, end, False))
        index = end + 1
    return [top, bottom], merges


def write_xlsx(exporter, target, paper="A4"):
    """Write `exporter` into `target` (a path or a binary file object) for `paper` (A4, A3)."""
    if paper not in PAPERS:
        raise ValueError(paper)
    wb = Workbook(write_only=True)
    first = None
    for sheet in exporter.sheets():
        ws = write_sheet(wb, sheet, paper)
        first = first or (sheet, ws)
    if first is None:
        wb.create_sheet(_("空"))
    else:
        first[0].decorate(wb, first[1], paper)
    wb.save(target)


def write_sheet(wb, exporter, paper="A4"):
    ws = wb.create_sheet(exporter.sheet_name[:31])
    columns = _widths(exporter.columns, paper)
    last = get_column_letter(len(columns))
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width

    lines = list(exporter.lines())
    header, merges = _header_rows(columns)
    first_header = 2 + len(lines)
    last_header = first_header + len(header) - 1
    # Write-only: the sheet's view and properties go out before the rows, so set them first.
    ws.freeze_panes = f"{get_column_letter(exporter.freeze_columns + 1)}{last_header + 1}"
    page_setup(ws, paper, f"{first_header}:{last_header}")
    styles = exporter.styles(ws)
    row_number = 0
    whole = [Column("", sum(c.width for c in columns))]  # a line merged across the table

    def append(cells, height=None):
        nonlocal row_number
        row_number += 1
        if height:
            ws.row_dimensions[row_number].height = min(height, ROW_MAX_POINTS)
        ws.append(cells)

    def merged_line(text, font=BODY_FONT, alignment=LEFT, border=None, fill=None, height=None):
        append([styles.cell(text, font=font, alignment=alignment, border=border, fill=fill)]
               + [styles.cell(None, border=border, fill=fill) for _ in columns[1:]],
               height=height or row_height([text], whole))
        ws.merged_cells.add(f"A{row_number}:{last}{row_number}")

    append([styles.cell(exporter.title, font=TITLE_FONT, alignment=CENTER, border=None)], height=32)
    ws.merged_cells.add(f"A{row_number}:{last}{row_number}")
    for line in lines:
        merged_line(line)
    spans = {start: end for start, end, down in merges if not down}
    for values in header:
        # A group's heading wraps in the width of all its columns.
        widths = [Column("", sum(c.width for c in columns[index:spans.get(index, index) + 1]))
                  for index in range(len(columns))] if values is header[0] else columns
        append([styles.cell(value, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL) for value in values],
               height=max(30 if len(header) == 1 else 20, row_height(values, widths, 15) or 0))
    for start, end, down in merges:
        a, b = get_column_letter(start + 1), get_column_letter(end + 1)
        ws.merged_cells.add(f"{a}{first_header}:{a}{last_header}" if down else f"{a}{first_header}:{b}{first_header}")
    first_data = row_number + 1
    exporter.row_count = 0
    for values in exporter.rows():
        if isinstance(values, Section):
            merged_line(values.text, font=SECTION_FONT, border=BORDER, fill=SECTION_FILL, height=22)
            continue
        exporter.row_count += 1
        for part, height in laid_out(values, columns):
            append([styles.cell(value) for value in part], height=height)
    exporter.data_range = (first_data, row_number)
    if exporter.footer_on_own_page:
        # The closing block (totals, what was found, the signatures) starts a page, under the
        # repeated header: where the rows end is known only to the program that prints, and a
        # signature block split over two pages cannot be signed.
        ws.row_breaks.append(Break(id=row_number))
    for values in exporter.footer():
        if isinstance(values, Signatures):
            _signatures(append, styles, ws, columns, values.labels, lambda: row_number)
        elif isinstance(values, str):
            merged_line(values, height=max(24, row_height([values], whole) or 0))
        else:
            append([styles.cell(value, font=HEADER_FONT) for value in values])
    return ws


def _signatures(append, styles, ws, columns, labels, current_row):
    """Each label over a share of the columns: the label, a ruled line to sign on, 年 月 日."""
    n, total = len(labels), sum(c.width for c in columns)
    spans, start, used = [], 0, 0
    for index, column in enumerate(columns):
        used += column.width
        if used >= total * (len(spans) + 1) / n - 0.01 or index == len(columns) - 1:
            spans.append((start, index))
            start = index + 1
    spans = spans[:n]
    # Each label's line runs under its share of the columns, with a gap before the next line:
    # the share's last column left out, or, when that leaves less than half the share, the
    # next share's first column.
    rules, skip_first = [], False
    for number, (start, end) in enumerate(spans):
        first = start + 1 if skip_first and end > start else start
        skip_first = False
        last = end
        if number < len(spans) - 1 and end > first:
            share = sum(c.width for c in columns[first:end + 1])
            if sum(c.width for c in columns[first:end]) >= share / 2:
                last = end - 1
            else:
                skip_first = True
        rules.append((first, last))
    append([None], height=18)
    for kind in ("label", "rule", "date"):
        cells = [None] * len(columns)
        for (start, end), (first, last), label in zip(spans, rules, labels):
            if kind == "label":
                cells[start] = styles.cell(label, font=SECTION_FONT, alignment=BOTTOM_LEFT, border=None)
            elif kind == "rule":  # a line each, with a gap before the next one
                for k in range(first, last + 1):
                    cells[k] = styles.cell(None, border=RULE)
            else:  # ending where the line ends
                cells[start] = styles.cell("年　　月　　日", alignment=RIGHT, border=None)
        append(cells, height={"label": 24, "rule": 40, "date": 24}[kind])
        row = current_row()
        if kind == "rule":
            continue  # the line is each cell's bottom border
        for (start, end), (first, last) in zip(spans, rules):
            end = end if kind == "label" else last
            if end > start:
                ws.merged_cells.add(f"{get_column_letter(start + 1)}{row}:{get_column_letter(end + 1)}{row}")


def chart_sheets(wb, charts, paper="A4"):
    """Sheets of one chart each (name, chart), landscape at 100 %: each chart prints on a page
    of its own, sized to the page."""
    for name, chart in charts:
        ws = wb.create_sheet(name[:31])
        page_setup(ws, paper)
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
        ws.page_setup.scale = 100
        # Inside the printable area (A4: 27.7 x 17.8 cm; A3: 39.9 x 26.5 cm).
        chart.width, chart.height = (26, 17) if paper == "A4" else (36, 25)
        ws.add_chart(chart, "A1")


class Exporter:
    """Subclasses set title, sheet_name, columns and yield rows."""

    title = ""
    sheet_name = "Sheet1"
    filename = "export.xlsx"
    columns: list = []
    freeze_columns = 0  # leading columns kept in view when scrolling sideways
    data_range = (0, 0)  # the sheet's first and last row of data (with section rows and 续 rows)
    row_count = 0  # the rows given (without section rows and 续 rows)
    footer_on_own_page = False  # the footer (with a signature block) begins a printed page

    def lines(self):
        return []

    def rows(self):
        return []

    def footer(self):
        return []

    def styles(self, worksheet):
        """What makes this sheet's cells (Styles: shared styles, a body cell by default)."""
        return Styles(worksheet)

    def sheets(self):
        """The exporters written as the sheets of one workbook: this one, then more_sheets();
        a workbook of many like sheets (the 台账) yields its own."""
        yield self
        yield from self.more_sheets()

    def more_sheets(self):
        """Further sheets (exporters of their own), written after this one."""
        return []

    def decorate(self, workbook, worksheet, paper="A4"):
        """Add charts or other sheets after the rows are written."""
