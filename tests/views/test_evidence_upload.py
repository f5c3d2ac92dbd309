"""POST /assessments/<pk>/items/<item_id>/evidence/ (evidence-upload) and the evidence_add service."""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from assessment.models import AuditLog, Evidence, Phase, Status
from assessment.services import evidence as evidence_services
from assessment.services.base import ServiceError
from assessment.services.evidence import evidence_add
from tests.test_uploads import EXE, HTML, SVG, docx_bytes, heic_bytes, jpeg_bytes, pdf_bytes, png_bytes, upload

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def stored_files():
    root = settings.MEDIA_ROOT
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


def first_item(cast):
    return cast.standard.items.order_by("number").first()


def url(cast, assessment=None, item=None):
    assessment = assessment or cast.assessment
    return reverse("evidence-upload", args=[assessment.pk, (item or first_item(cast)).pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- works ------------------------------------------------------------------------


def test_upload_stores_photo_under_app_chosen_name_with_thumbnail(client, cast):
    client.force_login(cast.carol)
    item = first_item(cast)
    response = client.post(url(cast), {"file": upload("../../党员大会 合影.png", png_bytes(size=(800, 600)))})

    assert response.status_code == 302
    assert response["Location"] == reverse("selfeval-checklist", kwargs={"pk": cast.assessment.pk}) + f"#item-{item.pk}"
    assert "已上传 1 个文件。" in messages_of(response)
    evidence = Evidence.objects.get()
    assert (evidence.assessment, evidence.item, evidence.uploaded_by) == (cast.assessment, item, cast.carol)
    assert evidence.original_name == "党员大会 合影.png"
    assert evidence.content_type == "image/png" and evidence.size > 0
    assert evidence.file.name.startswith("evidence/") and evidence.file.name.endswith(".png")
    assert "党员" not in evidence.file.name and ".." not in evidence.file.name
    assert evidence.thumbnail.name.startswith("thumbs/") and evidence.thumbnail.name.endswith(".jpg")
    assert stored_files() == sorted([evidence.file.name, evidence.thumbnail.name])
    assert AuditLog.objects.filter(action="evidence_add", assessment=cast.assessment, item=item).count() == 1


def test_first_upload_starts_the_self_evaluation(client, cast):
    client.force_login(cast.carol)
    assert cast.assessment.status == Status.NOT_STARTED
    client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())})
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.SELF
    assert AuditLog.objects.filter(action="self_start", assessment=cast.assessment).count() == 1


def test_several_files_at_once_as_json(client, cast):
    client.force_login(cast.carol)
    files = [upload("会议记录.pdf", pdf_bytes()), upload("总结.docx", docx_bytes()), upload("IMG_1.HEIC", heic_bytes())]
    response = client.post(url(cast), {"file": files}, **FETCH)

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True and data["error"] == ""
    assert [e.content_type for e in Evidence.objects.order_by("id")] == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/heic",
    ]
    heic = Evidence.objects.get(content_type="image/heic")
    assert heic.file.name.endswith(".heic") and not heic.thumbnail
    assert "会议记录.pdf" in data["html"] and "总结.docx" in data["html"] and "IMG_1.HEIC" in data["html"]
    assert 'data-evidence-block' in data["html"]
    assert len(stored_files()) == 3


def test_wrong_extension_is_stored_by_detected_type(client, cast):
    client.force_login(cast.carol)
    client.post(url(cast), {"file": upload("扫描件.jpg", pdf_bytes())})
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf" and evidence.file.name.endswith(".pdf")
    assert evidence.original_name == "扫描件.jpg" and not evidence.thumbnail


def test_large_upload_through_a_temporary_file(client, cast, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # Django spools it to disk; storage moves it into place
    client.force_login(cast.carol)
    data = pdf_bytes() + b"%" + b"0" * 5000
    client.post(url(cast), {"file": [upload("长文件.pdf", data), upload("大图.jpg", jpeg_bytes(size=(1200, 900)))]})
    stored = Evidence.objects.order_by("id")
    assert [e.content_type for e in stored] == ["application/pdf", "image/jpeg"]
    assert stored[0].file.read() == data and stored[1].thumbnail
    assert len(stored_files()) == 3


# --- refusals: the file ---------------------------------------------------------------


@pytest.mark.parametrize("name, data", [
    ("photo.jpg", EXE), ("page.html", HTML), ("logo.svg", SVG), ("empty.pdf", b""),
])
def test_bad_content_is_refused_and_nothing_stored(client, cast, name, data):
    client.force_login(cast.carol)
    response = client.post(url(cast), {"file": upload(name, data)}, **FETCH)
    assert response.status_code == 400
    data = response.json()
    assert data["ok"] is False and name in data["error"]
    assert Evidence.objects.count() == 0 and stored_files() == []
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED


def test_bad_content_without_javascript_comes_back_with_a_message(client, cast):
    client.force_login(cast.carol)
    response = client.post(url(cast), {"file": upload("virus.jpg", EXE)})
    assert response.status_code == 302
    assert any("不是允许的文件类型" in m for m in messages_of(response))
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_too_large_is_refused(client, cast, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    client.force_login(cast.carol)
    response = client.post(url(cast), {"file": upload("大照片.jpg", jpeg_bytes(size=(600, 600)) + b"\x00" * 1000)}, **FETCH)
    assert response.status_code == 400
    assert "太大" in response.json()["error"]
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_one_bad_file_does_not_stop_the_good_ones(client, cast):
    client.force_login(cast.carol)
    response = client.post(url(cast), {"file": [upload("好.pdf", pdf_bytes()), upload("坏.jpg", EXE)]}, **FETCH)
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is False and "坏.jpg" in data["error"] and "好.pdf" in data["html"]
    assert Evidence.objects.count() == 1 and len(stored_files()) == 1


def test_no_file_chosen(client, cast):
    client.force_login(cast.carol)
    response = client.post(url(cast), {}, **FETCH)
    assert response.status_code == 400 and "请选择" in response.json()["error"]


# --- refusals: who and when ------------------------------------------------------------


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_other_branch_is_404(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 404
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_item_of_another_standard_is_404(client, cast):
    from tests.conftest import make_standard

    other_item = make_standard(name="别的标准").items.first()
    client.force_login(cast.carol)
    response = client.post(url(cast, item=other_item), {"file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["alice", "bob", "root"])
def test_township_staff_cannot_upload(client, cast, who):
    client.force_login(getattr(cast, who))
    response = client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())}, **FETCH)
    assert response.status_code == 403
    assert "只有本支部书记" in response.json()["error"]
    assert Evidence.objects.count() == 0 and stored_files() == []


def test_township_staff_without_javascript_get_the_reason(client, cast):
    client.force_login(cast.bob)
    response = client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 302
    assert any("只有本支部书记" in m for m in messages_of(response))
    assert Evidence.objects.count() == 0


def _submitted(cast):
    cast.assessment.status = Status.SUBMITTED
    cast.assessment.save()


def _past_deadline(cast):
    cast.round.self_end = datetime.date.today() - datetime.timedelta(days=1)
    cast.round.self_start = cast.round.self_end - datetime.timedelta(days=10)
    cast.round.save()


def _extension_also_past(cast):
    _past_deadline(cast)
    cast.assessment.self_deadline = datetime.date.today() - datetime.timedelta(days=1)
    cast.assessment.save()


def _onsite_phase(cast):
    cast.round.phase = Phase.ONSITE
    cast.round.save()


@pytest.mark.parametrize("close, words", [
    (_submitted, "已提交"),
    (_past_deadline, "截止"),
    (_extension_also_past, "截止"),
    (_onsite_phase, "不在自评阶段"),
])
def test_closed_self_evaluation_refuses_upload(client, cast, close, words):
    close(cast)
    client.force_login(cast.carol)
    response = client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())}, **FETCH)
    assert response.status_code == 403
    assert words in response.json()["error"]
    response = client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 302 and any(words in m for m in messages_of(response))
    assert Evidence.objects.count() == 0 and stored_files() == []
    assert not AuditLog.objects.filter(action="evidence_add").exists()


def test_extended_deadline_allows_upload(client, cast):
    _past_deadline(cast)
    cast.assessment.self_deadline = datetime.date.today() + datetime.timedelta(days=2)
    cast.assessment.save()
    client.force_login(cast.carol)
    assert client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())}, **FETCH).status_code == 200
    assert Evidence.objects.count() == 1


def test_rejects_get(client, cast):
    client.force_login(cast.carol)
    assert client.get(url(cast)).status_code == 405


def test_anonymous_is_sent_to_login(client, cast):
    response = client.post(url(cast), {"file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- the service: no orphan files -----------------------------------------------------


def test_db_failure_inside_evidence_add_leaves_no_file(cast, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(evidence_services, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("a.png", png_bytes()),
                     item=first_item(cast))
    assert Evidence.objects.count() == 0
    assert stored_files() == []


def test_refusal_under_the_lock_leaves_no_file(cast, monkeypatch):
    """The check is repeated with the row locked (a submit may have come in meanwhile)."""
    calls = []
    real = evidence_services.evidence_refusal

    def second_time_refused(assessment, actor):
        calls.append(1)
        return "已提交" if len(calls) > 1 else real(assessment, actor)

    monkeypatch.setattr(evidence_services, "evidence_refusal", second_time_refused)
    with pytest.raises(ServiceError):
        evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload("a.pdf", pdf_bytes()),
                     item=first_item(cast))
    assert Evidence.objects.count() == 0 and stored_files() == []
