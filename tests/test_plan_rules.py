"""清单式推进: what each item of the township's standard asks for in a year, the score rule read
from its criteria, what is due by a date, and the suggested score (assessment.plan_rules)."""

import datetime
from decimal import Decimal as D

import pytest

from assessment.importers import read_standard
from assessment.plan_rules import (
    Period, RuleKind, number, suggest_duty, suggest_rule, suggested_score, tally,
)
from tests import xlsx_factory as xf

ITEMS = {item.number: item for item in read_standard(xf.REAL_FILE).items}

# Every item of 化峪镇's standard that counts something done through the year:
# number -> (name, period, per period, unit, a year, rule, deduction, the words of the rule).
COUNTING = {
    9: ("支部书记讲党课", Period.YEAR, 1, "次", 1, RuleKind.IF_NONE, D("1"), "未讲党课扣1分"),
    10: ("支委成员参加集中培训", Period.YEAR, 24, "学时", 24, RuleKind.MANUAL, D("0"), ""),
    15: ("支部书记向镇党委述职并接受评议", Period.YEAR, 1, "次", 1, RuleKind.IF_NONE, D("1"), "未述职不得分"),
    16: ("党员集中学习培训", Period.YEAR, 32, "学时", 32, RuleKind.IF_SHORT, D("1"), "不足扣1分"),
    20: ("确定入党积极分子并落实培养联系人", Period.HALF, 1, "次", 2, RuleKind.IF_SHORT, D("1"), "未按期考察不得分"),
    21: ("流动党员参加组织生活", Period.YEAR, 2, "次", 2, RuleKind.IF_SHORT, D("1"), "不足扣1分"),
    25: ("支部党员大会", Period.QUARTER, 1, "次", 4, RuleKind.PER_MISSING, D("0.5"), "每少1次扣0.5分"),
    26: ("支部委员会", Period.MONTH, 1, "次", 12, RuleKind.PER_MISSING, D("0.5"), "每少1次扣0.5分"),
    27: ("党小组会", Period.MONTH, 1, "次", 12, RuleKind.PER_MISSING, D("0.5"), "每少1次扣0.5分"),
    28: ("党课", Period.QUARTER, 1, "次", 4, RuleKind.PER_MISSING, D("0.5"), "每少1次扣0.5分"),
    29: ("主题党日活动", Period.MONTH, 1, "次", 12, RuleKind.PER_MISSING, D("0.5"), "每少1次扣0.5分"),
    30: ("组织生活会", Period.YEAR, 1, "次", 1, RuleKind.IF_NONE, D("2"), "未召开不得分"),
    31: ("民主评议党员", Period.YEAR, 1, "次", 1, RuleKind.IF_NONE, D("2"), "未开展不得分"),
    32: ("支部书记与支委、支委与党员谈心谈话全覆盖", Period.YEAR, 1, "次", 1, RuleKind.IF_NONE, D("1"), "无记录不得分"),
    39: ("公开并及时更新", Period.QUARTER, 1, "次", 4, RuleKind.PER_MISSING, D("0.5"), "未按季度公开每次扣0.5分"),
    52: ("确定并完成为民办实事项目", Period.YEAR, 3, "件", 3, RuleKind.PER_MISSING, D("1"), "每少1件扣1分"),
    56: ("志愿服务", Period.YEAR, 4, "次", 4, RuleKind.PER_MISSING, D("0.5"), "每少1次扣0.5分"),
}


@pytest.mark.parametrize("number", sorted(ITEMS))
def test_every_item_of_the_township_standard(number):
    item = ITEMS[number]
    duty = suggest_duty(item.content)
    if number not in COUNTING:
        assert duty is None, f"第{number}项不计次数：{item.content}"
        return
    name, period, per_period, unit, per_year, kind, deduction, text = COUNTING[number]
    assert (duty.name, duty.period, duty.per_period, duty.unit, duty.per_year) == (name, period, per_period, unit, per_year)
    rule = suggest_rule(item.criteria, item.points)
    assert (rule.kind, rule.deduction, rule.text) == (kind, deduction, text)


def test_the_standard_has_seventeen_counting_items():
    """The issue guessed 19; item by item the standard has 17 (the COUNTING table above): each
    names a rhythm (每月, 每季度, 每半年, 每年) or a year's number (不少于3件, 24学时) of things done.
    Checked and left out, because they count no act done through the year:
    5 (每个党小组不少于3名党员: the size of a group), 8 (年度述职评议等次: a grade given once, the
    act itself is item 15), 11 (至少储备2名后备力量: people on a list), 35 (面积不少于200平方米: a
    room's area); 23 走访慰问, 33 政治生日, 40 定期组织收看, 42 年初计划、年底总结 and 54 乡风文明活动
    name neither a rhythm nor a number, so a count cannot decide their score; the rest are states
    (档案, 台账, 标识) or deductions per fault found (每处, 每人), not things to be done N times."""
    found = sorted(number for number, item in ITEMS.items() if suggest_duty(item.content))
    assert found == sorted(COUNTING)
    assert len(found) == 17
    for number in (5, 8, 11, 35):
        assert suggest_duty(ITEMS[number].content) is None, ITEMS[number].content


@pytest.mark.parametrize("text, expected", [
    ("每月召开两次支委会", (Period.MONTH, 2, "次", 24)),
    ("党小组每个月至少开展一次学习", (Period.MONTH, 1, "次", 12)),
    ("每季度至少召开1次党员大会", (Period.QUARTER, 1, "次", 4)),
    ("按季度召开党员大会", (Period.QUARTER, 1, "次", 4)),
    ("入党积极分子每半年考察一次", (Period.HALF, 1, "次", 2)),
    ("全年开展志愿服务不少于六次", (Period.YEAR, 6, "次", 6)),
    ("为群众办实事不少于5件", (Period.YEAR, 5, "件", 5)),
    ("党员年度学习累计不少于十二学时", (Period.YEAR, 12, "学时", 12)),
    ("每年至少召开1次组织生活会", (Period.YEAR, 1, "次", 1)),
    ("每月至少开展3次走访", (Period.MONTH, 3, "次", 36)),
])
def test_other_layouts(text, expected):
    duty = suggest_duty(text)
    assert (duty.period, duty.per_period, duty.unit, duty.per_year) == expected


@pytest.mark.parametrize("text", [
    "每个党小组不少于3名党员", "党群服务中心面积不少于200平方米", "班子团结协作", "", "每村至少储备2名后备力量",
])
def test_texts_that_count_nothing(text):
    assert suggest_duty(text) is None


@pytest.mark.parametrize("criteria, points, expected", [
    ("每少1次扣0.5分，扣完为止。", 2, (RuleKind.PER_MISSING, D("0.5"))),
    ("每少2次扣1分", 2, (RuleKind.PER_MISSING, D("0.5"))),
    ("每缺一次扣1分，扣完为止", 3, (RuleKind.PER_MISSING, D("1"))),
    ("每少1件扣1分，扣完为止。", 2, (RuleKind.PER_MISSING, D("1"))),
    ("未开展不得分。", 2, (RuleKind.IF_NONE, D("2"))),
    ("未召开不得分；程序缺项每项扣0.5分。", 2, (RuleKind.IF_NONE, D("2"))),
    ("未开展扣1分", 2, (RuleKind.IF_NONE, D("1"))),
    ("学时不足扣1分", 2, (RuleKind.IF_SHORT, D("1"))),
    ("未按期考察不得分", 1, (RuleKind.IF_SHORT, D("1"))),
    ("记录不规范扣1分", 2, (RuleKind.MANUAL, D("0"))),
])
def test_rules(criteria, points, expected):
    rule = suggest_rule(criteria, D(points))
    assert (rule.kind, rule.deduction) == expected


@pytest.mark.parametrize("kind, deduction, points, per_year, credited, expected", [
    # 每少1次扣0.5分，扣完为止
    (RuleKind.PER_MISSING, D("0.5"), 2, 12, 12, D("2")),
    (RuleKind.PER_MISSING, D("0.5"), 2, 12, 10, D("1")),
    (RuleKind.PER_MISSING, D("0.5"), 2, 12, 9, D("0.5")),
    (RuleKind.PER_MISSING, D("0.5"), 2, 12, 8, D("0")),
    (RuleKind.PER_MISSING, D("0.5"), 2, 12, 0, D("0")),  # 扣完为止: never below 0
    (RuleKind.PER_MISSING, D("1"), 2, 3, 2, D("1")),
    (RuleKind.PER_MISSING, D("0.25"), 2, 12, 11, D("1.5")),  # 1.75 in steps of 0.5
    # 未开展不得分
    (RuleKind.IF_NONE, D("2"), 2, 1, 0, D("0")),
    (RuleKind.IF_NONE, D("2"), 2, 1, 1, D("2")),
    (RuleKind.IF_NONE, D("1"), 2, 1, 0, D("1")),
    # 不足扣1分
    (RuleKind.IF_SHORT, D("1"), 2, 32, 31, D("1")),
    (RuleKind.IF_SHORT, D("1"), 2, 32, 32, D("2")),
    (RuleKind.IF_SHORT, D("1"), 1, 2, 0, D("0")),
])
def test_suggested_score(kind, deduction, points, per_year, credited, expected):
    assert suggested_score(kind, deduction, D(points), per_year, credited) == expected


def test_manual_rule_suggests_nothing():
    assert suggested_score(RuleKind.MANUAL, D("0"), D("2"), 24, 10) is None


def test_chinese_numbers():
    assert [number(t) for t in ("一", "两", "十", "十二", "二十四", "3", "0.5")] == [1, 2, 10, 12, 24, 3, D("0.5")]


def months(*done):
    counts = [0] * 12
    for month in done:
        counts[month - 1] += 1
    return counts


def test_due_by_a_date_months_not_yet_due_are_not_missing():
    # 支委会 held in Jan..Sep except May; on 1 Dec: Jan..Nov are due (11), 8 done.
    t = tally(Period.MONTH, 1, 2026, datetime.date(2026, 12, 1), months(1, 2, 3, 4, 6, 7, 8, 9))
    assert (t.due, t.done_due, t.missing, t.open_needed) == (11, 8, 3, 1)
    assert t.overdue_months == [5, 10, 11]
    assert [state for _, state in t.months] == ["done"] * 4 + ["missing"] + ["done"] * 4 + ["missing", "missing", "open"]
    assert t.year_missing == 4


def test_the_current_month_is_open_not_missing():
    t = tally(Period.MONTH, 1, 2026, datetime.date(2026, 3, 15), months(1, 2))
    assert (t.due, t.missing, t.open_needed) == (2, 0, 1)
    assert [state for _, state in t.months][2:4] == ["open", "future"]


def test_two_in_one_month_do_not_make_up_for_another():
    t = tally(Period.MONTH, 1, 2026, datetime.date(2027, 1, 5), months(1, 1, 3))
    assert (t.credited, t.missing, t.year_missing) == (2, 10, 10)


def test_quarters_are_missing_on_their_last_month_only():
    t = tally(Period.QUARTER, 1, 2026, datetime.date(2026, 7, 1), months(2))
    assert (t.due, t.missing, t.overdue_months) == (2, 1, [6])
    assert [state for _, state in t.months][:6] == ["none", "done", "none", "none", "none", "missing"]


def test_a_year_duty_is_due_only_when_the_year_has_ended():
    during = tally(Period.YEAR, 4, 2026, datetime.date(2026, 11, 30), months(3))
    after = tally(Period.YEAR, 4, 2026, datetime.date(2027, 1, 1), months(3))
    assert (during.due, during.missing, during.open_needed) == (0, 0, 3)
    assert (after.due, after.missing) == (4, 3)


def test_a_future_year_is_not_due():
    t = tally(Period.MONTH, 1, 2027, datetime.date(2026, 12, 1), months())
    assert (t.due, t.missing) == (0, 0)
