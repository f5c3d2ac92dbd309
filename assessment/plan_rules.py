"""清单式推进: what an item of the standard asks to be done in a year, read from its text, and
how a shortfall is scored, read from its 评分标准. Pure functions, no database.

    suggest_duty("支部委员会每月至少召开1次，研究支部重要工作。")
        -> DutySuggestion(name="支部委员会", period=MONTH, per_period=1, unit="次")  # 12 a year
    suggest_rule("每少1次扣0.5分，扣完为止。", Decimal("2"))
        -> RuleSuggestion(kind=PER_MISSING, deduction=Decimal("0.5"), text="每少1次扣0.5分")

The schedule: a year is cut into periods (12 months, 4 quarters, 2 halves or the whole year);
each period asks for `per_period` (1 meeting a month, 4 activities a year, 24 学时 a year).
A period is due once it has ended: the current month is never missing, only still open.
Done in a period counts up to what the period asks (two meetings in March do not make up for
none in April); that sum is the figure a score is computed from.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")


class Period:
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


MONTHS_PER = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF: 6, Period.YEAR: 12}


class RuleKind:
    PER_MISSING = "per_missing"  # 每少1次扣N分（扣完为止）
    IF_NONE = "if_none"          # 未开展不得分 / 未讲党课扣1分: only when nothing was done
    IF_SHORT = "if_short"        # 学时不足扣1分 / 未按期考察不得分: when anything is missing
    MANUAL = "manual"            # the text gives no rule a count decides: no suggestion


UNITS = ("次", "件", "学时")

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
NUM = r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]+)"

# The rhythm words, the longer first; the value is the period they name.
PERIOD_WORDS = (
    ("每个月", Period.MONTH), ("每月", Period.MONTH), ("按月", Period.MONTH),
    ("每个季度", Period.QUARTER), ("每季度", Period.QUARTER), ("按季度", Period.QUARTER), ("每季", Period.QUARTER),
    ("每半年", Period.HALF), ("半年", Period.HALF),
    ("每年度", Period.YEAR), ("每年", Period.YEAR), ("全年", Period.YEAR), ("一年", Period.YEAR),
)
PERIOD_RE = re.compile("|".join(word for word, _ in PERIOD_WORDS))
PERIOD_OF = dict(PERIOD_WORDS)
AT_LEAST_RE = re.compile(r"(?:不少于|至少|不低于)" + NUM + r"(次|件|学时|天|个)")
TIMES_RE = re.compile(r"(?<![\d.])" + NUM + r"(次|件|学时)")
CLAUSE_RE = re.compile(r"[，,。；;：:！!？?]")

PER_MISSING_RE = re.compile(r"每(?:少|缺|减少)" + NUM + r"?(?:次|件|学时|个|项)?扣" + NUM + r"分")
EACH_TIME_RE = re.compile(r"未[^，,。；;]*?每次扣" + NUM + r"分")
SHORT_RE = re.compile(r"(?:不足|未按期|未按时|未达到)[^，,。；;]*?(不得分|扣" + NUM + r"分)")
NONE_RE = re.compile(r"(?:未开展|未召开|未举办|未组织|未述职|未讲党课|未讲|无记录|无活动记录)[^，,。；;]*?(不得分|扣" + NUM + r"分)")
NAME_STRIP_RE = re.compile(r"^(?:开展|召开|举办|进行)")
NAME_MAX = 20


def number(text):
    """"3" -> 3, "0.5" -> 0.5, "三" -> 3, "十二" -> 12 (as Decimal)."""
    if text is None:
        return None
    if text[0].isdigit():
        return Decimal(text)
    if len(text) == 1:
        return Decimal(CN_DIGITS[text])
    tens, _, ones = text.partition("十")
    return Decimal((CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0))


@dataclass(frozen=True)
class DutySuggestion:
    name: str
    period: str
    per_period: int
    unit: str

    @property
    def per_year(self):
        return self.per_period * periods_in_year(self.period)


@dataclass(frozen=True)
class RuleSuggestion:
    kind: str
    deduction: Decimal  # per missing one (PER_MISSING), else the whole deduction
    text: str           # the words of the criteria the rule was read from


def periods_in_year(period):
    return 12 // MONTHS_PER[period]


def _clauses(text):
    return [c.strip() for c in CLAUSE_RE.split(text or "") if c.strip()]


def _name(clause, content):
    """A short name for the duty: the clause without its rhythm and counting words."""
    name = PERIOD_RE.sub("", clause)
    name = AT_LEAST_RE.sub("", name)
    name = re.sub(r"(?:至少|固定)?(?:召开|开展|考察|参加|组织)?" + NUM + r"(?:次|件|学时|天)", "", name)
    name = NAME_STRIP_RE.sub("", name.replace("至少", "").strip())
    if len(name) < 2:
        first = _clauses(content)
        name = first[0] if first else content
    return name[:NAME_MAX]


def suggest_duty(content):
    """What the item's text asks for in a year, or None if it counts nothing over time."""
    clauses = _clauses(content)
    # A number of 学时 is a year's total wherever it stands ("每年参加培训不少于1次，累计不少于24学时").
    for clause in reversed(clauses):
        for match in reversed(list(AT_LEAST_RE.finditer(clause))):
            if match.group(2) == "学时":
                return DutySuggestion(_name(_clause_with_period(clauses) or clause, content), Period.YEAR,
                                      int(number(match.group(1))), "学时")
    for clause in clauses:
        found = PERIOD_RE.search(clause)
        if not found:
            continue
        period = PERIOD_OF[found.group(0)]
        rest = clause[found.end():]
        count = AT_LEAST_RE.search(rest) or TIMES_RE.search(rest)
        per_period, unit = 1, "次"
        if count:
            per_period = int(number(count.group(1)))
            unit = count.group(2) if count.group(2) in UNITS else "次"
        if per_period < 1:
            continue
        return DutySuggestion(_name(clause, content), period, per_period, unit)
    # "不少于3件" without a rhythm word: a year's total.
    for clause in clauses:
        match = AT_LEAST_RE.search(clause)
        if match and match.group(2) in UNITS:
            return DutySuggestion(_name(clause, content), Period.YEAR, int(number(match.group(1))), match.group(2))
    return None


def _clause_with_period(clauses):
    return next((c for c in clauses if PERIOD_RE.search(c)), None)


def suggest_rule(criteria, points):
    """How the item's criteria score a shortfall of the count, or MANUAL if they do not say."""
    points = Decimal(points)
    for clause in _clauses(criteria):
        match = PER_MISSING_RE.search(clause)
        if match:
            per = number(match.group(1)) or Decimal(1)
            return RuleSuggestion(RuleKind.PER_MISSING, number(match.group(2)) / per, match.group(0))
        match = EACH_TIME_RE.search(clause)
        if match:
            return RuleSuggestion(RuleKind.PER_MISSING, number(match.group(1)), match.group(0))
        for regex, kind in ((SHORT_RE, RuleKind.IF_SHORT), (NONE_RE, RuleKind.IF_NONE)):
            match = regex.search(clause)
            if match:
                deduction = points if match.group(1) == "不得分" else min(points, number(match.group(2)))
                return RuleSuggestion(kind, deduction, match.group(0))
    return RuleSuggestion(RuleKind.MANUAL, ZERO, "")


# --- The schedule ------------------------------------------------------------


def period_of_month(period, month):
    """The index (0-based) of the period that holds `month` (1..12)."""
    return (month - 1) // MONTHS_PER[period]


def periods_ended(period, year, today):
    """How many of the year's periods have ended by `today`."""
    if today.year > year:
        return periods_in_year(period)
    if today.year < year:
        return 0
    return (today.month - 1) // MONTHS_PER[period]


@dataclass
class Tally:
    """One branch's one duty in one year, from its counts per month."""

    per_year: int
    credited: int          # done, each period counted up to what it asks
    due: int               # asked by the periods that have ended
    done_due: int          # credited within the ended periods
    open_needed: int       # still needed in the current (open) period
    overdue_months: list   # the last month of every ended period that fell short
    months: list           # per month: (count, state) with state done / missing / open / none

    @property
    def missing(self):
        """Short by the periods that have ended: what the township sees as behind."""
        return self.due - self.done_due

    @property
    def year_missing(self):
        """Short of the whole year's number (the figure a score is computed from)."""
        return self.per_year - self.credited


def tally(period, per_period, year, today, counts):
    """`counts` is a list of 12 numbers (done per month). See Tally."""
    step = MONTHS_PER[period]
    ended = periods_ended(period, year, today)
    credited = due = done_due = open_needed = 0
    overdue, states = [], []
    for index in range(12 // step):
        months = counts[index * step:(index + 1) * step]
        got = min(sum(months), per_period)
        credited += got
        is_ended = index < ended
        is_open = not is_ended and today.year == year and index == period_of_month(period, today.month)
        if is_ended:
            due += per_period
            done_due += got
            if got < per_period:
                overdue.append(index * step + step)
        elif is_open:
            open_needed = per_period - got
        for offset, count in enumerate(months):
            last = offset == step - 1
            if count:
                state = "done"
            elif is_ended and last and got < per_period:
                state = "missing"
            elif is_ended:
                state = "none"
            else:
                state = "open" if is_open else "future"
            states.append((count, state))
    return Tally(per_period * (12 // step), credited, due, done_due, open_needed, overdue, states)


def suggested_score(kind, deduction, points, per_year, credited):
    """The score the record suggests, or None when the rule is MANUAL."""
    points = Decimal(points)
    missing = max(0, per_year - credited)
    if kind == RuleKind.PER_MISSING:
        score = points - deduction * missing
    elif kind == RuleKind.IF_NONE:
        score = points - deduction if credited == 0 else points
    elif kind == RuleKind.IF_SHORT:
        score = points - deduction if missing else points
    else:
        return None
    score = max(ZERO, min(points, score))
    # Scores go in steps of 0.5: round a deduction's odd remainder down, as an assessor would.
    return (score * 2).to_integral_value(rounding="ROUND_FLOOR") / 2
