"""Read a standard (考核标准) from an Excel workbook into plain dataclasses.

Nothing here touches the database: `read_standard` returns a ParsedStandard or
raises StandardImportError with a message naming the sheet, row and column.
`assessment.services.standards.standard_import` writes the result.

Hostile files are refused before openpyxl sees them (size, zip member sizes,
compression ratio); the workbook is then read in read-only mode, row by row.
Read-only mode does not give merged cells, so `_read_merges` reads those from the
sheet's XML: they tell a header over two rows, and an item over several rows.
"""

import base64
import io
import json
import logging
import re
import unicodedata
import zipfile
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from assessment.models import Grade

logger = logging.getLogger(__name__)

MAX_ITEMS = 300
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024  # all members of the zip together
MAX_RATIO = 100  # uncompressed / compressed, checked once the content is over 1 MB
MAX_MEMBERS = 500
MAX_COLUMNS = 40
HEADER_SCAN_ROWS = 30
MAX_BLANK_RUN = 200  # this many empty rows in a row end the table
MAX_MERGES = 10000  # merged ranges on one sheet
MAX_HEADER_NAME = 30  # characters of a column name, for telling a header row from a data row
MERGE_CELL_TAG = "{%s}mergeCell" % SHEET_MAIN_NS

FIELDS = ("number", "area", "content", "criteria", "points", "check_method", "evidence")
REQUIRED_FIELDS = ("content", "points")
TEXT_FIELDS = ("content", "criteria", "check_method", "evidence")  # may go on over several rows

# Header names, best first. A header matches exactly (after dropping spaces and
# anything in brackets) or, failing that, starts with one of these.
SYNONYMS = {
    "number": ("序号", "编号", "项目编号"),
    "area": ("考核方面", "考核内容类别", "考核类别", "项目类别", "类别", "方面"),
    "content": ("考核内容", "考核项目", "考核要点", "内容"),
    "criteria": ("评分标准", "评分细则", "扣分标准", "评分办法"),
    "points": ("分值", "标准分", "分数", "满分"),
    "check_method": ("考核方式", "考核方法", "检查方式", "考核办法"),
    "evidence": ("佐证材料", "佐证资料", "备查资料"),
}
SCORE_WORDS = ("得分", "备注", "扣分")  # columns a branch or assessor fills in: never ours

DEFAULT_BANDS = [
    (Grade.EXCELLENT.value, Decimal("90")), (Grade.GOOD.value, Decimal("80")), (Grade.PASS.value, Decimal("60")),
]
GRADE_WORDS = {"优秀": Grade.EXCELLENT.value, "良好": Grade.GOOD.value, "合格": Grade.PASS.value}

NUMBER = r"(\d+(?:\.\d+)?)"
AREA_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[、.．])\s*")
AREA_POINTS = re.compile(r"[（(]\s*" + NUMBER + r"\s*分\s*[）)]\s*$|\s" + NUMBER + r"\s*分\s*$")
TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|小\s*计|总\s*分)")
NOTE_ROW = re.compile(r"^(注|说明|备注|附件\s*\d*)\s*([:：]|$)")
SIGNATURE = re.compile(r"签字|签名|盖章|^(考核人|考评人|考核组|检查人|审核人|负责人|填表人|填报人|日期|考核日期)\s*[:：]?")
VETO_HEADING = re.compile(r"^([一二三四五六七八九十\d]+\s*[、.．]\s*)?(一票否决|否决事项|否决项)")
BONUS_HEADING = re.compile(r"^([一二三四五六七八九十\d]+\s*[、.．]\s*)?加分(项|项目|事项|内容)?")
BONUS_CAP = re.compile(r"(?:不超过|不得超过|最高|最多|上限为?|封顶)\s*加?\s*" + NUMBER + r"\s*分")
BONUS_IN_TEXT = re.compile(r"加\s*" + NUMBER + r"\s*分")
GRADE_LABEL_FIRST = re.compile(r"(?<!不)(优秀|良好|合格)\s*[:：为(（]?\s*(?:总分)?\s*[≥>＞=]*\s*" + NUMBER)
GRADE_NUMBER_FIRST = re.compile(
    r"[≥>＞]?\s*" + NUMBER + r"\s*分?\s*(?:[-~～至到—–]\s*\d+(?:\.\d+)?\s*分?|及以上|以上)?\s*(?:的)?\s*(?:为|评为|定为|确定为)?\s*(?<!不)(优秀|良好|合格)"
)


class StandardImportError(Exception):
    """A file we refuse, with a message a person can act on.

    When the header row was found but its columns could not all be told apart,
    `sheet`, `header_row` and `headers` say where, so the admin can offer a
    column mapping instead of a dead end."""

    def __init__(self, message, *, sheet="", header_row=None, headers=None, columns=None):
        super().__init__(message)
        self.message = str(message)
        self.sheet = sheet
        self.header_row = header_row
        self.headers = headers or {}
        self.columns = columns or {}


@dataclass
class ParsedArea:
    number: int
    name: str
    points: Decimal


@dataclass
class ParsedItem:
    number: int
    area_number: int
    content: str
    criteria: str
    points: Decimal
    check_method: str
    evidence: str


@dataclass
class ParsedVeto:
    code: str
    text: str


@dataclass
class ParsedBonus:
    code: str
    text: str
    points: Decimal


@dataclass
class ParsedStandard:
    name: str
    areas: list = field(default_factory=list)
    items: list = field(default_factory=list)
    vetoes: list = field(default_factory=list)
    bonuses: list = field(default_factory=list)
    bonus_cap: Decimal = Decimal("0")
    grade_bands: list = field(default_factory=list)
    sheet: str = ""
    header_row: int = 0
    header_rows: int = 1  # 2 for a header over two rows (header_row and the row below)
    columns: dict = field(default_factory=dict)  # field -> column letter
    headers: dict = field(default_factory=dict)  # column letter -> header text, for the mapping form
    description: str = ""
    filename: str = ""
    warnings: list = field(default_factory=list)

    @property
    def total_points(self):
        return sum((item.points for item in self.items), Decimal("0"))

    def area_item_counts(self):
        counts = {area.number: 0 for area in self.areas}
        for item in self.items:
            counts[item.area_number] += 1
        return counts

    def summary(self):
        return _(
            "%(name)s：%(areas)d个方面，%(items)d个考核项目，合计%(total)s分，"
            "一票否决%(vetoes)d项，加分项%(bonuses)d项（上限%(cap)s分）"
        ) % {
            "name": self.name, "areas": len(self.areas), "items": len(self.items),
            "total": points_text(self.total_points), "vetoes": len(self.vetoes),
            "bonuses": len(self.bonuses), "cap": points_text(self.bonus_cap),
        }

    def to_json(self):
        data = asdict(self)
        data["grade_bands"] = [[grade, str(minimum)] for grade, minimum in self.grade_bands]
        return json.dumps(data, ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text):
        data = json.loads(text) if isinstance(text, (str, bytes)) else dict(text)
        data["areas"] = [ParsedArea(a["number"], a["name"], Decimal(a["points"])) for a in data["areas"]]
        data["items"] = [ParsedItem(**{**i, "points": Decimal(i["points"])}) for i in data["items"]]
        data["vetoes"] = [ParsedVeto(**v) for v in data["vetoes"]]
        data["bonuses"] = [ParsedBonus(b["code"], b["text"], Decimal(b["points"])) for b in data["bonuses"]]
        data["bonus_cap"] = Decimal(data["bonus_cap"])
        data["grade_bands"] = [(grade, Decimal(minimum)) for grade, minimum in data["grade_bands"]]
        return cls(**data)


def points_text(value):
    """100 for Decimal('100.0'), 2.5 for Decimal('2.50')."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal("1")))
    return format(value.normalize(), "f")


# --- Entry point -------------------------------------------------------------


def read_standard(source, *, filename="", mapping=None):
    """Read `source` (a path, bytes or a binary file object) into a ParsedStandard."""
    if isinstance(source, (str, Path)) and not filename:
        filename = Path(source).name
    data = _read_bytes(source)
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a bad package
        logger.info("openpyxl refused %s: %r", filename, exc)
        raise StandardImportError(_("文件已损坏或不是有效的Excel（.xlsx）工作簿，无法打开。")) from exc
    try:
        return _parse_workbook(workbook, filename=filename, mapping=mapping)
    except StandardImportError:
        raise
    except Exception as exc:  # a malformed sheet can break openpyxl halfway through
        logger.warning("could not read standard %s", filename, exc_info=True)
        raise StandardImportError(_("文件内容已损坏，无法读取。")) from exc
    finally:
        workbook.close()


def encode_bytes(data):
    return base64.b64encode(data).decode("ascii")


def decode_bytes(text):
    return base64.b64decode(text.encode("ascii"))


# --- Refusing hostile or foreign files, before openpyxl -----------------------


def max_upload_bytes():
    return getattr(settings, "STANDARD_MAX_BYTES", 5 * 1024 * 1024)


def size_text(size):
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    return f"{max(round(size / 1024), 1)} KB"


def _read_bytes(source):
    limit = max_upload_bytes()
    try:
        if isinstance(source, (bytes, bytearray)):
            data = bytes(source)
        elif isinstance(source, (str, Path)):
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
        else:
            data = source.read(limit + 1)
    except OSError as exc:
        raise StandardImportError(_("无法打开文件：%(error)s") % {"error": exc.strerror or exc}) from exc
    if not isinstance(data, bytes):
        raise StandardImportError(_("无法读取文件：请以二进制方式打开。"))
    if len(data) > limit:
        raise StandardImportError(_("文件超过%(limit)s，不能导入。") % {"limit": size_text(limit)})
    if not data:
        raise StandardImportError(_("文件是空的。"))
    return data


def _check_zip(data):
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise StandardImportError(_("这是旧版Excel（.xls）文件，请在Excel中“另存为”.xlsx格式后再导入。"))
    if not data.startswith(b"PK"):
        raise StandardImportError(_("文件不是Excel（.xlsx）文件，请选择用Excel保存的.xlsx文件。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if "[Content_Types].xml" not in archive.namelist():
                raise StandardImportError(_("文件不是Excel（.xlsx）文件（是其他格式的压缩包）。"))
            if len(members) > MAX_MEMBERS:
                raise StandardImportError(_("文件结构异常（包含的部件过多），不能导入。"))
            declared = sum(member.file_size for member in members)
            _check_sizes(declared, sum(member.compress_size for member in members))
            # The sizes in a zip header can lie: count what really comes out.
            actual = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(64 * 1024):
                        actual += len(chunk)
                        if actual > MAX_UNZIPPED_BYTES:
                            _check_sizes(actual, len(data))
            _check_sizes(actual, len(data))
    except StandardImportError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise StandardImportError(_("文件已损坏（无法解压），请重新保存或重新获取文件后再导入。")) from exc


def _check_sizes(unzipped, zipped):
    if unzipped > MAX_UNZIPPED_BYTES:
        raise StandardImportError(
            _("文件解压后超过%(limit)s，表格过大，不能导入。") % {"limit": size_text(MAX_UNZIPPED_BYTES)}
        )
    if unzipped > 1024 * 1024 and unzipped > MAX_RATIO * max(zipped, 1):
        raise StandardImportError(_("文件压缩比异常（疑似压缩炸弹），不能导入。"))


# --- Cells -------------------------------------------------------------------


def _is_formula(cell):
    return getattr(cell, "data_type", None) == "f"


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def _label(value):
    """A header or heading, reduced to what matters for matching."""
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"\([^)]*\)", "", text)
    return re.sub(r"\s+", "", text).strip(":")


def _decimal(value):
    """Decimal for 2, 2.5, '2分', '２.５'; None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
    else:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _text(value)))
        text = text.removesuffix("分")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


class Sheet:
    """Where we are, for messages."""

    def __init__(self, title, header_row, headers, columns, merges):
        self.title = title
        self.header_row = header_row
        self.headers = headers
        self.columns = columns
        self.merges = merges

    def where(self, row, column=None, field_name=None):
        if column is None:
            return _("工作表“%(sheet)s”第%(row)d行") % {"sheet": self.title, "row": row}
        letter = get_column_letter(column)
        header = self.headers.get(letter) or field_labels().get(field_name, "")
        values = {"sheet": self.title, "row": row, "column": letter, "header": header}
        if not header:
            return _("工作表“%(sheet)s”第%(row)d行%(column)s列") % values
        return _("工作表“%(sheet)s”第%(row)d行%(column)s列（%(header)s）") % values

    def error(self, row, message, column=None, field_name=None):
        return StandardImportError(f"{self.where(row, column, field_name)}：{message}")


class Merges:
    """The merged ranges of a worksheet, read from its XML the first time one is asked for."""

    def __init__(self, worksheet):
        self.worksheet = worksheet
        self.spans = None  # column -> [(first row, last row, first column, last column)], by first row
        self.starts = {}  # column -> the first rows of its spans, for bisect

    def find(self, row, column):
        """(first row, last row, first column, last column) of the merged range over a cell, or None."""
        if self.spans is None:
            self.load()
        index = bisect_right(self.starts.get(column, ()), row) - 1
        if index >= 0 and self.spans[column][index][1] >= row:
            return self.spans[column][index]
        return None

    def load(self):
        spans = {}
        for count, (first_column, first_row, last_column, last_row) in enumerate(_read_merges(self.worksheet), 1):
            if count > MAX_MERGES:
                raise StandardImportError(
                    _("工作表“%(sheet)s”的合并单元格超过%(max)d处，不能导入。")
                    % {"sheet": self.worksheet.title, "max": MAX_MERGES}
                )
            for column in range(first_column, min(last_column, MAX_COLUMNS) + 1):
                spans.setdefault(column, []).append((first_row, last_row, first_column, last_column))
        for column_spans in spans.values():
            column_spans.sort()
        self.spans = spans
        self.starts = {column: [span[0] for span in column_spans] for column, column_spans in spans.items()}


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


def field_labels():
    return {
        "number": _("序号"), "area": _("考核方面"), "content": _("考核内容"), "criteria": _("评分标准"),
        "points": _("分值"), "check_method": _("考核方式"), "evidence": _("佐证材料"),
    }


# --- Finding the header --------------------------------------------------------


def _match_field(label):
    """(field, rank) for a header label, or None. Lower rank is a better match."""
    if not label or any(word in label for word in SCORE_WORDS):
        return None
    for name, words in SYNONYMS.items():
        if label in words:
            return name, words.index(label)
    best = None
    for name, words in SYNONYMS.items():
        for word in words:
            if label.startswith(word) and (best is None or len(word) > best[2]):
                best = (name, 100, len(word))
    return best[:2] if best else None


def _detect_columns(cells):
    """{field: column index} from a row of (column index, text)."""
    candidates = {}
    for column, text in cells:
        match = _match_field(_label(text))
        if match:
            candidates.setdefault(match[0], []).append((match[1], column))
    columns = {name: min(found)[1] for name, found in candidates.items()}
    # 考核项目 | 考核内容: the losing column on the left is the area.
    if "area" not in columns and "content" in columns:
        losers = sorted(column for rank, column in candidates["content"] if column < columns["content"])
        if losers:
            columns["area"] = losers[0]
    return columns


def _row_cells(row):
    """[(column index, cell)] of the non-empty cells of a row."""
    found = []
    for index, cell in enumerate(row, start=1):
        if cell.value is not None and _text(cell.value) != "":
            found.append((index, cell))
    return found


@dataclass
class Header:
    row: int  # its first row
    rows: int  # 1, or 2 when the row below goes on it
    texts: dict  # column index -> text (for two rows, one text a column)
    columns: dict  # field -> column index

    def rows_text(self):
        return str(self.row) if self.rows == 1 else f"{self.row}–{self.row + self.rows - 1}"


def _find_header(workbook):
    """(worksheet, Header, Merges) of the best header."""
    best = None
    for worksheet in workbook.worksheets:
        if not hasattr(worksheet, "iter_rows"):
            continue  # a chart sheet
        worksheet.reset_dimensions()
        merges = Merges(worksheet)
        rows = worksheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS + 1, max_col=MAX_COLUMNS)
        rows = [_row_cells(row) for row in rows]
        for number, cells in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
            below = rows[number] if number < len(rows) else []
            header = _header_at(number, cells, below, merges)
            if len(header.columns) >= 2 and (best is None or len(header.columns) > len(best[1].columns)):
                best = (worksheet, header, merges)
    if best is None:
        raise StandardImportError(
            _("未找到表头：没有一个工作表含有“考核内容”“分值”等列名的标题行，请检查文件是否为考核标准。")
        )
    return best


def _header_at(number, cells, below, merges):
    """The header that starts on row `number`: that row, with the row below when that one goes on it.

    Over two rows, a column's name is the lower row's text, else the upper row's; a merged cell
    counts for every cell it covers. The row below goes on the header when it has only short texts
    and a cell of the upper row is merged down into it, or, as long as no column name of the upper
    row is lost, when it is under a cell merged across, or holds a column name of its own."""
    upper = {column: _text(cell.value) for column, cell in cells}
    header = Header(number, 1, upper, _detect_columns(upper.items()))
    if len(cells) < 2 or not header.columns or not _header_like(below):
        return header
    lower = {column: _text(cell.value) for column, cell in below}
    merged_down = linked = False
    texts = {}
    for column in range(1, MAX_COLUMNS + 1):
        top, bottom = upper.get(column, ""), lower.get(column, "")
        span = merges.find(number, column)
        if span and span[0] == number:
            top = top or upper.get(span[2], "")
            if span[1] > number:  # merged down: the same name for the lower row
                merged_down, bottom = True, bottom or top
            elif bottom and span[2] != span[3]:
                linked = True  # a name across several columns, with names under it
        if not bottom and (span := merges.find(number + 1, column)) and span[0] == number + 1:
            bottom = lower.get(span[2], "")  # merged across the lower row
        if bottom or top:
            texts[column] = bottom or top
    columns = _detect_columns(texts.items())
    linked = linked or any(_names_a_column(text) for text in lower.values())
    if merged_down or (linked and set(columns) >= set(header.columns)):
        return Header(number, 2, texts, columns)
    return header


def _header_like(cells):
    """Whether a row could be the second row of a header: short texts, no number, formula or heading."""
    if not cells:
        return False
    for column, cell in cells:
        value = cell.value
        if not isinstance(value, str) or _is_formula(cell) or _decimal(value) is not None:
            return False
        label = _label(value)
        if len(label) > MAX_HEADER_NAME or TOTAL_ROW.match(label):
            return False
        if AREA_NUMBERING.match(value) or AREA_POINTS.search(value):
            return False  # a section row such as 一、组织建设（20分）
    return True


def _names_a_column(text):
    """A column name exactly as we know it, or one of the columns a branch or assessor fills in."""
    label = _label(text)
    return any(word in label for word in SCORE_WORDS) or any(label in words for words in SYNONYMS.values())


def _apply_mapping(columns, mapping, sheet_title, header, headers):
    columns = dict(columns)
    where = {"sheet": sheet_title, "header_row": header.row, "headers": headers}
    for name, letter in (mapping or {}).items():
        if name not in FIELDS:
            continue
        if not letter:
            columns.pop(name, None)
            continue
        try:
            index = column_index_from_string(str(letter).strip().upper())
        except ValueError:
            index = 0
        if not 1 <= index <= MAX_COLUMNS:
            raise StandardImportError(
                _("列“%(letter)s”无效。") % {"letter": letter}, **where, columns=_letters(columns),
            )
        columns[name] = index
    seen = {}
    labels = field_labels()
    for name in FIELDS:
        if name in columns:
            other = seen.setdefault(columns[name], name)
            if other != name:
                raise StandardImportError(
                    _("“%(a)s”和“%(b)s”不能对应同一列（%(column)s列）。")
                    % {"a": labels[other], "b": labels[name], "column": get_column_letter(columns[name])},
                    **where, columns=_letters(columns),
                )
    for name in REQUIRED_FIELDS:
        if name not in columns:
            raise StandardImportError(
                _("工作表“%(sheet)s”第%(row)s行的表头中找不到“%(field)s”列，请指定各列对应的内容。")
                % {"sheet": sheet_title, "row": header.rows_text(), "field": labels[name]},
                **where, columns=_letters(columns),
            )
    return columns


def _letters(columns):
    return {name: get_column_letter(index) for name, index in columns.items()}


# --- Reading the table -----------------------------------------------------------


def _parse_workbook(workbook, *, filename, mapping):
    worksheet, header, merges = _find_header(workbook)
    headers = {get_column_letter(column): re.sub(r"\s+", "", text) for column, text in header.texts.items()}
    columns = _apply_mapping(header.columns, mapping, worksheet.title, header, headers)
    sheet = Sheet(worksheet.title, header.row, headers, columns, merges)
    reader = TableReader(sheet)
    rows = worksheet.iter_rows(min_row=1, max_col=MAX_COLUMNS)
    blank_run = 0
    for number, row in enumerate(rows, start=1):
        cells = _row_cells(row)
        if number < header.row:
            reader.above_header(cells)
            continue
        if number < header.row + header.rows:
            continue
        blank_run = 0 if cells else blank_run + 1
        if blank_run > MAX_BLANK_RUN:
            break
        if cells:
            reader.row(number, dict(cells))
    parsed = reader.finish()
    parsed.name = (parsed.name or Path(filename).stem or worksheet.title)[:200]
    parsed.filename = filename[:255]
    parsed.sheet = worksheet.title
    parsed.header_row = header.row
    parsed.header_rows = header.rows
    parsed.headers = headers
    parsed.columns = _letters(columns)
    return parsed


class TableReader:
    """Takes the rows of the sheet one by one and builds a ParsedStandard."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.col = sheet.columns
        self.title = ""
        self.notes = []
        self.mode = "items"  # then "veto" or "bonus" after their headings
        self.areas = {}  # name -> [number, declared points, row]
        self.area = None  # current area name
        self.items = []  # (row, number cell value, ParsedItem)
        self.vetoes = []
        self.bonuses = []
        self.bonus_cap = None
        self.bands = []
        self.warnings = []

    # rows above the header: a title and notes
    def above_header(self, cells):
        if len(cells) != 1:
            return
        text = _text(cells[0][1].value)
        if NOTE_ROW.match(text):
            if not re.match(r"^附件", text):
                self.notes.append(text)
        elif not self.title:
            self.title = re.sub(r"\s+", "", text)
        else:
            self.notes.append(text)

    def value(self, cells, name):
        """The cell of field `name` in this row, or None."""
        column = self.col.get(name)
        return cells.get(column) if column else None

    def text(self, row, cells, name):
        cell = self.value(cells, name)
        if cell is None:
            return ""
        if _is_formula(cell):
            raise self.sheet.error(
                row, _("“%(value)s”是公式，这里应填写内容") % {"value": cell.value}, self.col[name], name
            )
        return _text(cell.value)

    def row(self, row, cells):
        if self.continues_item(row, cells):
            self.continue_item(row, cells)
            return
        first = _text(next(iter(cells.values())).value)
        label = _label(first)
        points_cell = self.value(cells, "points")
        if TOTAL_ROW.match(label) or NOTE_ROW.match(first):
            return
        no_points = points_cell is None or _decimal(points_cell.value) is None
        if no_points and any(_is_signature(cell.value) for cell in cells.values()):
            return
        if len(cells) <= 2 and VETO_HEADING.match(label):
            self.mode = "veto"
            return
        if len(cells) <= 2 and BONUS_HEADING.match(label):
            self.mode = "bonus"
            cap = BONUS_CAP.search(unicodedata.normalize("NFKC", first))
            self.bonus_cap = Decimal(cap.group(1)) if cap else None
            return
        if points_cell is None and self.grade_row(cells):
            return
        if self.mode == "veto":
            self.veto_row(row, cells)
        elif self.mode == "bonus":
            self.bonus_row(row, cells)
        elif not self.section_row(row, cells):
            self.item_row(row, cells)

    def grade_row(self, cells):
        text = unicodedata.normalize("NFKC", " ".join(_text(c.value) for c in cells.values()))
        found = {}
        for pattern, word_group, number_group in ((GRADE_LABEL_FIRST, 1, 2), (GRADE_NUMBER_FIRST, 2, 1)):
            for match in pattern.finditer(text):
                found.setdefault(GRADE_WORDS[match.group(word_group)], Decimal(match.group(number_group)))
            if len(found) >= 2:
                break
            found = {}
        if len(found) < 2:
            return False
        self.bands = sorted(found.items(), key=lambda band: band[1], reverse=True)
        return True

    def section_row(self, row, cells):
        """A row like 一、组织建设（20分）: one text, no points, starts a new area."""
        if len(cells) != 1 or self.value(cells, "points") is not None:
            return False
        (column, cell), = cells.items()
        text = _text(cell.value)
        if column == self.col.get("number") and _whole_number(cell.value) is not None:
            return True  # a numbered row left empty in a template
        heading = AREA_NUMBERING.match(text) or AREA_POINTS.search(text)
        if not (heading or column == self.col.get("area") or column < self.col["content"]):
            return False  # an item without its points, or a stray text: item_row says what is wrong
        if _is_formula(cell):
            raise self.sheet.error(row, _("“%(value)s”是公式，这里应填写内容") % {"value": cell.value}, column)
        self.start_area(row, text)
        return True

    def start_area(self, row, text):
        name, points = split_area(text)
        if not name:
            return
        if len(name) > 100:
            raise self.sheet.error(row, _("考核方面名称超过100个字"))
        if name not in self.areas:
            self.areas[name] = [len(self.areas) + 1, points, row]
        self.area = name

    def item_row(self, row, cells):
        used = {self.col.get("area"), self.col.get("number")}
        if all(column in used for column in cells):
            area = self.text(row, cells, "area")
            if area:
                self.start_area(row, area)
            return  # only a number or an area name: a row left empty in a template
        area = self.text(row, cells, "area")
        if area:
            self.start_area(row, area)
        content = self.text(row, cells, "content")
        if not content:
            raise self.sheet.error(row, _("考核内容为空"), self.col["content"], "content")
        points = self.points(row, cells, "points")
        check_method = self.text(row, cells, "check_method")
        self.check_method_length(row, check_method)
        number_cell = self.value(cells, "number")
        if number_cell is not None and _is_formula(number_cell):
            message = _("“%(value)s”是公式，这里应填写编号") % {"value": number_cell.value}
            raise self.sheet.error(row, message, self.col["number"], "number")
        if self.area is None:
            self.areas[_("考核项目")] = [1, None, row]
            self.area = _("考核项目")
            self.warnings.append(_("未识别到考核方面，全部考核项目归入一个方面；可在列对应关系中指定“考核方面”列。"))
        if len(self.items) >= MAX_ITEMS:
            raise self.sheet.error(row, _("考核项目超过%(max)d项，请检查文件是否有误。") % {"max": MAX_ITEMS})
        item = ParsedItem(
            number=0, area_number=self.areas[self.area][0], content=content,
            criteria=self.text(row, cells, "criteria"), points=points, check_method=check_method,
            evidence=self.text(row, cells, "evidence"),
        )
        self.items.append((row, None if number_cell is None else number_cell.value, item))

    def check_method_length(self, row, text):
        if len(text) > 200:
            raise self.sheet.error(row, _("考核方式超过200个字"), self.col["check_method"], "check_method")

    def continues_item(self, row, cells):
        """Whether this row goes on with the last item: its 考核内容 or 分值 cell is merged down from
        that item's row. (A row with only a number or an area name is left to item_row, as before.)"""
        outside = set(cells) - {self.col.get("number"), self.col.get("area")}
        if self.mode != "items" or not self.items or not outside:
            return False
        for name in ("content", "points"):
            span = None if self.col[name] in cells else self.sheet.merges.find(row, self.col[name])
            if span and span[0] == self.items[-1][0]:
                return True
        return False

    def continue_item(self, row, cells):
        """Add this row's texts to the last item, a line each."""
        first_row, number, item = self.items[-1]
        for name in ("number", "area", "points"):
            cell = self.value(cells, name)
            if cell is None:
                continue
            if name == "number" and _text(cell.value) == _text(number):
                continue  # the item's number written again
            if name == "area" and split_area(self.text(row, cells, name))[0] == self.area:
                continue  # the area written again on every row
            message = _("这一行与第%(row)d行是同一个考核项目（考核内容或分值已合并），这一格应与第%(row)d行合并或留空")
            raise self.sheet.error(row, message % {"row": first_row}, self.col[name], name)
        for name in TEXT_FIELDS:
            line = self.text(row, cells, name)
            if line:
                setattr(item, name, "\n".join(text for text in (getattr(item, name), line) if text))
        self.check_method_length(row, item.check_method)

    def points(self, row, cells, name, required=True):
        cell = self.value(cells, name)
        column = self.col.get(name)
        if cell is None:
            if required:
                raise self.sheet.error(row, _("分值为空"), column, name)
            return None
        if _is_formula(cell):
            raise self.sheet.error(row, _("“%(value)s”是公式，这里应填写分值") % {"value": cell.value}, column, name)
        number = _decimal(cell.value)
        shown = _text(cell.value)
        if number is None:
            raise self.sheet.error(row, _("“%(value)s”不是数字") % {"value": shown}, column, name)
        if number < 0:
            raise self.sheet.error(row, _("分值“%(value)s”不能为负数") % {"value": shown}, column, name)
        if number == 0:
            raise self.sheet.error(row, _("分值不能为0"), column, name)
        if number != number.quantize(Decimal("0.1")):
            raise self.sheet.error(row, _("分值“%(value)s”最多保留一位小数") % {"value": shown}, column, name)
        if number >= 1000:
            raise self.sheet.error(row, _("分值“%(value)s”过大") % {"value": shown}, column, name)
        return number.quantize(Decimal("0.1"))

    def code_and_text(self, row, cells):
        """(code, text) of a veto or bonus row: 否1 | text, or just the text."""
        for cell in cells.values():
            if _is_formula(cell):
                raise self.sheet.error(row, _("“%(value)s”是公式，这里应填写内容") % {"value": cell.value}, cell.column)
        texts = [(column, _text(cell.value)) for column, cell in sorted(cells.items())
                 if column != self.col.get("points")]
        code = ""
        if len(texts) > 1 and len(texts[0][1]) <= 6:
            code = texts.pop(0)[1]
        content_column = self.col.get("content")
        text = next((t for c, t in texts if c == content_column), "") or max((t for c, t in texts), key=len, default="")
        return code, text

    def veto_row(self, row, cells):
        code, text = self.code_and_text(row, cells)
        if text:
            self.vetoes.append(ParsedVeto(code=(code or _("否%(n)d") % {"n": len(self.vetoes) + 1})[:20], text=text))

    def bonus_row(self, row, cells):
        code, text = self.code_and_text(row, cells)
        if not text:
            return
        points = self.points(row, cells, "points", required=False)
        if points is None:
            found = BONUS_IN_TEXT.search(unicodedata.normalize("NFKC", text))
            if not found:
                raise self.sheet.error(row, _("加分项没有分值"))
            points = Decimal(found.group(1))
            if not 0 < points < 1000 or points != points.quantize(Decimal("0.1")):
                raise self.sheet.error(row, _("加分项分值“%(value)s”无效") % {"value": found.group(1)})
        code = code or _("加%(n)d") % {"n": len(self.bonuses) + 1}
        self.bonuses.append(ParsedBonus(code=code[:20], text=text, points=points))

    def finish(self):
        if not self.items:
            raise StandardImportError(
                _("工作表“%(sheet)s”中没有读到考核项目。") % {"sheet": self.sheet.title},
                sheet=self.sheet.title, header_row=self.sheet.header_row, headers=self.sheet.headers,
                columns=_letters(self.col),
            )
        items = [item for row, value, item in self.items]
        numbers = [_whole_number(value) for row, value, item in self.items]
        if None in numbers or len(set(numbers)) != len(numbers):
            numbers = range(1, len(items) + 1)
            if "number" in self.col:
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
        if parsed.total_points != 100:
            self.warnings.append(_("考核项目合计%(total)s分，不是100分。") % {"total": points_text(parsed.total_points)})
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


def _is_signature(value):
    text = re.sub(r"\s+", "", _text(value))
    return len(text) <= 30 and bool(SIGNATURE.search(text))


def _whole_number(value):
    number = _decimal(value)
    if number is None or number <= 0 or number != number.to_integral_value():
        return None
    return int(number)


def split_area(text):
    """('组织建设', Decimal('20')) for '一、组织建设（20分）'; points None when not given."""
    text = AREA_NUMBERING.sub("", _text(text), count=1)
    points = None
    found = AREA_POINTS.search(text)
    if found:
        points = Decimal(found.group(1) or found.group(2))
        text = text[: found.start()]
    name = re.sub(r"\s+", "", text)
    return name, points
