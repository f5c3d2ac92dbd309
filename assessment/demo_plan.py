"""The demo's year of records (清单式推进) for seed_demo: the duties adopted from the standard's
text, 2025 complete for comparison, 2026 up to today — most branches regular, a few behind in a
way the township's grid shows at a glance. Idempotent: a township that has records keeps them."""

import datetime

from assessment.models import Duty, Record, Role, User
from assessment.plan_rules import MONTHS_PER, Period
from assessment.services.plan import duties_adopt_suggestions

# Branch -> how it falls behind: "stopped" (nothing monthly since July), "patchy" (every other
# month), "no_quarterly" (no 党员大会 or 党课 this year).
BEHIND = {"张开西村": "stopped", "坡底村": "patchy", "仁和村": "no_quarterly"}
HOURS_A_SESSION = 4


def _months(duty):
    """(month, quantity) of a regular branch's records for `duty` over a year."""
    step = MONTHS_PER[duty.period]
    if duty.period != Period.YEAR:
        return [(start + step - 1 if step > 1 else start, 1)
                for start in range(1, 13, step) for _ in range(duty.per_period)]
    if duty.unit == "学时":
        sessions = -(-duty.per_period // HOURS_A_SESSION)
        return [(2 + (10 * k) // sessions, HOURS_A_SESSION) for k in range(sessions)]
    return [(1 + (12 * k + 6) // duty.per_period if duty.per_period > 1 else 11, 1) for k in range(duty.per_period)]


def _keeps(how, duty, month):
    if how == "stopped":
        return duty.period != Period.MONTH or month < 7
    if how == "patchy":
        return duty.period != Period.MONTH or month % 2 == 1
    if how == "no_quarterly":
        return duty.period != Period.QUARTER
    return True


def seed_plan(township, standard, branches, admin, today=None):
    today = today or datetime.date.today()
    duties_adopt_suggestions(standard=standard, actor=admin)
    if Record.objects.filter(branch__township=township).exists():
        return 0
    duties = list(Duty.objects.filter(item__standard=standard).select_related("item").order_by("item__number"))
    secretaries = {u.branch_id: u for u in User.objects.filter(role=Role.SECRETARY, branch__in=branches)}
    records = []
    for index, branch in enumerate(branches):
        author = secretaries.get(branch.pk) or admin
        for year in (2025, 2026):
            how = BEHIND.get(branch.name) if year == 2026 else None
            for duty in duties:
                for number, (month, quantity) in enumerate(_months(duty)):
                    date = datetime.date(year, month, min(28, 3 + (index * 3 + number) % 25))
                    if date > today or not _keeps(how, duty, month):
                        continue
                    records.append(Record(
                        branch=branch, duty=duty, date=date, year=year, month=month, quantity=quantity,
                        topic=f"{month}月{duty.name}", attended=max(branch.members - (index + month) % 4, 0),
                        expected=branch.members, created_by=author,
                    ))
    Record.objects.bulk_create(records, batch_size=1000)
    return len(records)
