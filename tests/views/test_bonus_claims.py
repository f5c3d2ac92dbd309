"""加分项申报: bonus-claim-save, bonus-claim-withdraw, their services and bonus_claims_for."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assessment.models import AuditLog, Bonus, BonusClaim, Evidence, Phase, Status
from assessment.selectors_evidence import bonus_claims_for
from assessment.services.base import ServiceError
from assessment.services.evidence import bonus_claim_save, bonus_claim_withdraw, evidence_add
from assessment.services.selfeval import InvalidInput
from tests.conftest import make_standard
from tests.test_uploads import EXE, pdf_bytes, png_bytes, upload
from tests.views.test_evidence_upload import FETCH, stored_files


@pytest.fixture
def bonus(cast):
    return cast.standard.bonuses.get(code="加1")


def save_url(cast, bonus):
    return reverse("bonus-claim-save", args=[cast.assessment.pk, bonus.pk])


def withdraw_url(cast, bonus):
    return reverse("bonus-claim-withdraw", args=[cast.assessment.pk, bonus.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- save ---------------------------------------------------------------------------


def test_claim_with_note_and_files(client, cast, bonus):
    client.force_login(cast.carol)
    response = client.post(save_url(cast, bonus), {
        "note": "2025年7月获评县级先进基层党组织", "file": [upload("表彰文件.pdf", pdf_bytes()), upload("奖牌.png", png_bytes())],
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("selfeval-checklist", kwargs={"pk": cast.assessment.pk}) + f"#bonus-{bonus.pk}"
    assert "已保存加分项“加1”的申报。" in messages_of(response)
    claim = BonusClaim.objects.get()
    assert (claim.assessment, claim.bonus, claim.decision) == (cast.assessment, bonus, BonusClaim.Decision.CLAIMED)
    assert claim.note == "2025年7月获评县级先进基层党组织"
    assert sorted(Evidence.objects.filter(bonus_claim=claim).values_list("original_name", flat=True)) == ["奖牌.png", "表彰文件.pdf"]
    assert not Evidence.objects.filter(item__isnull=False).exists()
    assert len(stored_files()) == 3  # two files and one thumbnail
    assert AuditLog.objects.filter(action="bonus_claim_save").count() == 1
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SELF


def test_change_the_note_as_json(client, cast, bonus):
    bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="旧说明")
    client.force_login(cast.carol)
    response = client.post(save_url(cast, bonus), {"note": "新说明"}, **FETCH)
    data = response.json()
    assert response.status_code == 200 and data["ok"] is True
    assert "新说明" in data["html"] and 'id="bonus-claims"' in data["html"]
    assert BonusClaim.objects.get().note == "新说明"
    log = AuditLog.objects.filter(action="bonus_claim_save").order_by("id").last()
    assert (log.old_value, log.new_value) == ("旧说明", "新说明")


def test_a_bad_file_is_refused_but_the_claim_is_kept(client, cast, bonus):
    client.force_login(cast.carol)
    response = client.post(save_url(cast, bonus), {"note": "说明", "file": [upload("奖状.jpg", EXE)]}, **FETCH)
    data = response.json()
    assert data["ok"] is False and "奖状.jpg" in data["error"]
    assert BonusClaim.objects.count() == 1 and Evidence.objects.count() == 0 and stored_files() == []


def test_note_is_required(client, cast, bonus):
    client.force_login(cast.carol)
    response = client.post(save_url(cast, bonus), {"note": "  "}, **FETCH)
    assert response.status_code == 400 and "申报说明" in response.json()["error"]
    assert not BonusClaim.objects.exists()


def test_bonus_of_another_standard_is_404(client, cast):
    other = make_standard(name="别的标准").bonuses.get()
    client.force_login(cast.carol)
    assert client.post(save_url(cast, other), {"note": "x"}).status_code == 404


def test_service_refuses_bonus_of_another_standard(cast):
    other = make_standard(name="别的标准").bonuses.get()
    with pytest.raises(ServiceError, match="不属于"):
        bonus_claim_save(assessment=cast.assessment, bonus=other, actor=cast.carol, note="x")


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_other_branch_is_404(client, cast, bonus, who):
    client.force_login(getattr(cast, who))
    assert client.post(save_url(cast, bonus), {"note": "x"}).status_code == 404
    assert client.post(withdraw_url(cast, bonus)).status_code == 404
    assert not BonusClaim.objects.exists()


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_township_staff_cannot_claim(client, cast, bonus, who):
    client.force_login(getattr(cast, who))
    response = client.post(save_url(cast, bonus), {"note": "x", "file": upload("a.pdf", pdf_bytes())}, **FETCH)
    assert response.status_code == 403
    assert not BonusClaim.objects.exists() and stored_files() == []


def test_after_submission_refused(client, cast, bonus):
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()
    client.force_login(cast.carol)
    response = client.post(save_url(cast, bonus), {"note": "x", "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 302 and any("已提交" in m for m in messages_of(response))
    assert not BonusClaim.objects.exists() and stored_files() == []


def test_wrong_phase_refused(client, cast, bonus):
    bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="说明")
    cast.round.phase = Phase.ONSITE
    cast.round.save()
    client.force_login(cast.carol)
    response = client.post(withdraw_url(cast, bonus), **FETCH)
    assert response.status_code == 403 and "不在自评阶段" in response.json()["error"]
    assert BonusClaim.objects.count() == 1


def test_rejects_get(client, cast, bonus):
    client.force_login(cast.carol)
    assert client.get(save_url(cast, bonus)).status_code == 405
    assert client.get(withdraw_url(cast, bonus)).status_code == 405


# --- withdraw -------------------------------------------------------------------------


def test_withdraw_removes_claim_and_its_files(client, cast, bonus, django_capture_on_commit_callbacks):
    claim = bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="说明")
    evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("奖牌.png", png_bytes()), bonus_claim=claim)
    assert len(stored_files()) == 2
    client.force_login(cast.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(cast, bonus))
    assert response.status_code == 302
    assert "已撤回加分项“加1”的申报。" in messages_of(response)
    assert not BonusClaim.objects.exists() and not Evidence.objects.exists()
    assert stored_files() == []
    assert AuditLog.objects.filter(action="bonus_claim_withdraw").count() == 1


def test_withdraw_without_claim(cast, bonus):
    with pytest.raises(ServiceError, match="没有申报"):
        bonus_claim_withdraw(assessment=cast.assessment, bonus=bonus, actor=cast.carol)


def test_judged_claim_cannot_change(cast, bonus):
    claim = bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="说明")
    BonusClaim.objects.filter(pk=claim.pk).update(decision=BonusClaim.Decision.APPROVED)
    with pytest.raises(ServiceError, match="已认定"):
        bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="改")
    with pytest.raises(ServiceError, match="已认定"):
        bonus_claim_withdraw(assessment=cast.assessment, bonus=bonus, actor=cast.carol)


def test_remove_one_file_of_a_claim(client, cast, bonus, django_capture_on_commit_callbacks):
    claim = bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="说明")
    evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("a.pdf", pdf_bytes()),
                            bonus_claim=claim)
    client.force_login(cast.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence-remove", args=[evidence.pk]), **FETCH)
    assert response.status_code == 200 and "a.pdf" not in response.json()["html"]
    assert BonusClaim.objects.count() == 1 and stored_files() == []


def test_note_too_long(cast, bonus):
    with pytest.raises(InvalidInput, match="不能超过"):
        bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="长" * 2001)


# --- the selector ---------------------------------------------------------------------


def test_bonus_claims_for_in_two_queries(cast, bonus, django_assert_num_queries):
    second = Bonus.objects.create(standard=cast.standard, code="加2", text="经验被推广", points=Decimal("1"), order=2)
    claim = bonus_claim_save(assessment=cast.assessment, bonus=bonus, actor=cast.carol, note="我的")
    evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("a.pdf", pdf_bytes()), bonus_claim=claim)
    other = bonus_claim_save(assessment=cast.assessment2, bonus=second, actor=cast.dave, note="别人的")
    evidence_add(assessment=cast.assessment2, actor=cast.dave, upload=upload("b.pdf", pdf_bytes()), bonus_claim=other)

    with django_assert_num_queries(2):
        bonuses = bonus_claims_for(cast.assessment)
    assert [b.code for b in bonuses] == ["加1", "加2"]
    assert bonuses[0].claim.pk == claim.pk and [f.original_name for f in bonuses[0].files] == ["a.pdf"]
    assert bonuses[1].claim is None and bonuses[1].files == []  # dave's claim is not carol's


def test_bonus_claims_for_without_claims_is_one_query(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        bonuses = bonus_claims_for(cast.assessment)
    assert [(b.code, b.claim, b.files) for b in bonuses] == [("加1", None, [])]
