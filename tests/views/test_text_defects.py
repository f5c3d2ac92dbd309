"""The texts people read: no doubled punctuation, no “（扣0分）”, no “按目前的得分” beside a
veto's 不合格, the submit page's 分值 total, one breadcrumb separator, dates as an office writes."""

import datetime
from decimal import Decimal

from django.urls import reverse

from assessment.models import Bonus, Phase, Rectification, Round, Score, Status, Veto, VetoFinding
from assessment.services.notice import rectifications_propose
from tests.test_services_onsite import onsite_ready
from tests.test_uploads import png_bytes, upload


def test_a_full_mark_item_marked_for_rectification_has_no_deduction_of_zero(cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    Score.objects.filter(assessment__round=cast.round).update(self_score=2, onsite_score=2)
    Score.objects.filter(assessment=cast.assessment, item__number=1).update(needs_rectification=True)
    cast.round.assessments.update(status=Status.FINALISED)
    cast.round.refresh_from_db()
    rectifications_propose(round=cast.round, actor=cast.alice)
    assert Rectification.objects.get().problem == "考核内容1"


def test_a_veto_grade_is_not_marked_provisional(client, cast):
    onsite_ready(cast)
    Score.objects.filter(assessment=cast.assessment, item__number=1).update(onsite_score=2)
    VetoFinding.objects.create(assessment=cast.assessment, veto=Veto.objects.get(standard=cast.standard), note="造假")
    client.force_login(cast.bob)
    html = client.get(reverse("onsite-scoring", args=[cast.assessment.pk])).content.decode()
    assert 'id="onsite-grade">不合格<' in html and "按目前的得分" not in html


def test_the_submit_page_totals_the_points(client, cast):
    client.force_login(cast.carol)
    html = client.get(reverse("selfeval-submit", args=[cast.assessment.pk])).content.decode()
    assert 'id="submit-points">24<' in html  # 12 items of 2 points


def test_a_bonus_claim_with_files_says_it_in_sentences(client, cast):
    bonus = Bonus.objects.get(standard=cast.standard)
    client.force_login(cast.carol)
    response = client.post(reverse("bonus-claim-save", args=[cast.assessment.pk, bonus.pk]),
                           {"note": "获评县级先进", "file": upload("奖状.png", png_bytes())},
                           headers={"X-Requested-With": "fetch"})
    message = response.json()["message"]
    assert "。；" not in message and message == "已保存加分项“加1”的申报。已上传 1 个文件。"


def test_the_veto_and_its_note_are_not_run_together(client, cast):
    onsite_ready(cast)
    Veto.objects.filter(standard=cast.standard).update(text="虚报成绩的。")
    VetoFinding.objects.create(assessment=cast.assessment, veto=Veto.objects.get(standard=cast.standard), note="抽查属实")
    Score.objects.filter(assessment=cast.assessment).update(onsite_score=2)
    cast.assessment.status = Status.ONSITE
    cast.assessment.save()
    client.force_login(cast.alice)
    html = client.get(reverse("onsite-finalise", args=[cast.assessment.pk])).content.decode()
    assert "。：" not in html and "抽查属实" in html


def test_dates_as_an_office_writes_them(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(self_end=datetime.date(2027, 1, 1))
    client.force_login(cast.alice)
    html = client.get(reverse("home")).content.decode()
    assert "2027年1月1日" in html and "2027-01-01" not in html


def test_dates_are_written_as_an_office_writes_them_whatever_the_browsers_language(client, cast):
    """An office PC or a phone set to English still gets the Chinese interface, dates included
    (the app has no English translation: an English browser got “Jan. 1, 2027” among Chinese text)."""
    Round.objects.filter(pk=cast.round.pk).update(self_end=datetime.date(2027, 1, 1))
    client.force_login(cast.alice)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "2027年1月1日" in html and "Jan. 1, 2027" not in html
    assert '<html lang="zh-hans"' in html


def test_breadcrumbs_use_one_separator(client, cast):
    client.force_login(cast.carol)
    for url in (reverse("selfeval-submit", args=[cast.assessment.pk]), reverse("selfeval-checklist", args=[cast.assessment.pk])):
        html = client.get(url).content.decode()
        assert "›" not in html, url


def test_the_file_picker_is_labelled_in_chinese(client, cast):
    client.force_login(cast.carol)
    html = client.get(reverse("selfeval-checklist", args=[cast.assessment.pk])).content.decode()
    assert html.count('<span class="file-pick-button" aria-hidden="true">选择文件</span>') == 13  # one per item and one for the bonus claim
    assert 'class="file-pick-input" type="file"' in html and "huayu/files.js" in html
