"""The assessor on a phone (390 px): the schedule shows them their branch first, 下一未评项 in the
sticky bar goes to the next unscored item, 本方面全部满分 (after a confirmation naming the count)
saves every unscored item of the area — in the database. Screenshots at 390 px."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessment.models import Phase, Round, Score, Status
from assessment.services.rounds import round_prepare
from assessment.services.schedule import round_schedule_set
from tests.conftest import PASSWORD, make_standard
from tests.e2e.conftest import SHOTS, log_in, no_sideways_scroll, shot


@pytest.fixture
def ready(cast):
    standard = make_standard(name="百分制标准", areas=2, items_per_area=5, points=Decimal("10"))
    round = Round.objects.create(township=cast.township, standard=standard, name="2026年度现场考评", year=2026,
                                 phase=Phase.ONSITE)
    round_prepare(round=round)
    Score.objects.filter(assessment__round=round).update(self_score=Decimal("10"))
    round.assessments.update(status=Status.SUBMITTED, submitted_at=timezone.now())
    cast.onsite_round = round
    cast.first = round.assessments.get(branch=cast.branch)
    cast.second = round.assessments.get(branch=cast.branch2)
    cast.items = list(standard.items.order_by("number"))
    round_schedule_set(round=round, actor=cast.alice, plan={
        cast.second.pk: (datetime.date(2026, 12, 9), [cast.bob.pk]),
        cast.first.pk: (datetime.date(2026, 12, 10), [cast.alice.pk]),
    })
    return cast


def test_assessor_schedule_next_unscored_and_area_full(phone, ready):
    c = ready
    log_in(phone, "bob", PASSWORD)
    phone.goto(f"{phone.base}/")
    expect(phone.locator(".todo-queue tbody tr").first).to_contain_text("西段村")
    expect(phone.locator(".todo-queue tbody tr").first).to_contain_text("本组")
    phone.goto(f"{phone.base}/rounds/{c.onsite_round.pk}/schedule/print/")
    expect(phone.locator("#schedule-table tbody tr").first).to_contain_text("2026年12月9日")
    expect(phone.locator("tr.schedule-mine")).to_contain_text("西段村")
    assert no_sideways_scroll(phone)
    shot(phone, "schedule-phone")

    # the progress table at 390 px: branch, status and total in view without scrolling sideways
    phone.goto(f"{phone.base}/rounds/{c.onsite_round.pk}/self/")
    first_row = phone.locator(".overview-table tbody tr").first
    for cell in (first_row.locator("td").nth(0), first_row.locator(".badge"), first_row.locator("td.text-end")):
        expect(cell).to_be_in_viewport(ratio=1)
    shot(phone, "selfeval-overview-phone")

    phone.goto(f"{phone.base}/assessments/{c.second.pk}/onsite/")
    area1 = [i for i in c.items if i.area.number == 1]
    area2 = [i for i in c.items if i.area.number == 2]
    # the first item scored by hand; 下一未评项 goes to the second
    first = phone.locator(f"#item-{area1[0].pk}")
    first.locator(".or-full").click()
    expect(first.locator(".or-status")).to_contain_text("已保存")
    phone.locator("#onsite-next").click()
    expect(phone.locator(f"#item-{area1[1].pk} input[name^=score-]")).to_be_focused()
    expect(phone.locator("#onsite-bar")).to_be_in_viewport()
    expect(phone.locator(".onsite-toc")).to_be_in_viewport()
    assert no_sideways_scroll(phone)
    SHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SHOTS / "onsite-next-phone-view.png"))  # what the thumb sees: the bar over the item
    shot(phone, "onsite-next-phone")

    # 本方面全部满分: the confirmation names the count (4 unscored), then every item saves
    asked = []
    phone.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    phone.locator(f"#area-{area1[0].area_id} .onsite-area-full").click()
    for item in area1[1:]:
        expect(phone.locator(f"#item-{item.pk} .or-status")).to_contain_text("已保存")
    assert "4 项" in asked[0] and "方面1" in asked[0]
    expect(phone.locator("#onsite-progress")).to_have_text("5/10")
    scores = Score.objects.filter(assessment=c.second, item__in=area1)
    assert all(s.onsite_score == Decimal("10") for s in scores)
    assert not Score.objects.filter(assessment=c.second, item__in=area2, onsite_score__isnull=False).exists()
    # 下一未评项 now goes to the other area
    phone.locator("#onsite-next").click()
    expect(phone.locator(f"#item-{area2[0].pk} input[name^=score-]")).to_be_focused()
    shot(phone, "onsite-area-full-phone")
