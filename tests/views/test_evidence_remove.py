"""POST /evidence/<pk>/remove/ (evidence-remove) and the evidence_remove service."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assessment.models import AuditLog, Evidence, Status
from assessment.services.evidence import evidence_add
from tests.test_uploads import pdf_bytes, png_bytes, upload
from tests.views.test_evidence_upload import FETCH, stored_files


@pytest.fixture
def photo(cast):
    item = cast.standard.items.order_by("number").first()
    return evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("合影.png", png_bytes()), item=item)


def remove_url(evidence):
    return reverse("evidence-remove", args=[evidence.pk])


def test_remove_deletes_record_and_files_after_commit(client, cast, photo, django_capture_on_commit_callbacks):
    assert len(stored_files()) == 2  # the photo and its thumbnail
    client.force_login(cast.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove_url(photo))

    assert response.status_code == 302
    assert response["Location"] == reverse("selfeval-checklist", kwargs={"pk": cast.assessment.pk}) + f"#item-{photo.item_id}"
    assert "已删除“合影.png”。" in [str(m) for m in get_messages(response.wsgi_request)]
    assert not Evidence.objects.exists()
    assert stored_files() == []
    log = AuditLog.objects.get(action="evidence_remove")
    assert log.old_value == "合影.png" and log.item_id == photo.item_id


def test_files_stay_until_the_removal_commits(client, cast, photo, django_capture_on_commit_callbacks):
    client.force_login(cast.carol)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(remove_url(photo))
    assert not Evidence.objects.exists()
    assert len(stored_files()) == 2 and len(callbacks) == 1


def test_remove_as_json_returns_the_item_block(client, cast, photo, django_capture_on_commit_callbacks):
    item = photo.item
    other = evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("记录.pdf", pdf_bytes()), item=item)
    client.force_login(cast.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove_url(photo), **FETCH)
    data = response.json()
    assert response.status_code == 200 and data["ok"] is True
    assert "合影.png" not in data["html"] and "记录.pdf" in data["html"]
    assert f'id="evidence-{item.pk}"' in data["html"]
    assert list(Evidence.objects.values_list("pk", flat=True)) == [other.pk]


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_other_branch_is_404(client, cast, photo, who):
    client.force_login(getattr(cast, who))
    assert client.post(remove_url(photo)).status_code == 404
    assert Evidence.objects.count() == 1 and len(stored_files()) == 2


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_township_staff_cannot_remove(client, cast, photo, who):
    client.force_login(getattr(cast, who))
    response = client.post(remove_url(photo), **FETCH)
    assert response.status_code == 403 and "只有本支部书记" in response.json()["error"]
    assert Evidence.objects.count() == 1 and len(stored_files()) == 2


def test_after_submission_refused(client, cast, photo):
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()
    client.force_login(cast.carol)
    response = client.post(remove_url(photo), **FETCH)
    assert response.status_code == 403 and "已提交" in response.json()["error"]
    response = client.post(remove_url(photo))
    assert response.status_code == 302
    assert any("已提交" in str(m) for m in get_messages(response.wsgi_request))
    assert Evidence.objects.count() == 1 and len(stored_files()) == 2


def test_unknown_evidence_is_404(client, cast):
    client.force_login(cast.carol)
    assert client.post(reverse("evidence-remove", args=[999999])).status_code == 404


def test_rejects_get(client, cast, photo):
    client.force_login(cast.carol)
    assert client.get(remove_url(photo)).status_code == 405
    assert Evidence.objects.count() == 1
