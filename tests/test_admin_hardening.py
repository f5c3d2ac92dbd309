"""Django admin cannot do what the pages refuse (issue 11, findings 1 and 2): a township admin's
choice lists and posted ids stay in their township; the records the services own are read-only
here; every edit made here, also by the superuser, is audited."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessment.models import (
    AuditLog, Branch, BonusClaim, Message, Phase, Rectification, Round, User, Veto, VetoFinding,
)
from tests.admin_cast import build


@pytest.fixture
def foreign(cast):
    return build(cast)


def test_a_township_admin_cannot_write_findings_claims_or_messages_into_another_township(client, cast, foreign):
    client.force_login(cast.alice)
    veto = Veto.objects.create(standard=cast.standard, code="否2", text="拉票贿选", order=2)
    posts = {
        "vetofinding": {"assessment": cast.other_assessment.pk, "veto": veto.pk,
                        "note": "伪造", "recorded_by": cast.eve.pk, "recorded_at_0": "2026-01-01",
                        "recorded_at_1": "08:00:00"},
        "bonusclaim": {"assessment": cast.other_assessment.pk, "bonus": cast.standard.bonuses.first().pk,
                       "decision": "approved"},
        "rectification": {"assessment": cast.other_assessment.pk, "problem": "伪造", "requirement": "伪造",
                          "deadline": "2027-01-01", "status": "closed", "verified_by": cast.eve.pk},
        "message": {"user": cast.frank.pk, "text": "请点击", "link": "https://example.com/"},
    }
    before = (VetoFinding.objects.count(), BonusClaim.objects.count(), Rectification.objects.count(),
              Message.objects.count())
    for model, data in posts.items():
        assert client.get(reverse(f"admin:assessment_{model}_add")).status_code == 403, model
        response = client.post(reverse(f"admin:assessment_{model}_add"), data)
        assert response.status_code == 403, model
    assert (VetoFinding.objects.count(), BonusClaim.objects.count(), Rectification.objects.count(),
            Message.objects.count()) == before


def test_choice_lists_hold_only_the_township_and_a_foreign_id_is_a_form_error(client, cast, foreign):
    client.force_login(cast.alice)
    html = client.get(reverse("admin:assessment_round_add")).content.decode()
    assert "测试标准" in html and "外镇考核标准" not in html and "其他镇" not in html
    data = {"username": "newbie", "password1": "Huayu-test-2026", "password2": "Huayu-test-2026",
            "usable_password": "true", "display_name": "新人", "role": "secretary",
            "township": cast.township.pk, "branch": cast.other_branch.pk}
    response = client.post(reverse("admin:assessment_user_add"), data)
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    data["branch"] = cast.branch.pk
    response = client.post(reverse("admin:assessment_user_add"), data)
    assert response.status_code == 302
    assert User.objects.get(username="newbie").township == cast.township
    # the round's standard: another township's is not a choice
    response = client.post(reverse("admin:assessment_round_add"), {
        "township": cast.township.pk, "standard": foreign.standard.pk, "name": "新批次", "year": 2027,
        "inflation_threshold": "5", "rectification_days": 30, "created_at_0": "2026-01-01",
        "created_at_1": "00:00:00"})
    assert response.status_code == 200 and not Round.objects.filter(name="新批次").exists()


def _published_round_with_a_veto(cast):
    from tests.permissions_scenario import build as scenario

    state = scenario(cast)["published"]
    finding = VetoFinding.objects.create(assessment=state.assessment2, veto=state.veto, note="弄虚作假",
                                         recorded_by=cast.bob)
    return state, finding


def test_nobody_deletes_a_veto_finding_of_a_published_round_in_the_admin(client, cast):
    state, finding = _published_round_with_a_veto(cast)
    for user in (cast.root, cast.alice):
        user.is_staff = True
        user.save()
        client.force_login(user)
        response = client.post(reverse("admin:assessment_vetofinding_delete", args=[finding.pk]), {"post": "yes"})
        assert response.status_code == 403
        response = client.post(reverse("admin:assessment_vetofinding_changelist"),
                               {"action": "delete_selected", "_selected_action": [finding.pk], "post": "yes"})
        assert VetoFinding.objects.filter(pk=finding.pk).exists()


def test_a_rectification_is_not_closed_in_the_admin(client, cast):
    state = _published_round_with_a_veto(cast)[0]
    client.force_login(cast.root)
    item = state.rect_reported
    response = client.post(reverse("admin:assessment_rectification_change", args=[item.pk]), {
        "assessment": item.assessment_id, "item": item.item_id, "problem": item.problem,
        "requirement": item.requirement, "deadline": item.deadline.isoformat(), "status": "closed",
        "verified_by": cast.eve.pk})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "reported" and item.verified_by is None


def test_an_archived_round_is_read_only_in_the_admin(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ARCHIVED, notice_text="原通报",
                                                  published_at=timezone.now())
    client.force_login(cast.root)
    response = client.post(reverse("admin:assessment_round_change", args=[cast.round.pk]), {
        "township": cast.township.pk, "standard": cast.standard.pk, "name": cast.round.name, "year": 2026,
        "phase": "notice", "notice_text": "改过的通报", "published_at_0": "", "published_at_1": "",
        "inflation_threshold": "5", "rectification_days": 30})
    assert response.status_code == 403
    round = Round.objects.get(pk=cast.round.pk)
    assert (round.phase, round.notice_text) == (Phase.ARCHIVED, "原通报") and round.published_at
    response = client.post(reverse("admin:assessment_round_delete", args=[cast.round.pk]), {"post": "yes"})
    assert response.status_code == 403 and Round.objects.filter(pk=cast.round.pk).exists()


def test_a_round_in_preparation_is_edited_but_its_phase_moves_only_on_its_page(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.PREPARATION)
    client.force_login(cast.root)
    response = client.post(reverse("admin:assessment_round_change", args=[cast.round.pk]), {
        "township": cast.township.pk, "standard": cast.standard.pk, "name": "改名的批次", "year": 2026,
        "phase": "archived", "notice_text": "偷偷写的通报", "inflation_threshold": "5",
        "rectification_days": 30, "created_at_0": "2026-01-01", "created_at_1": "00:00:00"})
    assert response.status_code == 302
    round = Round.objects.get(pk=cast.round.pk)
    assert (round.name, round.phase, round.notice_text) == ("改名的批次", Phase.PREPARATION, "")
    record = AuditLog.objects.filter(action="admin_change").get()
    assert record.actor == cast.root and "2026年度规范化建设考核验收" in record.old_value
    assert "改名的批次" in record.new_value


def test_every_admin_edit_of_the_superuser_is_audited(client, cast, capsys):
    client.force_login(cast.root)
    url = reverse("admin:assessment_branch_change", args=[cast.branch2.pk])
    response = client.post(url, {"township": cast.township.pk, "name": "西段新村", "kind": "rural", "members": 30,
                                 "order": 2, "secretaries-TOTAL_FORMS": 1, "secretaries-INITIAL_FORMS": 1,
                                 "secretaries-0-id": cast.dave.pk, "secretaries-0-branch": cast.branch2.pk,
                                 "secretaries-0-display_name": "戴夫", "secretaries-0-is_active": "on"})
    assert response.status_code == 302
    change = AuditLog.objects.get(action="admin_change", field="name, members")
    assert change.actor == cast.root and "西段村" in change.old_value and "西段新村" in change.new_value
    secretary = AuditLog.objects.get(action="admin_change", field="display_name")
    assert "dave" in secretary.old_value and "戴夫" in secretary.new_value

    message = Message.objects.create(user=cast.carol, text="旧消息")
    response = client.post(reverse("admin:assessment_message_delete", args=[message.pk]), {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditLog.objects.get(action="admin_delete")
    assert deleted.actor == cast.root and "旧消息" in deleted.old_value

    response = client.post(reverse("admin:assessment_branch_add"), {
        "township": cast.township.pk, "name": "新建村", "kind": "rural", "members": 0, "order": 9,
        "secretaries-TOTAL_FORMS": 0, "secretaries-INITIAL_FORMS": 0})
    assert response.status_code == 302
    added = AuditLog.objects.get(action="admin_add")
    assert added.actor == cast.root and str(Branch.objects.get(name="新建村").pk) in added.target

    response = client.post(reverse("admin:auth_user_password_change", args=[cast.carol.pk]),
                           {"password1": "Huayu-new-2026", "password2": "Huayu-new-2026", "usable_password": "true"})
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="admin_change", field="password", target__contains="carol").exists()
    call_command("verify_audit")
    assert "操作记录完整" in capsys.readouterr().out


def test_message_admin_offers_no_add_or_change(client, cast):
    client.force_login(cast.root)
    message = Message.objects.create(user=cast.carol, text="提醒", created_at=timezone.now() - datetime.timedelta(days=1))
    assert client.get(reverse("admin:assessment_message_add")).status_code == 403
    response = client.post(reverse("admin:assessment_message_change", args=[message.pk]),
                           {"user": cast.frank.pk, "text": "改过", "link": "https://example.com/"})
    assert response.status_code == 403
    message.refresh_from_db()
    assert (message.user, message.text) == (cast.carol, "提醒")


def test_no_assessment_is_added_to_a_published_round_from_the_admin(client, cast):
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE)
    Branch.objects.create(township=cast.township, name="新建村")
    before = cast.round.assessments.count()
    client.force_login(cast.root)
    response = client.post(reverse("admin:assessment_round_changelist"),
                           {"action": "prepare_assessments", "_selected_action": [cast.round.pk]}, follow=True)
    assert "通报已发布，不能再生成考核记录" in response.content.decode()
    assert cast.round.assessments.count() == before
