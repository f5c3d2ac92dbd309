"""准备通报: /rounds/<pk>/notice/prepare/ and its POST endpoints."""

import datetime

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Phase, Rectification, RectificationStatus, Round, Status
from tests.test_services_notice import finalised  # noqa: F401  (fixture)


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
    response = client.post(url("notice-publish", drafts.round.pk), {"confirm": "1"}, follow=True)
    assert "不能发布通报" in response.content.decode()
    drafts.round.refresh_from_db()
    assert drafts.round.published_at is None
    assert Rectification.objects.filter(status=RectificationStatus.DRAFT).count() == 2


def test_text_then_publish_then_the_page_says_published(client, drafts):
    client.force_login(drafts.alice)
    client.post(url("notice-text", drafts.round.pk), {"text": "现将考核情况通报如下。"})
    html = client.get(url("notice-prepare", drafts.round.pk)).content.decode()
    assert html.count("现将考核情况通报如下。") == 2  # the textarea and the preview
    response = client.post(url("notice-publish", drafts.round.pk), {"confirm": "1"})
    assert response.status_code == 302 and response.url == url("notice-detail", drafts.round.pk)
    drafts.round.refresh_from_db()
    assert drafts.round.phase == Phase.NOTICE and drafts.round.notice_text == "现将考核情况通报如下。"
    assert set(Rectification.objects.values_list("status", flat=True)) == {RectificationStatus.PENDING}
    html = client.get(url("notice-prepare", drafts.round.pk)).content.decode()
    assert 'id="published"' in html and url("notice-detail", drafts.round.pk) in html
    assert "发布通报</button>" not in html
