"""GET /evidence/<pk>/ (evidence-file) and /evidence/<pk>/thumb/ (evidence-thumb)."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from assessment.services.evidence import evidence_add
from tests.test_uploads import docx_bytes, pdf_bytes, png_bytes, upload


def add(cast, name, data):
    item = cast.standard.items.order_by("number").first()
    return evidence_add(assessment=cast.assessment, actor=cast.carol, upload=upload(name, data), item=item)


def body(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["carol", "alice", "bob", "root"])
def test_allowed_users_get_the_photo_inline(client, cast, who):
    data = png_bytes()
    evidence = add(cast, "支部活动.png", data)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("evidence-file", args=[evidence.pk]))

    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f"filename*=UTF-8''{quote('支部活动.png')}" in disposition
    assert f'filename="evidence-{evidence.pk}.png"' in disposition  # ASCII fallback


def test_pdf_is_inline_and_office_is_an_attachment(client, cast):
    pdf = add(cast, "minutes.pdf", pdf_bytes())
    docx = add(cast, "总结.docx", docx_bytes())
    client.force_login(cast.carol)
    response = client.get(reverse("evidence-file", args=[pdf.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="minutes.pdf"'
    response = client.get(reverse("evidence-file", args=[docx.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")


def test_download_name_ends_in_the_detected_type(client, cast):
    evidence = add(cast, "setup.exe", pdf_bytes())
    client.force_login(cast.carol)
    response = client.get(reverse("evidence-file", args=[evidence.pk]))
    assert response["Content-Disposition"] == 'inline; filename="setup.exe.pdf"'


def test_thumbnail(client, cast):
    evidence = add(cast, "photo.png", png_bytes(size=(900, 300)))
    client.force_login(cast.bob)
    response = client.get(reverse("evidence-thumb", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert body(response)[:3] == b"\xff\xd8\xff"


def test_no_thumbnail_is_404(client, cast):
    evidence = add(cast, "a.pdf", pdf_bytes())
    client.force_login(cast.carol)
    assert client.get(reverse("evidence-thumb", args=[evidence.pk])).status_code == 404


def test_missing_file_on_disk_is_404(client, cast):
    evidence = add(cast, "a.pdf", pdf_bytes())
    evidence.file.storage.delete(evidence.file.name)
    client.force_login(cast.carol)
    assert client.get(reverse("evidence-file", args=[evidence.pk])).status_code == 404


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
@pytest.mark.parametrize("name", ["evidence-file", "evidence-thumb"])
def test_others_get_404(client, cast, who, name):
    evidence = add(cast, "photo.png", png_bytes())
    client.force_login(getattr(cast, who))
    assert client.get(reverse(name, args=[evidence.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, cast):
    evidence = add(cast, "photo.png", png_bytes())
    response = client.get(reverse("evidence-file", args=[evidence.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_rejects_post(client, cast):
    evidence = add(cast, "photo.png", png_bytes())
    client.force_login(cast.carol)
    assert client.post(reverse("evidence-file", args=[evidence.pk])).status_code == 405
