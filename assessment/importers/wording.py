"""What the words in a standard's cells say: area headings and their points, points written in
an item's text, numbering, totals, notes, signature and fill-in lines, veto and bonus headings,
grade bands written as a sentence."""

import re
import unicodedata
from decimal import Decimal

from assessment.models import Grade

from .grid import text as cell_text

NUMBER = r"(\d+(?:\.\d+)?)"
CN_NUMERALS = "一二三四五六七八九十"
AREA_NUMBERING = re.compile(
    r"^\s*(?:[" + CN_NUMERALS + r"]+\s*[、.．]|[（(][" + CN_NUMERALS + r"\d]+[）)]|\d+\s*[、.．](?!\d))\s*"
)
# 组织建设（20分） · 组织建设 20分 · 好的班子【16分】 (︻16分︼ read vertically) · 队伍建设标准化12分
AREA_POINTS = re.compile(
    r"[（(【〔\[]\s*" + NUMBER + r"\s*分\s*[）)】〕\]]\s*$|\s" + NUMBER + r"\s*分\s*$|(?<=[\u4e00-\u9fff])"
    + NUMBER + r"\s*分\s*$"
)
# 班子健全（4分）, as written (full-width digits too)
TEXT_POINTS = re.compile(r"[（(【〔\[︻]\s*([0-9０-９]+(?:[.．][0-9０-９]+)?)\s*分\s*[）)】〕\]︼]")
ITEM_NUMBERING = re.compile(r"^\s*(?:(\d+)\s*[、.．](?!\d)|[（(](\d+)[）)]|([\u2460-\u2473]))\s*")
TOTAL_ROW = re.compile(r"^(合\s*计|总\s*计|小\s*计|总\s*分)")
NOTE_ROW = re.compile(r"^(注|说明|备注|附件\s*\d*)\s*([:：]|$)")
SIGNATURE = re.compile(r"签字|签名|盖章|^(考核人|考评人|考核组|检查人|审核人|负责人|填表人|填报人|日期|考核日期)\s*[:：]?")
FILL_IN_LABEL = re.compile(r"[\u4e00-\u9fff()]{2,12}:")
VETO_HEADING = re.compile(r"^([一二三四五六七八九十\d]+\s*[、.．]\s*)?(一票否决|否决事项|否决项)")
BONUS_HEADING = re.compile(r"^([一二三四五六七八九十\d]+\s*[、.．]\s*)?加分(项|项目|事项|内容)?")
BONUS_CAP = re.compile(r"(?:不超过|不得超过|最高|最多|上限为?|封顶)\s*加?\s*" + NUMBER + r"\s*分")
BONUS_IN_TEXT = re.compile(r"加\s*" + NUMBER + r"\s*分")
GRADE_WORD = re.compile(r"(?<![不基])(优秀|良好|合格)")
GRADE_WORDS = {"优秀": Grade.EXCELLENT.value, "良好": Grade.GOOD.value, "合格": Grade.PASS.value}


def normal(value):
    """NFKC: full-width digits and brackets as ASCII, the vertical ︻ ︼ as 【 】."""
    return unicodedata.normalize("NFKC", cell_text(value))


def unstack(value):
    """好的班子︻16分︼ for a cell written vertically, one character a line."""
    lines = [line for line in cell_text(value).split("\n") if line]
    if len(lines) >= 3 and sum(len(line) <= 1 for line in lines) >= len(lines) - 1:
        return "".join(lines)
    return cell_text(value)


def split_area(value):
    """('组织建设', Decimal('20')) for '一、组织建设（20分）'; points None when not given."""
    found_text = AREA_NUMBERING.sub("", normal(unstack(value)), count=1)
    points = None
    found = AREA_POINTS.search(found_text)
    if found:
        points = Decimal(next(group for group in found.groups() if group))
        found_text = found_text[: found.start()]
    return re.sub(r"\s+", "", found_text), points


def take_points(value):
    """('班子健全', Decimal('4')) for '班子健全（4分）'; (value, None) when it holds no such points."""
    raw = cell_text(value)
    found = TEXT_POINTS.search(raw)
    if not found:
        return raw, None
    return (raw[: found.start()] + raw[found.end():]).strip(), Decimal(unicodedata.normalize("NFKC", found.group(1)))


def take_numbering(value):
    """(3, '班子健全') for '3、班子健全', '(3)班子健全', '③班子健全'; (None, value) otherwise,
    and for a text that is itself a numbered list (1、… 2、…)."""
    raw = cell_text(value)
    found = ITEM_NUMBERING.match(raw)
    if not found or re.search(r"\n\s*(?:2\s*[、.．]|[（(]2[）)]|②)", raw):
        return None, raw
    digits, bracketed, circled = found.groups()
    number = int(digits or bracketed) if (digits or bracketed) else ord(circled) - 0x2460 + 1
    return number, raw[found.end():].strip()


def is_signature(value):
    found = re.sub(r"\s+", "", cell_text(value))
    return len(found) <= 30 and bool(SIGNATURE.search(found))


def is_fill_in(value):
    """填报单位（盖章）：…  填报时间：  年  月  日 · 党组织名称：  验收时间： — a line left to be filled in."""
    found = normal(value)
    if not FILL_IN_LABEL.search(found):
        return False
    rest = FILL_IN_LABEL.sub("", found)
    return re.sub(r"[\s_.…·年月日—\-]", "", rest) == ""


def read_bands(value):
    """[(grade, minimum)], best first, from a sentence such as 90分以上为优秀，80—89分为良好，60—79分为合格，
    60分以下为不合格 or 优秀：90分以上；良好：80分以上; [] when it names fewer than two grades."""
    found = {}
    clauses = re.split(r"[，,；;。:\n]", normal(value))
    for index, clause in enumerate(clauses):
        words = set(GRADE_WORD.findall(clause))
        if len(words) != 1:
            continue  # no grade, or a list of them (分为优秀、良好、合格、不合格四个等次)
        number = re.search(NUMBER, clause)
        following = clauses[index + 1] if index + 1 < len(clauses) else ""
        if not number and not GRADE_WORD.search(following):
            number = re.search(NUMBER, following)  # 优秀：90分以上
        if number:
            found.setdefault(GRADE_WORDS[words.pop()], Decimal(number.group(1)))
    if len(found) < 2:
        return []
    return sorted(found.items(), key=lambda band: band[1], reverse=True)
