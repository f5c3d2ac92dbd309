"""The county's pages (县委组织部) and the county round: opening one round in every township at
once, the progress of every township, the ranking across the county, the county-wide Excel
files, one township's page; another county's are 404, the township's people get 403."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessment.models import (
    Assessment, AuditLog, Branch, CountyRound, Message, Phase, Rectification, RectificationStatus, Round, Score,
    Standard, Status, Township,
)
from assessment.services.base import ServiceError
from assessment.services.county import county_round_open
from assessment.services.standards import standard_import
from tests.conftest import make_standard

DEADLINE = datetime.date(2026, 12, 15)


def add_township(cast, name, branches):
    township = Township.objects.create(name=name, county=cast.county)
    for n in range(branches):
        Branch.objects.create(township=township, name=f"{name[:2]}{n + 1}村", order=n + 1,
                              is_demonstration=n == 0)
    return township


def open_round(cast, name="2026年度全县考核", year=2026, actor=None):
    return county_round_open(county=cast.county, actor=actor or cast.xian, name=name, year=year,
                             standard=cast.standard, self_start=datetime.date(2026, 11, 16), self_end=DEADLINE)


def publish(round, base=Decimal("0")):
    """Every branch of `round` scored on site (full points less `base` on item 1, and one point
    less per branch order), published, one 待整改 item each, overdue for the first."""
    now = timezone.now()
    for a in Assessment.objects.filter(round=round).select_related("branch"):
        Score.objects.filter(assessment=a).update(self_score=F("points"), onsite_score=F("points"))
        Score.objects.filter(assessment=a, item__number=1).update(onsite_score=F("points") - base)
        Score.objects.filter(assessment=a, item__number=2).update(
            onsite_score=F("points") - Decimal(min(a.branch.order, 2)))
        a.status, a.submitted_at, a.finalised_at = Status.PUBLISHED, now, now
        a.save()
        item = round.standard.items.get(number=2)
        Rectification.objects.create(assessment=a, item=item, problem="记录不全", requirement="补齐",
                                     deadline=datetime.date.today() - datetime.timedelta(days=1 if a.branch.order == 1 else -9),
                                     status=RectificationStatus.PENDING)
    round.phase, round.published_at = Phase.NOTICE, now
    round.save()


@pytest.fixture
def county(cast):
    cast.zhaidian = add_township(cast, "翟店镇", 3)
    cast.county_round = open_round(cast)
    return cast


def test_a_county_round_opens_the_same_round_in_every_township(county):
    c = county
    rounds = Round.objects.filter(county_round=c.county_round).order_by("township__name")
    assert [r.township.name for r in rounds] == sorted(["化峪镇", "翟店镇"])
    for round in rounds:
        assert (round.name, round.year, round.standard, round.self_end, round.phase) == (
            "2026年度全县考核", 2026, c.standard, DEADLINE, Phase.PREPARATION)
        assert round.assessments.count() == round.township.branches.count()
    assert not Round.objects.filter(township=c.other_township, county_round__isnull=False).exists()
    assert AuditLog.objects.filter(action="county_round_open", actor=c.xian).count() == 1
    assert AuditLog.objects.filter(action="county_round_township", actor=c.xian).count() == 2
    assert Message.objects.filter(user=c.alice, text__contains="2026年度全县考核").exists()


@pytest.mark.parametrize("who", ["waixian", "alice", "carol"])
def test_only_the_county_opens_its_county_round(cast, who):
    before = (Round.objects.count(), CountyRound.objects.count(), AuditLog.objects.count())
    with pytest.raises(ServiceError, match="只有本县的县委组织部"):
        open_round(cast, actor=getattr(cast, who))
    assert (Round.objects.count(), CountyRound.objects.count(), AuditLog.objects.count()) == before


def test_a_county_round_refuses_bad_input_and_changes_nothing(county):
    c = county
    before = (Round.objects.count(), CountyRound.objects.count())
    other = make_standard(name="外县标准")
    Standard.objects.filter(pk=other.pk).update(county=c.other_county)
    other.refresh_from_db()
    cases = [
        (dict(name="2026年度全县考核"), "已有名为"),
        (dict(name="  "), "请填写考核批次名称"),
        (dict(standard=other), "请选择本县发布的考核标准"),
        (dict(self_start=datetime.date(2026, 12, 20)), "不能早于"),
        (dict(year=1999), "年度须在"),
    ]
    for change, message in cases:
        kwargs = dict(county=c.county, actor=c.xian, name="另一批次", year=2026, standard=c.standard,
                      self_start=None, self_end=DEADLINE)
        kwargs.update(change)
        with pytest.raises(ServiceError, match=message):
            county_round_open(**kwargs)
    Round.objects.create(township=c.zhaidian, standard=c.standard, name="翟店自办", year=2026)
    with pytest.raises(ServiceError, match="翟店镇已有名为"):
        county_round_open(county=c.county, actor=c.xian, name="翟店自办", year=2026, standard=c.standard)
    assert (Round.objects.count() - 1, CountyRound.objects.count()) == before


def test_the_county_opens_a_round_on_its_page(client, cast):
    add_township(cast, "翟店镇", 2)
    client.force_login(cast.xian)
    page = client.get(reverse("county-round-new"))
    assert page.status_code == 200 and "开启全县考核批次" in page.content.decode()
    response = client.post(reverse("county-round-new"), {
        "name": "2027年度全县考核", "year": "2027", "standard": cast.standard.pk, "self_end": "2027-12-15"})
    created = CountyRound.objects.get(name="2027年度全县考核")
    assert response.status_code == 302 and response["Location"] == reverse("county-round", args=[created.pk])
    assert created.rounds.count() == 2
    bad = client.post(reverse("county-round-new"), {"name": "2027年度全县考核", "year": "2027",
                                                    "standard": cast.standard.pk, "self_end": "2027-12-15"})
    assert bad.status_code == 400 and "已有名为" in bad.content.decode()
    assert CountyRound.objects.count() == 1


def test_a_township_of_the_county_may_choose_the_county_standard(cast):
    from assessment.admin import choices_for

    parsed_from = make_standard(name="稷山县标准")
    Standard.objects.filter(pk=parsed_from.pk).update(county=cast.county)
    other = make_standard(name="外县标准")
    Standard.objects.filter(pk=other.pk).update(county=cast.other_county)
    cast.alice.is_staff = True
    assert parsed_from in choices_for(Standard, cast.alice)
    assert other not in choices_for(Standard, cast.alice)
    cast.eve.is_staff = True
    assert other in choices_for(Standard, cast.eve) and parsed_from not in choices_for(Standard, cast.eve)


def test_the_county_imports_its_standard_in_the_admin(client, cast):
    from assessment.importers import read_standard
    from tests import xlsx_factory as xf

    cast.xian.is_staff = True
    cast.xian.save()
    parsed = read_standard(xf.REAL_FILE)
    standard = standard_import(parsed=parsed, actor=cast.xian, name="稷山县考核细则", county=cast.county)
    assert (standard.county, standard.township) == (cast.county, None)
    client.force_login(cast.xian)
    listing = client.get(reverse("admin:assessment_standard_changelist")).content.decode()
    assert "稷山县考核细则" in listing and "外县" not in listing
    assert client.get(reverse("admin:assessment_standard_import")).status_code == 200
    assert client.get(reverse("admin:assessment_branch_changelist")).status_code == 403


# --- the county's pages --------------------------------------------------------------------------------


def test_the_county_home_lists_its_rounds_townships_and_next_steps(client, county):
    client.force_login(county.xian)
    html = client.get("/").content.decode()
    assert "2026年度全县考核" in html and "翟店镇" in html and "化峪镇" in html
    assert "尚未进入自评阶段" in html
    assert "其他镇" not in html and "外县" not in html


def test_the_progress_page_shows_every_township_and_only_published_scores(client, county):
    c = county
    huayu = Round.objects.get(county_round=c.county_round, township=c.township)
    publish(huayu)
    client.force_login(c.xian)
    html = client.get(reverse("county-round", args=[c.county_round.pk])).content.decode()
    assert "化峪镇" in html and "翟店镇" in html and "其他镇" not in html
    assert "尚未发布通报" in html  # 翟店镇
    assert "1 / 2" in html  # one township of two published


def test_the_progress_page_compares_with_the_previous_county_round(client, county):
    c = county
    earlier = open_round(c, name="2025年度全县考核", year=2025)
    for round in earlier.rounds.all():
        publish(round, base=Decimal("1"))
    for round in c.county_round.rounds.all():
        publish(round)
    client.force_login(c.xian)
    html = client.get(reverse("county-round", args=[c.county_round.pk])).content.decode()
    assert "与上一轮比较" in html and "2025年平均分" in html and "+1.0" in html


# What each page costs: the session and the user (2), the county round (1); the progress: the
# township rounds, the branch counts, the item counts (3), the ranking (county_results: which
# rounds are published (1), then, when not cached, grade bands, totals, assessments (3)), the
# previous county round (1) and its ranking; the ranking page: the township filter's list (1)
# and the ranking. (cold, with a previous round whose ranking is cached, warm)
QUERIES = {"county-round": (11, 12, 9), "county-ranking": (8, 8, 5)}


@pytest.mark.parametrize("page", ["county-round", "county-ranking"])
def test_county_pages_take_the_same_queries_whatever_the_size(client, cast, django_assert_num_queries, page):
    from django.core.cache import cache

    cache.clear()
    cold, cold_with_previous, warm = QUERIES[page]
    add_township(cast, "翟店镇", 2)
    small = open_round(cast, name="小", year=2024)
    for round in small.rounds.all():
        publish(round)
    client.force_login(cast.xian)
    with django_assert_num_queries(cold):
        assert client.get(reverse(page, args=[small.pk])).status_code == 200
    for n in range(3):
        add_township(cast, f"新{n}镇", 4)
    big = open_round(cast, name="大")
    for round in big.rounds.all():
        publish(round)
    with django_assert_num_queries(cold_with_previous):  # 5 townships, 17 branches; 2024's round before
        response = client.get(reverse(page, args=[big.pk]))
    assert response.status_code == 200 and "新2镇" in response.content.decode()
    with django_assert_num_queries(warm):
        again = client.get(reverse(page, args=[big.pk]))
    tables = [r.content.decode() for r in (response, again)]
    assert [t[t.index("<table"):t.rindex("</table>")] for t in tables][0] == \
        [t[t.index("<table"):t.rindex("</table>")] for t in tables][1]  # the same rows from the cache


def test_a_township_publishing_shows_at_once_in_the_cached_ranking(client, county):
    c = county
    rounds = list(c.county_round.rounds.order_by("township__name"))
    publish(rounds[0])
    client.force_login(c.xian)
    url = reverse("county-ranking", args=[c.county_round.pk])
    before = client.get(url).content.decode()
    publish(rounds[1])
    after = client.get(url).content.decode()
    assert before.count("<tr>") + 3 == after.count("<tr>")


def test_the_ranking_ranks_across_the_county_100_a_page(client, county):
    c = county
    add_township(c, "西社镇", 0)
    for n in range(120):
        Branch.objects.create(township=c.zhaidian, name=f"加{n:03d}村", order=10 + n)
    cr = open_round(c, name="大批次")
    for round in cr.rounds.all():
        publish(round)
    client.force_login(c.xian)
    page1 = client.get(reverse("county-ranking", args=[cr.pk])).content.decode()
    assert page1.count("<tr>") == 101  # the header and 100 rows
    assert "第 1 / 2 页" in page1
    page2 = client.get(reverse("county-ranking", args=[cr.pk]) + "?page=2").content.decode()
    assert page2.count("<tr>") == 1 + (2 + 3 + 120) - 100
    only = client.get(reverse("county-ranking", args=[cr.pk]) + f"?township={c.township.pk}").content.decode()
    assert only.count("<tr>") == 3 and "化峪村" in only and "加000村" not in only
    assert client.get(reverse("county-ranking", args=[cr.pk]) + "?township=abc&page=x").status_code == 200


def test_the_county_excel_files_hold_the_published_townships(client, county):
    c = county
    huayu = Round.objects.get(county_round=c.county_round, township=c.township)
    publish(huayu)
    client.force_login(c.xian)
    response = client.get(reverse("county-export-summary", args=[c.county_round.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    text = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    flat = "\n".join(str(cell) for row in text for cell in row if cell is not None)
    assert "稷山县2026年度全县考核考评汇总表（全县）" in flat and "化峪村" in flat and "翟店1村" not in flat
    response = client.get(reverse("county-export-rectifications", args=[c.county_round.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    flat = "\n".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    assert "化峪镇\n化峪村" in flat and "翟店" not in flat.replace("稷山县", "")


def test_a_township_page_for_the_county(client, county):
    c = county
    client.force_login(c.xian)
    html = client.get(reverse("county-township", args=[c.zhaidian.pk])).content.decode()
    assert "翟店1村" in html and "2026年度全县考核" in html and "发布通报后可查看" in html
    assert "农村" in html and "rural" not in html
    assert client.get(reverse("county-township", args=[c.other_township.pk])).status_code == 404


def test_another_county_and_the_townships_people_are_kept_out(client, county):
    c = county
    urls = [reverse("county-round", args=[c.county_round.pk]), reverse("county-ranking", args=[c.county_round.pk]),
            reverse("county-export-summary", args=[c.county_round.pk]),
            reverse("county-export-rectifications", args=[c.county_round.pk]),
            reverse("county-township", args=[c.township.pk])]
    for url in urls:
        client.force_login(c.waixian)
        assert client.get(url).status_code == 404, url
        for user in (c.alice, c.bob, c.carol, c.eve):
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 403 and "您的角色不能使用此页面" in response.content.decode(), url
