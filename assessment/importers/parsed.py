"""What the importer hands on: a standard as plain dataclasses, and the one error it raises."""

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _


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
    warnings: list = field(default_factory=list)  # what was assumed, said to the user
    file_kind: str = ""  # xlsx, xls or docx

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
