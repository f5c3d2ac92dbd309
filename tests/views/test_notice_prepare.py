"""准备通报: /rounds/<pk>/notice/prepare/ and its POST endpoints."""

import datetime

import pytest
from django.urls import reverse

from assessment.models import (
    AuditLog, Branch, Item, Phase, Rectification, RectificationStatus, Round, Status,
)
from assessment.services.rounds import round_prepare
from tests.conftest import make_standard
from tests.test_services_notice import drafts_and_audit, finalised, in_days  # noqa: F401  (fixture)


def url(name, pk):
    return reverse(name, args=[pk])


@pytest.fixture
def drafts(finalised):  # noqa: F811
    from assessment.services.notice import rectifications_propose
    rectifications_propose(round=finalised.round, actor=finalised.alice, include_deductions=True)
    return finalised


def test_admin_sees_drafts_and_the_preview(client, drafts):
    client.force_login(drafts.alice)
    response = client.get(url("notice-prepare", drafts.round.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "拟整改事项（2 项）" in html
    assert "换届材料不全" in html and "扣0.5分" in html
    assert 'id="notice"' in html and "关于2026年度规范化建设考核验收情况的通报" in html
    assert "所有扣分项目都列入整改" in html and "已核对通报内容，确认发布" in html


def test_assessor_is_refused_with_the_reason(client, drafts):
    client.force_login(drafts.bob)
    response = client.get(url("notice-prepare", drafts.round.pk))
    assert response.status_code == 403
    assert "只有镇党委管理员可以准备和发布通报" in response.content.decode()


@pytest.mark.parametrize("who", ["eve", "frank"])
def test_others_get_404(client, drafts, who):
    client.force_login(getattr(drafts, who))
    assert client.get(url("notice-prepare", drafts.round.pk)).status_code == 404


def test_a_secretary_is_told_why(client, drafts):
    client.force_login(drafts.carol)  # their own township's round: 403 with the reason
    response = client.get(url("notice-prepare", drafts.round.pk))
    assert response.status_code == 403 and "只有镇党委管理员" in response.content.decode()


def test_superuser_may_prepare(client, drafts):
    client.force_login(drafts.root)
    assert client.get(url("notice-prepare", drafts.round.pk)).status_code == 200


def test_propose_by_the_switch(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    response = client.post(url("notice-propose", finalised.round.pk), follow=True)
    assert "已列入 1 项拟整改事项" in response.content.decode()
    response = client.post(url("notice-propose", finalised.round.pk), {"include_deductions": "1"}, follow=True)
    assert "已列入 1 项拟整改事项" in response.content.decode()
    assert Rectification.objects.filter(status=RectificationStatus.DRAFT).count() == 2


@pytest.mark.parametrize("name", ["notice-propose", "notice-days", "notice-text", "notice-publish"])
def test_round_posts_reject_get(client, finalised, name):  # noqa: F811
    client.force_login(finalised.alice)
    assert client.get(url(name, finalised.round.pk)).status_code == 405


@pytest.mark.parametrize("name", ["notice-propose", "notice-days", "notice-text", "notice-publish"])
def test_round_posts_refuse_assessor_and_stranger(client, finalised, name):  # noqa: F811
    data = {"days": "10", "text": "x", "confirm": "1", "include_deductions": "1"}
    client.force_login(finalised.bob)
    response = client.post(url(name, finalised.round.pk), data)
    assert response.status_code == 403 and "只有镇党委管理员" in response.content.decode()
    client.force_login(finalised.eve)
    assert client.post(url(name, finalised.round.pk), data).status_code == 404
    round = Round.objects.get(pk=finalised.round.pk)
    assert (round.rectification_days, round.notice_text, round.published_at) == (30, "", None)
    assert not Rectification.objects.exists() and not AuditLog.objects.filter(action__startswith="notice").exists()


def test_days_set(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    response = client.post(url("notice-days", finalised.round.pk), {"days": "15"}, follow=True)
    assert "默认整改天数已设为 15 天" in response.content.decode()
    finalised.round.refresh_from_db()
    assert finalised.round.rectification_days == 15
    client.post(url("notice-propose", finalised.round.pk))
    assert Rectification.objects.get().deadline == datetime.date.today() + datetime.timedelta(days=15)
    response = client.post(url("notice-days", finalised.round.pk), {"days": "0"}, follow=True)
    assert "整改天数应在 1 到 365 天之间" in response.content.decode()
    finalised.round.refresh_from_db()
    assert finalised.round.rectification_days == 15


def test_draft_save_and_remove(client, drafts):
    client.force_login(drafts.alice)
    r = Rectification.objects.get(assessment=drafts.assessment)
    deadline = datetime.date.today() + datetime.timedelta(days=20)
    response = client.post(url("rectification-draft-save", r.pk), {
        "problem": "会议记录不全", "requirement": "补齐记录", "deadline": deadline.isoformat(), "responsible": "张三",
    })
    assert response.status_code == 302 and response.url.endswith(f"#draft-{r.pk}")
    r.refresh_from_db()
    assert (r.problem, r.requirement, r.deadline, r.responsible) == ("会议记录不全", "补齐记录", deadline, "张三")
    response = client.post(url("rectification-draft-save", r.pk), {
        "problem": "", "requirement": "y", "deadline": deadline.isoformat(), "responsible": ""}, follow=True)
    assert "存在问题和整改要求都不能为空" in response.content.decode()
    response = client.post(url("rectification-draft-save", r.pk), {
        "problem": "p", "requirement": "y", "deadline": "明天", "responsible": ""}, follow=True)
    assert "请填写有效的整改时限" in response.content.decode()
    r.refresh_from_db()
    assert r.problem == "会议记录不全"
    client.post(url("rectification-draft-remove", r.pk))
    assert not Rectification.objects.filter(pk=r.pk).exists()


def test_draft_posts_check_role_and_township(client, drafts):
    r = Rectification.objects.get(assessment=drafts.assessment)
    data = {"problem": "x", "requirement": "y", "deadline": "2099-01-01", "responsible": ""}
    for name in ("rectification-draft-save", "rectification-draft-remove"):
        client.force_login(drafts.alice)
        assert client.get(url(name, r.pk)).status_code == 405
        client.force_login(drafts.bob)
        response = client.post(url(name, r.pk), data)
        assert response.status_code == 403 and "只有镇党委管理员" in response.content.decode()
        for who in (drafts.eve, drafts.carol, drafts.dave):
            client.force_login(who)
            assert client.post(url(name, r.pk), data).status_code == 404
    r2 = Rectification.objects.get(pk=r.pk)
    assert (r2.problem, r2.status) == (r.problem, RectificationStatus.DRAFT)


def test_publish_needs_the_confirmation(client, drafts):
    client.force_login(drafts.alice)
    response = client.post(url("notice-publish", drafts.round.pk), follow=True)
    assert "请勾选" in response.content.decode()
    drafts.round.refresh_from_db()
    assert drafts.round.published_at is None


def test_publish_refused_while_a_branch_is_unfinished(client, drafts):
    drafts.assessment2.status = Status.ONSITE
    drafts.assessment2.save()
    client.force_login(drafts.alice)
    html = client.get(url("notice-prepare", drafts.round.pk)).content.decode()
    assert "还有 1 个支部未完成现场考评：西段村" in html
    response = client.post(url("notice-publish", drafts.round.pk), {"confirm": "1", "number": "化党发〔2026〕3号"}, follow=True)
    assert "不能发布通报" in response.content.decode()
    drafts.round.refresh_from_db()
    assert drafts.round.published_at is None
    assert Rectification.objects.filter(status=RectificationStatus.DRAFT).count() == 2


def test_text_then_publish_then_the_page_says_published(client, drafts):
    client.force_login(drafts.alice)
    client.post(url("notice-text", drafts.round.pk), {"text": "现将考核情况通报如下。"})
    html = client.get(url("notice-prepare", drafts.round.pk)).content.decode()
    assert html.count("现将考核情况通报如下。") == 2  # the textarea and the preview
    response = client.post(url("notice-publish", drafts.round.pk), {"confirm": "1", "number": "化党发〔2026〕3号"})
    assert response.status_code == 302 and response.url == url("notice-detail", drafts.round.pk)
    drafts.round.refresh_from_db()
    assert drafts.round.phase == Phase.NOTICE and drafts.round.notice_text == "现将考核情况通报如下。"
    assert set(Rectification.objects.values_list("status", flat=True)) == {RectificationStatus.PENDING}
    html = client.get(url("notice-prepare", drafts.round.pk)).content.decode()
    assert 'id="published"' in html and url("notice-detail", drafts.round.pk) in html
    assert "发布通报</button>" not in html


# --- 添加整改事项 by hand ------------------------------------------------------------------------------

def test_the_page_keeps_a_fixed_number_of_queries(client, finalised, django_assert_num_queries):  # noqa: F811
    """Session, user, round, the ranking (3), the rectifications of the preview, the drafts, the
    typical problems, the items of the form 添加整改事项 (its branches come with the
    ranking) and the pairings (结对帮带; none here): 11, however many drafts and branches."""
    client.force_login(finalised.alice)
    page = url("notice-prepare", finalised.round.pk)
    with django_assert_num_queries(12):  # with the navbar's unread badge
        client.get(page)
    Branch.objects.create(township=finalised.township, name="东段村", order=3)
    round_prepare(round=finalised.round)
    client.post(url("notice-propose", finalised.round.pk), {"include_deductions": "1"})
    client.post(url("rectification-draft-add", finalised.round.pk), add_data(finalised))
    with django_assert_num_queries(12):
        html = client.get(page).content.decode()
    assert "拟整改事项（3 项）" in html and "东段村（未完成考评）" in html


def test_the_add_form_is_shown_while_preparing(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    html = client.get(url("notice-prepare", finalised.round.pk)).content.decode()
    assert 'id="draft-add"' in html and url("rectification-draft-add", finalised.round.pk) in html
    for field in ("assessment", "item", "problem", "requirement", "deadline", "responsible"):
        assert f'<label class="form-label small" for="{field}-add">' in html and f'id="{field}-add"' in html
    assert "（不对应具体考核项目）" in html and ">对照评分标准逐项整改到位。</textarea>" in html
    assert f'value="{in_days(30).isoformat()}"' in html  # today + the round's 30 days, as proposed items
    assert f'<option value="{finalised.assessment.pk}">化峪村</option>' in html
    assert "<script" not in html.split('id="draft-add"')[1].split("</section>")[0]


def test_the_add_form_is_gone_once_published(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    client.post(url("notice-publish", finalised.round.pk), {"confirm": "1", "number": "化党发〔2026〕3号"})
    html = client.get(url("notice-prepare", finalised.round.pk)).content.decode()
    assert 'id="draft-add"' not in html and "添加整改事项" not in html


def test_the_add_form_waits_for_the_onsite_phase(client, finalised):  # noqa: F811
    Round.objects.filter(pk=finalised.round.pk).update(phase=Phase.SELF)
    client.force_login(finalised.alice)
    html = client.get(url("notice-prepare", finalised.round.pk)).content.decode()
    assert 'id="draft-add"' not in html


def add_data(c, **changes):
    data = {"assessment": c.assessment2.pk, "item": "", "problem": "党员活动室制度未上墙",
            "requirement": "制度上墙并拍照留档", "deadline": in_days(15).isoformat(), "responsible": ""}
    data.update(changes)
    return data


def test_add_a_draft_of_an_item(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    item = Item.objects.get(standard=finalised.standard, number=5)
    response = client.post(url("rectification-draft-add", finalised.round.pk),
                           add_data(finalised, item=str(item.pk), responsible="李四"))
    r = Rectification.objects.get()
    assert response.status_code == 302 and response.url == url("notice-prepare", finalised.round.pk) + f"#draft-{r.pk}"
    assert (r.assessment, r.item, r.problem, r.requirement, r.deadline, r.responsible, r.status) == (
        finalised.assessment2, item, "党员活动室制度未上墙", "制度上墙并拍照留档", in_days(15), "李四",
        RectificationStatus.DRAFT)
    assert AuditLog.objects.filter(action="rectification_draft_add", assessment=finalised.assessment2,
                                   item=item).exists()
    html = client.get(response.url).content.decode()
    assert "已为西段村添加一项拟整改事项" in html and f'id="draft-{r.pk}"' in html


def test_add_a_general_problem_then_publish(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    response = client.post(url("rectification-draft-add", finalised.round.pk), add_data(finalised), follow=True)
    assert "已为西段村添加一项拟整改事项" in response.content.decode()
    r = Rectification.objects.get()
    assert (r.item, r.responsible, r.status) == (None, "dave", RectificationStatus.DRAFT)
    client.post(url("notice-publish", finalised.round.pk), {"confirm": "1", "number": "化党发〔2026〕3号"})
    r.refresh_from_db()
    assert r.status == RectificationStatus.PENDING
    assert "党员活动室制度未上墙" in client.get(url("notice-detail", finalised.round.pk)).content.decode()


def _other_rounds_branch(c):
    round = Round.objects.create(township=c.township, standard=c.standard, name="2025年度考核", year=2025,
                                 phase=Phase.ONSITE)
    round_prepare(round=round)
    return round.assessments.get(branch=c.branch2).pk


ADD_REFUSALS = {
    "empty problem": (lambda c: {"problem": " "}, "存在问题和整改要求都不能为空"),
    "past deadline": (lambda c: {"deadline": in_days(-1).isoformat()}, "整改时限不能早于今天"),
    "bad deadline": (lambda c: {"deadline": "下个月"}, "请填写有效的整改时限"),
    "another township's branch": (lambda c: {"assessment": c.other_assessment.pk}, "请选择本批次考核的党支部"),
    "another round's branch": (lambda c: {"assessment": _other_rounds_branch(c)}, "请选择本批次考核的党支部"),
    "no branch": (lambda c: {"assessment": ""}, "请选择本批次考核的党支部"),
    "a branch that is not a number": (lambda c: {"assessment": "西段村"}, "请选择本批次考核的党支部"),
    "a branch beyond any id": (lambda c: {"assessment": "9" * 30}, "请选择本批次考核的党支部"),
    "no such branch": (lambda c: {"assessment": "999999"}, "请选择本批次考核的党支部"),
    "another standard's item": (lambda c: {"item": make_standard("另一标准").items.first().pk}, "请选择本批次考核标准"),
    "an item that is not a number": (lambda c: {"item": "1.5"}, "请选择本批次考核标准"),
    "no such item": (lambda c: {"item": "999999"}, "请选择本批次考核标准"),
    "an item already listed": (
        lambda c: {"assessment": c.assessment.pk, "item": Item.objects.get(standard=c.standard, number=1).pk},
        "化峪村的第 1 项已列入整改事项"),
}


@pytest.mark.parametrize("case", ADD_REFUSALS)
def test_add_refusals_change_nothing(client, finalised, case):  # noqa: F811
    client.force_login(finalised.alice)
    client.post(url("notice-propose", finalised.round.pk))  # item 1 of 化峪村 is listed
    changes, message = ADD_REFUSALS[case]
    data = add_data(finalised, **changes(finalised))
    before = drafts_and_audit()
    response = client.post(url("rectification-draft-add", finalised.round.pk), data)
    assert response.status_code == 302 and response.url.endswith("#draft-add")
    assert message in client.get(response.url).content.decode()
    assert drafts_and_audit() == before


def test_add_refused_for_an_unfinalised_branch(client, finalised):  # noqa: F811
    finalised.assessment2.status = Status.ONSITE
    finalised.assessment2.save()
    client.force_login(finalised.alice)
    html = client.get(url("notice-prepare", finalised.round.pk)).content.decode()
    assert f'<option value="{finalised.assessment2.pk}" disabled>西段村（未完成考评）</option>' in html
    before = drafts_and_audit()
    response = client.post(url("rectification-draft-add", finalised.round.pk), add_data(finalised), follow=True)
    assert "西段村尚未完成现场考评（当前为“考评中”）" in response.content.decode()
    assert drafts_and_audit() == before


def test_add_refused_after_publication(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    client.post(url("notice-publish", finalised.round.pk), {"confirm": "1", "number": "化党发〔2026〕3号"})
    before = drafts_and_audit()
    response = client.post(url("rectification-draft-add", finalised.round.pk), add_data(finalised), follow=True)
    assert "不能再修改拟整改事项" in response.content.decode()
    assert drafts_and_audit() == before


def test_add_checks_role_and_township(client, finalised):  # noqa: F811
    add = url("rectification-draft-add", finalised.round.pk)
    before = drafts_and_audit()
    for who in (finalised.bob, finalised.carol):
        client.force_login(who)
        response = client.post(add, add_data(finalised))
        assert response.status_code == 403 and "只有镇党委管理员可以准备和发布通报" in response.content.decode()
    client.force_login(finalised.eve)
    assert client.post(add, add_data(finalised)).status_code == 404
    client.force_login(finalised.alice)
    assert client.get(add).status_code == 405
    client.logout()
    assert client.post(add, add_data(finalised)).status_code == 302
    assert drafts_and_audit() == before
