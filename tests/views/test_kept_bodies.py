"""The bodies of the checklist and of the on-site page are kept per render_version of the
assessment (assessment/pages.py), which the database changes on every write the pages show
(assessment/versions.py): a second load renders no body, and every write, through the services
or around them, shows on the next load."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from assessment import versions
from assessment.models import Bonus, BonusClaim, Evidence, Item, Phase, Round, Score, Veto
from tests.test_services_onsite import onsite_ready
from tests.test_uploads import pdf_bytes, upload

BODIES = {"assessment/_checklist_body.html", "assessment/_onsite_body.html"}


def checklist(cast):
    return reverse("selfeval-checklist", args=[cast.assessment.pk])


def scoring(cast):
    return reverse("onsite-scoring", args=[cast.assessment.pk])


def load(client, url):
    """(HTML, whether the body was rendered rather than taken from the cache)."""
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), bool(BODIES & {t.name for t in response.templates})


def tokens(html):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def first_item(cast):
    return cast.standard.items.order_by("number").first()


def test_the_triggers_are_installed(db):
    names = versions.installed(connection)
    assert len(names) == (sum(len(ops) for _, _, ops in versions.WATCHED) + 1 if connection.vendor == "sqlite"
                          else len(versions.WATCHED) + 1)


def test_a_second_load_takes_the_kept_body_with_this_requests_token(client, cast, django_assert_max_num_queries):
    client.force_login(cast.carol)
    first, rendered = load(client, checklist(cast))
    assert rendered
    with django_assert_max_num_queries(6):
        second, rendered = load(client, checklist(cast))
    assert not rendered
    assert len(set(tokens(second))) == 1 and len(tokens(second)) > 10  # one token, in every form
    assert re.sub(r'value="[^"]+"', "", first.replace(tokens(first)[0], "")) == \
        re.sub(r'value="[^"]+"', "", second.replace(tokens(second)[0], ""))


def test_the_kept_body_posts_with_its_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.carol)
    load(client, checklist(cast))
    html, rendered = load(client, checklist(cast))
    assert not rendered
    item = first_item(cast)
    response = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]),
                           {"score": "1", "version": "0", "csrfmiddlewaretoken": tokens(html)[-1]})
    assert response.status_code == 200 and response.json()["ok"]


def test_viewers_do_not_share_a_body(client, cast):
    client.force_login(cast.carol)
    html, _ = load(client, checklist(cast))
    assert 'id="self-readonly"' not in html and 'name="score-' in html and " disabled>" not in html
    client.force_login(cast.alice)
    html, rendered = load(client, checklist(cast))
    assert rendered and 'id="self-readonly"' in html and " disabled>" in html


def test_a_self_score_and_note_show_at_once(client, cast):
    client.force_login(cast.carol)
    item = first_item(cast)
    load(client, checklist(cast))
    response = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]),
                           {"score": "1.5", "note": "按期完成换届", "version": "0"})
    assert response.json()["ok"]
    html, rendered = load(client, checklist(cast))
    assert rendered and 'value="1.5"' in html and "按期完成换届</textarea>" in html


def test_evidence_added_and_removed_shows_at_once(client, cast):
    client.force_login(cast.carol)
    item = first_item(cast)
    load(client, checklist(cast))
    client.post(reverse("evidence-upload", args=[cast.assessment.pk, item.pk]), {"file": upload("会议记录.pdf", pdf_bytes())})
    html, _ = load(client, checklist(cast))
    assert 'title="会议记录.pdf"' in html
    evidence = Evidence.objects.get(assessment=cast.assessment)
    client.post(reverse("evidence-remove", args=[evidence.pk]))
    html, _ = load(client, checklist(cast))
    assert 'title="会议记录.pdf"' not in html


@pytest.mark.parametrize("change, shown", [
    (lambda cast: Score.objects.filter(assessment=cast.assessment).update(self_note="后台改的说明"), "后台改的说明"),
    (lambda cast: Round.objects.filter(pk=cast.round.pk).update(name="改名后的批次"), "改名后的批次"),
    (lambda cast: Item.objects.filter(standard=cast.standard, number=1).update(content="改过的考核内容"), "改过的考核内容"),
    (lambda cast: cast.assessment.branch.__class__.objects.filter(pk=cast.branch.pk).update(name="改名村"), "改名村"),
])
def test_a_write_around_the_services_shows_at_once(client, cast, change, shown):
    client.force_login(cast.carol)
    html, _ = load(client, checklist(cast))
    assert shown not in html
    change(cast)
    html, rendered = load(client, checklist(cast))
    assert rendered and shown in html


def test_a_phase_change_shows_at_once(client, cast):
    client.force_login(cast.carol)
    html, _ = load(client, checklist(cast))
    assert 'id="self-readonly"' not in html
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    html, rendered = load(client, checklist(cast))
    assert rendered and "当前考核批次不在自评阶段（现为“现场考评阶段”）" in html and " disabled>" in html


def test_an_onsite_score_and_its_history_show_at_once(client, cast):
    onsite_ready(cast)
    client.force_login(cast.bob)
    item = first_item(cast)
    load(client, scoring(cast))
    version = Score.objects.get(assessment=cast.assessment, item=item).version
    response = client.post(reverse("onsite-item-save", args=[cast.assessment.pk, item.pk]),
                           {"score": "1", "reason": "记录不全", "version": str(version)})
    assert response.json()["ok"]
    html, rendered = load(client, scoring(cast))
    assert rendered and 'value="1"' in html and "记录不全</textarea>" in html and "修改记录" in html


def test_a_veto_and_a_bonus_decision_show_at_once(client, cast):
    onsite_ready(cast)
    claim = BonusClaim.objects.create(assessment=cast.assessment, bonus=Bonus.objects.get(standard=cast.standard),
                                      note="获评县级五星支部")
    client.force_login(cast.bob)
    html, _ = load(client, scoring(cast))
    assert "发展党员程序造假" not in html
    veto = Veto.objects.get(standard=cast.standard)
    client.post(reverse("onsite-veto-save", args=[cast.assessment.pk, veto.pk]), {"action": "add", "note": "发展党员程序造假"})
    html, _ = load(client, scoring(cast))
    assert "发展党员程序造假" in html and "已记录否决情形，等次为不合格" in html
    client.post(reverse("onsite-bonus-decide", args=[cast.assessment.pk, claim.pk]), {"decision": "approved"})
    html, _ = load(client, scoring(cast))
    assert '<span class="badge text-bg-success">认定</span>' in html
    Score.objects.filter(assessment=cast.assessment).update(onsite_score=Decimal("1"))  # around the services
    html, rendered = load(client, scoring(cast))
    assert rendered and html.count('value="1"') >= cast.standard.items.count()


def test_a_plan_record_and_a_model_practice_show_at_once(client, cast):
    import datetime

    from assessment.models import Duty, ModelFile, ModelPractice, Record

    client.force_login(cast.carol)
    item = first_item(cast)
    duty = Duty.objects.create(item=item, name="支委会", period="month", per_period=1, rule="per_missing",
                        deduction=Decimal("0.5"))
    html, rendered = load(client, checklist(cast))
    assert rendered and "年度记录：支委会 0/" in html
    Record.objects.create(branch=cast.branch, duty=duty,
                          date=datetime.date(cast.round.year, 1, 15), year=cast.round.year, month=1,
                          topic="1月支委会", created_by=cast.carol)
    html, rendered = load(client, checklist(cast))
    assert rendered and "年度记录：支委会 1/" in html
    practice = ModelPractice.objects.create(township=cast.township, item=item, branch=cast.branch2, year=2025,
                                            title="西段村的换届做法", description="做法", marked_by=cast.alice)
    html, rendered = load(client, checklist(cast))
    assert rendered and "西段村的换届做法" in html
    ModelFile.objects.create(practice=practice, file="models/x.pdf", original_name="换届流程.pdf",
                             content_type="application/pdf", size=1, uploaded_by=cast.alice)
    html, rendered = load(client, checklist(cast))
    assert rendered and "换届流程.pdf" in html
    cast.branch2.__class__.objects.filter(pk=cast.branch2.pk).update(name="西段新村")  # the model's branch
    html, rendered = load(client, checklist(cast))
    assert rendered and "西段新村 · 2025年" in html


@pytest.mark.parametrize("name, rows", [("selfeval-overview", "assessment/_selfeval_overview_rows.html"),
                                        ("onsite-overview", "assessment/_onsite_overview_rows.html")])
def test_unchanged_overview_rows_are_kept_and_a_change_shows(client, cast, name, rows):
    """The round overviews' rows (1,000 at county scale) are kept under a digest of what they print."""
    if name == "onsite-overview":
        onsite_ready(cast)
    client.force_login(cast.alice)
    url = reverse(name, args=[cast.round.pk])
    first = client.get(url)
    assert rows in {t.name for t in first.templates}
    second = client.get(url)
    assert rows not in {t.name for t in second.templates}
    assert re.sub(r'value="[^"]+"', "", first.content.decode()) == re.sub(r'value="[^"]+"', "", second.content.decode())
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("1.5"), onsite_score=Decimal("1"))
    cast.branch.__class__.objects.filter(pk=cast.branch.pk).update(name="改名村")
    third = client.get(url)
    assert rows in {t.name for t in third.templates} and "改名村" in third.content.decode()
