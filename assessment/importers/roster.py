"""Reading an office's roster (党组织花名册) from .xlsx or .xls into plain rows.

The same readers as a standard (one Grid per sheet), then a roster's own header finding:
乡镇 | 党支部名称 | 类型 | 党员人数 | 示范点 | 支部书记 | 联系电话, in any order, the header
lower down under a title, the township merged down over its branches (or written once and
left blank below), a 合计 row, phone numbers Excel stored as numbers, full-width digits.

Nothing here touches the database: `read_roster` returns a ParsedRoster or raises
StandardImportError naming the sheet, row and column."""

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from assessment.models import BranchKind

from . import xls, xlsx
from .files import file_kind, read_bytes
from .grid import label, text
from .header import letters, overlay_mapping
from .parsed import StandardImportError
from .wording import TOTAL_ROW

READERS = {"xlsx": xlsx.read_grids, "xls": xls.read_grids}
HEADER_SCAN_ROWS = 40
FIELDS = ("township", "branch", "kind", "members", "demonstration", "secretary", "phone")
REQUIRED_FIELDS = ("branch",)
SYNONYMS = {  # header names, best first
    "township": ("乡镇", "乡镇名称", "所属乡镇", "乡镇（街道）", "乡镇街道", "街道", "镇"),
    "branch": ("党支部名称", "党支部", "支部名称", "党组织名称", "基层党组织名称", "支部", "党组织"),
    "kind": ("类型", "支部类型", "党组织类型", "党支部类型", "类别", "所属领域", "领域"),
    "members": ("党员人数", "党员数", "党员数量", "人数", "党员总数"),
    "demonstration": ("示范点", "是否示范点", "示范", "是否为示范点", "示范党支部"),
    "secretary": ("支部书记", "党支部书记", "书记", "书记姓名", "支部书记姓名", "负责人"),
    "phone": ("联系电话", "电话", "手机", "手机号码", "联系方式", "书记电话", "电话号码"),
}
KINDS = (  # a word in the 类型 text (or, with no 类型, in the name) and the kind it means
    ("社区", BranchKind.COMMUNITY), ("机关", BranchKind.ORGAN), ("学校", BranchKind.SCHOOL),
    ("教育", BranchKind.SCHOOL), ("中学", BranchKind.SCHOOL), ("小学", BranchKind.SCHOOL),
    ("企业", BranchKind.ENTERPRISE), ("公司", BranchKind.ENTERPRISE), ("农村", BranchKind.RURAL),
    ("村", BranchKind.RURAL), ("其他", BranchKind.OTHER), ("其它", BranchKind.OTHER),
)
YES = {"是", "√", "✓", "✔", "★", "☆", "●", "示范点", "示范", "y", "yes", "1", "是（示范点）"}
NO = {"否", "不是", "×", "n", "no", "0", "-", "—", "无"}
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
TITLE_TOWNSHIP = re.compile(r"([\u4e00-\u9fff]{2,9}?(?:镇|乡|街道))(?![镇乡])")
COUNTY_PREFIX = re.compile(r"^.*[省市县区]")  # 稷山县化峪镇 → 化峪镇


def field_labels():
    return {
        "township": _("乡镇"), "branch": _("党支部名称"), "kind": _("类型"), "members": _("党员人数"),
        "demonstration": _("示范点"), "secretary": _("支部书记"), "phone": _("联系电话"),
    }


@dataclass
class RosterRow:
    row: int  # where it is in the file
    township: str
    branch: str
    kind: str
    members: int
    demonstration: bool
    secretary: str
    phone: str


@dataclass
class ParsedRoster:
    rows: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    sheet: str = ""
    header_row: int = 0
    headers: dict = field(default_factory=dict)  # column letter -> header text
    columns: dict = field(default_factory=dict)  # field -> column letter
    filename: str = ""
    title_township: str = ""  # 化峪镇 from a title 化峪镇党组织花名册, for a roster without a 乡镇 column

    def townships(self):
        return sorted({row.township for row in self.rows})

    def to_json(self):
        return {**asdict(self), "rows": [asdict(row) for row in self.rows]}

    @classmethod
    def from_json(cls, data):
        data = dict(data)
        rows = [RosterRow(**row) for row in data.pop("rows")]
        return cls(rows=rows, **data)


def read_roster(source, *, filename="", mapping=None, township=""):
    """Read `source` (a path, bytes or a binary file) into a ParsedRoster.

    mapping: {field: column letter or ''} laid over the columns found; township: the township
    of rows that name none (a township admin's own), when the file has no 乡镇 column."""
    if isinstance(source, (str, Path)) and not filename:
        filename = Path(source).name
    data = read_bytes(source)
    kind = file_kind(data)
    if kind not in READERS:
        raise StandardImportError(_("花名册须是Excel文件（.xlsx或.xls）。"))
    grids = READERS[kind](data, filename)
    grid, row, columns = _find_header(grids)
    headers = {get_column_letter(c): re.sub(r"\s+", "", text(cell.value)) for c, cell in grid.cells(row).items()}
    where = {"sheet": grid.title, "header_row": row, "headers": headers}
    columns = overlay_mapping(columns, mapping, FIELDS, field_labels(), where)
    labels = field_labels()
    if "branch" not in columns:
        raise StandardImportError(
            _("%(place)s的表头中找不到“%(field)s”列，请指定各列对应的内容。")
            % {"place": grid.where(row), "field": labels["branch"]}, **where, columns=letters(columns),
        )
    parsed = ParsedRoster(sheet=grid.title, header_row=row, headers=headers, columns=letters(columns),
                          filename=filename[:255])
    parsed.title_township = _title_township(grid, row)
    default_township = township or parsed.title_township
    if "township" not in columns and not default_township:
        raise StandardImportError(
            _("%(place)s：花名册没有“乡镇”列，标题中也没有乡镇名称，请指定乡镇所在的列。") % {"place": grid.where(row)},
            **where, columns=letters(columns),
        )
    RowReader(grid, columns, parsed, default_township, where).read(row)
    if not parsed.rows:
        raise StandardImportError(_("%(place)s以下没有党支部。") % {"place": grid.where(row)}, **where,
                                  columns=letters(columns))
    return parsed


class RowReader:
    def __init__(self, grid, columns, parsed, default_township, where):
        self.grid, self.columns, self.parsed, self.where = grid, columns, parsed, where
        self.township = default_township
        self.seen = {}

    def value(self, number, key):
        """The text of a field on a row; a merged cell gives its value to every cell it covers."""
        column = self.columns.get(key)
        if column is None:
            return ""
        cell = self.grid.cells(number).get(column)
        if cell is None:
            span = self.grid.merge_at(number, column)
            if span:
                cell = self.grid.cells(span[0]).get(span[2])
        return "" if cell is None else unicodedata.normalize("NFKC", text(cell.value)).strip()

    def fail(self, number, key, message):
        raise StandardImportError(
            _("%(place)s：%(message)s") % {"place": self.grid.where(number, self.columns[key]), "message": message},
            **self.where, columns=letters(self.columns),
        )

    def read(self, header_row):
        for number in sorted(self.grid.rows):
            if number <= header_row:
                continue
            texts = [unicodedata.normalize("NFKC", text(cell.value)) for cell in self.grid.cells(number).values()]
            if any(TOTAL_ROW.match(re.sub(r"\s+", "", value)) for value in texts[:3]):
                continue  # 合计 / 小计
            township = self.value(number, "township")
            name = re.sub(r"\s+", "", self.value(number, "branch"))
            if township:
                self.township = re.sub(r"\s+", "", township)
            if not name:
                continue  # a township's heading row, a blank row, a note
            if name.isdigit() or TOTAL_ROW.match(name):
                continue
            self.row(number, name)

    def row(self, number, name):
        if not self.township:
            self.fail(number, "branch", _("党支部“%(name)s”不知属于哪个乡镇，请填写乡镇。") % {"name": name})
        if len(name) > 100:
            self.fail(number, "branch", _("党支部名称超过100字。"))
        key = (self.township, name)
        if key in self.seen:
            self.fail(number, "branch", _("党支部“%(name)s”与第%(row)d行重复。") % {"name": name, "row": self.seen[key]})
        self.seen[key] = number
        self.parsed.rows.append(RosterRow(
            row=number, township=self.township[:100], branch=name, kind=self.kind(number, name),
            members=self.members(number), demonstration=self.demonstration(number),
            secretary=re.sub(r"\s+", "", self.value(number, "secretary"))[:50], phone=self.phone(number),
        ))

    def kind(self, number, name):
        written = self.value(number, "kind")
        for source in (written,) if written else (name,):
            for word, kind in KINDS:
                if word in source:
                    return kind.value
            for kind in BranchKind:
                if source == kind.label:
                    return kind.value
        if written:
            self.fail(number, "kind", _("类型“%(kind)s”无法识别，应为：%(kinds)s。") % {
                "kind": written, "kinds": "、".join(str(kind.label) for kind in BranchKind)})
        return BranchKind.OTHER.value

    def members(self, number):
        written = self.value(number, "members").removesuffix("人").strip()
        if not written:
            return 0
        if not re.fullmatch(r"\d{1,5}", written):
            self.fail(number, "members", _("党员人数“%(value)s”不是整数。") % {"value": written})
        return int(written)

    def demonstration(self, number):
        written = self.value(number, "demonstration").lower()
        if not written or written in NO:
            return False
        if written in YES or "示范" in written:
            return True
        self.fail(number, "demonstration", _("示范点一栏“%(value)s”应填“是”或“否”。") % {"value": written})

    def phone(self, number):
        written = re.sub(r"[\s()（）]", "", self.value(number, "phone")).replace("—", "-").replace("－", "-")
        if written.endswith(".0"):
            written = written[:-2]
        if written.startswith("+86"):
            written = written[3:]
        if not written:
            return ""
        if not PHONE.match(written):
            self.fail(number, "phone", _("联系电话“%(value)s”不是手机号码或固定电话号码。") % {"value": written})
        return written


def _title_township(grid, header_row):
    for number in sorted(grid.rows):
        if number >= header_row:
            break
        for cell in grid.cells(number).values():
            found = TITLE_TOWNSHIP.search(unicodedata.normalize("NFKC", text(cell.value)))
            if found and "乡镇" not in found.group(1):  # 按乡镇排列 names none
                return COUNTY_PREFIX.sub("", found.group(1)) or found.group(1)
    return ""


def _matches(name):
    """[(rank, field)] for a header label, best first."""
    found = [(words.index(name), key) for key, words in SYNONYMS.items() if name in words]
    if not found:
        for key, words in SYNONYMS.items():
            prefix = max((len(word) for word in words if name.startswith(word)), default=0)
            if prefix:
                found.append((100 - prefix, key))
    return sorted(found)


def _columns(cells):
    """{field: column index} of a row of cells."""
    candidates = []
    for column, cell in cells.items():
        if isinstance(cell.value, str):
            for rank, key in _matches(label(cell.value)):
                candidates.append((rank, column, key))
    columns = {}
    for rank, column, key in sorted(candidates):
        if key not in columns and column not in columns.values():
            columns[key] = column
    return columns


def _find_header(grids):
    best = None
    for grid in grids:
        for number in sorted(grid.rows)[:HEADER_SCAN_ROWS]:
            columns = _columns(grid.cells(number))
            score = ("branch" in columns, len(columns))  # without 党支部名称 too: the admin maps it
            if len(columns) >= 2 and (best is None or score > best[0]):
                best = (score, grid, number, columns)
    if best is None:
        raise StandardImportError(
            _("未找到表头：没有一个工作表含有“党支部名称”“支部书记”等列名的标题行，请检查文件是否为党组织花名册。")
        )
    return best[1:]


