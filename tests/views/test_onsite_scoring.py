"""The on-site scoring page /assessments/<pk>/onsite/: what assessors see, who may open it,
the no-script whole-form save, history, and a fixed query count whatever the number of
items, evidence files and audit records."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import AuditLog, Bonus, BonusClaim, Evidence, GradeBand, Phase, Round, Score, Status, Veto, VetoFinding
from assessment.services.rounds import round_prepare
from assessment.services.selfeval import self_score_record
from tests.conftest import make_standard
from tests.test_services_onsite import items, onsite_ready, record, row, score_all


def url(assessment):
    return reverse("onsite-scoring", args=[assessment.pk])


def get_html(client, user, assessment):
    client.force_login(user)
    response = client.get(url(assessment))
    return response, response.content.decode()


def add_evidence(assessment, item, user, name="签到表.jpg", thumb=True):
    return Evidence.objects.create(
        assessment=assessment, item=item, file=f"evidence/x/{name}", original_name=name,
        thumbnail="thumbs/x/t.jpg" if thumb else "", content_type="image/jpeg" if thumb else "application/pdf",
        size=1000, uploaded_by=user)


def test_assessor_sees_items_self_scores_evidence_and_inputs(client, cast):
    onsite_ready(cast)
    first = items(cast)[0]
    Score.objects.filter(assessment=cast.assessment, item=first).update(self_note="按期换届，资料齐全")
    photo = add_evidence(cast.assessment, first, cast.carol)
    pdf = add_evidence(cast.assessment, first, cast.carol, name="会议记录.pdf", thumb=False)
    response, html = get_html(client, cast.bob, cast.assessment)
    assert response.status_code == 200
    for area in ("方面1", "方面2", "方面3"):
        assert area in html
    for item in items(cast):
        assert item.content in html and item.criteria in html
        for name in ("score", "reason", "rect", "requirement", "version"):
            assert f'name="{name}-{item.pk}"' in html
    assert "按期换届，资料齐全" in html and "自评 <b>2</b> / 2 分" in html
    assert reverse("evidence-thumb", args=[photo.pk]) in html and reverse("evidence-file", args=[photo.pk]) in html
    # A tap on the photo opens its mid-size copy; the original only by its own link.
    assert f'<a class="of-thumb" href="{reverse("evidence-medium", args=[photo.pk])}"' in html
    assert f'<a class="of-original" href="{reverse("evidence-file", args=[photo.pk])}" target="_blank" rel="noopener">查看原图</a>' in html
    assert html.count("查看原图") == 1  # not for the PDF
    assert "会议记录.pdf" in html and reverse("evidence-file", args=[pdf.pk]) in html
    assert 'inputmode="decimal"' in html and "disabled" not in html
    assert "扣分原因" in html and "需整改" in html and "整改要求" in html
    assert '<strong id="onsite-progress">0/12</strong>' in html
    assert reverse("onsite-finalise", args=[cast.assessment.pk]) in html
    assert "huayu/onsite.js" in html and "<script>" not in html
    assert "一票否决" in html and "弄虚作假" in html and "加分项" in html and "先进基层党组织" in html


def test_assessor_sees_the_check_method_where_the_standard_has_one(client, cast):
    """考核方式 (查阅资料、实地查看 …) is kept by the importer and shown to scorers on site too."""
    onsite_ready(cast)
    first, second = items(cast)[:2]
    type(first).objects.filter(pk=first.pk).update(check_method="查阅会议记录，实地查看")
    type(first).objects.filter(pk=second.pk).update(check_method="")
    response, html = get_html(client, cast.bob, cast.assessment)
    assert "<b>考核方式</b>查阅会议记录，实地查看" in html
    with_method = [item for item in items(cast) if type(item).objects.get(pk=item.pk).check_method]
    assert second not in with_method and html.count("<b>考核方式</b>") == len(with_method)


def test_saved_values_and_version_show(client, cast):
    onsite_ready(cast)
    first = items(cast)[0]
    record(cast, score="1.5", reason="缺少签到表", rect=True, requirement="补齐签到表")
    _, html = get_html(client, cast.bob, cast.assessment)
    assert f'name="score-{first.pk}" form="onsite-form" value="1.5"' in html
    assert ">缺少签到表</textarea>" in html and ">补齐签到表</textarea>" in html
    assert f'name="rect-{first.pk}" value="1" form="onsite-form" checked' in html
    assert f'name="version-{first.pk}" value="1"' in html
    assert '<strong id="onsite-total">1.5</strong>' in html and '<strong id="onsite-progress">1/12</strong>' in html


def test_history_shows_self_and_onsite_changes_collapsed(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.SELF)
    cast.round.phase = Phase.SELF
    first = items(cast)[0]
    self_score_record(assessment=cast.assessment, item=first, actor=cast.carol, score=Decimal("2"), note="")
    onsite_ready(cast)
    record(cast, who=cast.bob, score="1", reason="台账缺失", version=1)
    _, html = get_html(client, cast.bob, cast.assessment)
    block = html[html.index(f'id="item-{first.pk}"'):]
    block = block[:block.index("</article>")]
    assert '<details class="oh"><summary>修改记录（3）</summary>' in block  # collapsed: no "open"
    assert "carol · 自评得分：（空） → 2" in block
    assert "bob · 考评得分：（空） → 1" in block and "bob · 扣分原因：（空） → 台账缺失" in block


def test_admin_and_superuser_may_open_it(client, cast):
    onsite_ready(cast)
    assert get_html(client, cast.alice, cast.assessment)[0].status_code == 200
    assert get_html(client, cast.root, cast.assessment)[0].status_code == 200


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_secretaries_get_403(client, cast, who):
    onsite_ready(cast)
    response, html = get_html(client, getattr(cast, who), cast.assessment)
    expected = 403 if who == "carol" else 404  # dave cannot even see 化峪村
    assert response.status_code == expected
    if who == "carol":
        assert "现场考评由镇党委考评人员进行" in html


@pytest.mark.parametrize("who", ["eve", "frank"])
def test_other_township_gets_404(client, cast, who):
    onsite_ready(cast)
    assert get_html(client, getattr(cast, who), cast.assessment)[0].status_code == 404


@pytest.mark.parametrize("change, message", [
    ({"status": Status.SELF}, "尚未提交自评"),
    ({"status": Status.FINALISED}, "已考评完成，评分已锁定"),
    ({"phase": Phase.SELF}, "不在现场考评阶段"),
])
def test_read_only_with_the_reason(client, cast, change, message):
    onsite_ready(cast)
    if "status" in change:
        cast.assessment.status = change["status"]
        cast.assessment.save()
    else:
        Round.objects.filter(pk=cast.round.pk).update(phase=change["phase"])
    response, html = get_html(client, cast.bob, cast.assessment)
    assert response.status_code == 200
    assert message in html and " disabled" in html and 'name="version-' not in html
    assert "记录否决情形" not in html


def form_data(cast, values):
    """The whole form as a browser without scripts posts it: every row, with its version."""
    data = {}
    for score in Score.objects.filter(assessment=cast.assessment):
        key = score.item_id
        data[f"version-{key}"] = str(score.version)
        data[f"score-{key}"] = "" if score.onsite_score is None else str(score.onsite_score.normalize())
        data[f"reason-{key}"] = score.deduction_reason
        data[f"requirement-{key}"] = score.requirement
        if score.needs_rectification:
            data[f"rect-{key}"] = "1"
    for item, (score, reason) in values.items():
        data[f"score-{item.pk}"], data[f"reason-{item.pk}"] = score, reason
    return data


def test_no_script_form_saves_changed_rows(client, cast):
    onsite_ready(cast)
    first, second = items(cast)[:2]
    client.force_login(cast.bob)
    response = client.post(url(cast.assessment), form_data(cast, {first: ("2", ""), second: ("1", "未公示")}))
    assert response.status_code == 302 and response.url == url(cast.assessment)
    assert row(cast.assessment, first).onsite_score == Decimal("2")
    assert (row(cast.assessment, second).onsite_score, row(cast.assessment, second).deduction_reason) == (
        Decimal("1"), "未公示")
    assert "已保存 2 项" in client.get(url(cast.assessment)).content.decode()


def test_no_script_form_keeps_what_was_typed_on_an_error(client, cast):
    onsite_ready(cast)
    first, second = items(cast)[:2]
    client.force_login(cast.bob)
    response = client.post(url(cast.assessment), form_data(cast, {first: ("1", ""), second: ("2", "")}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "必须填写扣分原因" in html and "有 1 项未保存（第 1 项）" in html
    assert f'name="score-{first.pk}" form="onsite-form" value="1"' in html
    assert row(cast.assessment, first).onsite_score is None  # refused: nothing written
    assert row(cast.assessment, second).onsite_score == Decimal("2")  # the valid row was saved
    assert not AuditLog.objects.filter(item=first).exists()


def test_no_script_form_shows_a_conflict_with_the_other_value(client, cast):
    onsite_ready(cast)
    first = items(cast)[0]
    client.force_login(cast.bob)
    stale = form_data(cast, {first: ("2", "")})
    record(cast, who=cast.alice, score="1", reason="alice 的扣分原因")
    response = client.post(url(cast.assessment), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "该项目已被 alice 于" in html and "修改为 1 分" in html and "您填写的 2 分未保存" in html
    assert f'name="score-{first.pk}" form="onsite-form" value="1"' in html  # the other's value, its version
    assert f'name="version-{first.pk}" value="1"' in html
    assert row(cast.assessment, first).onsite_score == Decimal("1")


def test_no_script_form_refused_when_finalised(client, cast):
    onsite_ready(cast)
    cast.assessment.status = Status.FINALISED
    cast.assessment.save()
    client.force_login(cast.bob)
    response = client.post(url(cast.assessment), form_data(cast, {items(cast)[0]: ("2", "")}))
    assert response.status_code == 403
    assert row(cast.assessment, items(cast)[0]).onsite_score is None
    assert not AuditLog.objects.filter(assessment=cast.assessment).exists()


def big_assessment(cast, with_files):
    """A branch of a 56-item standard (7 areas of 8), submitted; files and history on every item."""
    standard = make_standard(name="五十六项标准", areas=7, items_per_area=8)
    round = Round.objects.create(township=cast.township, standard=standard, name="56项批次", year=2026,
                                 phase=Phase.ONSITE)
    round_prepare(round=round)
    assessment = round.assessments.get(branch=cast.branch)
    Score.objects.filter(assessment=assessment).update(self_score=Decimal("2"), self_note="说明")
    assessment.status = Status.SUBMITTED
    assessment.save()
    if with_files:
        for item in standard.items.all():
            add_evidence(assessment, item, cast.carol)
            add_evidence(assessment, item, cast.carol, name="记录.pdf", thumb=False)
            AuditLog.objects.create(actor=cast.carol, action="self_score", assessment=assessment, item=item,
                                    field="self_score", old_value="", new_value="2")
    return assessment


def test_query_count_is_fixed_whatever_the_items_and_files(client, cast):
    onsite_ready(cast)
    client.force_login(cast.bob)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(cast.assessment)).status_code == 200
    big = big_assessment(cast, with_files=True)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url(big))
    assert response.status_code == 200
    assert response.content.decode().count('name="score-') == 56
    assert response.content.decode().count('class="of-thumb"') == 56
    # session, user with the unread count, assessment; scores with area sums, evidence, audit,
    # vetoes, bonuses; the grade bands; the year's records of the counting items; the model practices
    assert len(small) == len(large) == 12  # with the navbar's unread badge
    assert len(large) <= 12


def grade_shown(html):
    return html.split('id="onsite-grade">', 1)[1].split("<", 1)[0]


def test_the_grade_as_the_scores_stand_with_bonus_and_veto(client, cast):
    """The cast standard has 24 points: bands of 20 / 18 / 12 make every grade reachable."""
    onsite_ready(cast)
    for grade, minimum in (("excellent", 20), ("good", 18), ("pass", 12)):
        GradeBand.objects.filter(standard=cast.standard, grade=grade).update(min_score=minimum)
    score_all(cast, score="1.5", reason="资料不全")  # 18
    response, html = get_html(client, cast.bob, cast.assessment)
    assert grade_shown(html) == "良好" and "按目前的得分" in html
    assert '<strong id="onsite-grand-total">18</strong>' in html

    BonusClaim.objects.create(assessment=cast.assessment, bonus=Bonus.objects.get(standard=cast.standard),
                              note="县级先进", decision=BonusClaim.Decision.APPROVED)
    _response, html = get_html(client, cast.bob, cast.assessment)
    assert grade_shown(html) == "优秀" and '<strong id="onsite-grand-total">20</strong>' in html

    VetoFinding.objects.create(assessment=cast.assessment, veto=Veto.objects.get(standard=cast.standard),
                               note="弄虚作假", recorded_by=cast.bob)
    _response, html = get_html(client, cast.bob, cast.assessment)
    assert grade_shown(html) == "不合格"


def test_no_grade_before_the_first_on_site_score(client, cast):
    onsite_ready(cast)
    _response, html = get_html(client, cast.bob, cast.assessment)
    assert grade_shown(html) == "—"
    record(cast, score="2")
    _response, html = get_html(client, cast.bob, cast.assessment)
    assert grade_shown(html) == "不合格"  # 2 of 24 points so far
