"""assessment.photos: the mid-size copy of an evidence photo; how evidence_add stores it (and
answers a repeated upload of the same file once); GET /evidence/<pk>/medium/ (evidence-medium)."""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from assessment import photos
from assessment.models import AuditLog, Evidence
from assessment.services.evidence import clean_upload_key, evidence_add, evidence_remove
from assessment.uploads import KINDS
from tests.test_uploads import jpeg_bytes, pdf_bytes, png_bytes, upload


def medium_of(data, extension="jpg"):
    return photos.make_medium(upload("p." + extension, data), KINDS[extension])


def opened(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def first_item(cast):
    return cast.standard.items.order_by("number").first()


def stored_files():
    root = settings.MEDIA_ROOT
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the copy -------------------------------------------------------------------------------


def test_a_large_photo_gets_a_1200_px_jpeg_decoded_at_half_size(monkeypatch):
    decoded = []
    thumbnail = Image.Image.thumbnail

    def spy(self, size, *args, **kwargs):
        decoded.append(self.size)  # after draft(): the size the decoder will produce
        return thumbnail(self, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "thumbnail", spy)
    data = medium_of(jpeg_bytes(size=(4000, 3000)))
    image = opened(data)
    assert (image.format, image.size, image.mode) == ("JPEG", (1200, 900), "RGB")
    assert decoded == [(2000, 1500)]  # never the 12 million pixels of the whole photo
    assert "exif" not in image.info


def test_the_copy_stands_upright_by_the_exif_orientation():
    image = opened(medium_of(jpeg_bytes(size=(3000, 2000), orientation=6)))  # turned 90° on the phone
    assert image.size == (800, 1200)


def test_a_transparent_png_goes_onto_white():
    image = opened(medium_of(png_bytes(size=(2400, 1200), mode="RGBA", color=(0, 0, 0, 0)), "png"))
    assert (image.format, image.size) == ("JPEG", (1200, 600))
    assert image.getpixel((600, 300)) == (255, 255, 255)


@pytest.mark.parametrize("data, extension", [
    (jpeg_bytes(size=(1200, 800)), "jpg"),  # small enough: the original serves
    (png_bytes(size=(640, 480)), "png"),
    (pdf_bytes(), "pdf"),
    (b"\xff\xd8\xff\xe0 not really a photo", "jpg"),
])
def test_no_copy_for_small_photos_documents_and_unreadable_files(data, extension):
    source = upload("p." + extension, data)
    assert photos.make_medium(source, KINDS[extension]) is None
    assert source.tell() == 0


# --- stored with the evidence ----------------------------------------------------------------


def test_evidence_add_stores_the_copy_and_removal_deletes_it(cast, django_capture_on_commit_callbacks):
    evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, item=first_item(cast),
                            upload=upload("支部大会.jpg", jpeg_bytes(size=(2600, 1950))))
    assert evidence.medium.name.startswith("medium/") and evidence.medium.name.endswith(".jpg")
    assert opened(evidence.medium.read()).size == (1200, 900)
    assert stored_files() == sorted([evidence.file.name, evidence.thumbnail.name, evidence.medium.name])

    with django_capture_on_commit_callbacks(execute=True):
        evidence_remove(evidence=evidence, actor=cast.carol)
    assert stored_files() == []


def test_a_small_photo_or_pdf_has_no_copy(cast):
    for name, data in (("小图.jpg", jpeg_bytes(size=(800, 600))), ("记录.pdf", pdf_bytes())):
        evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, item=first_item(cast),
                                upload=upload(name, data))
        assert not evidence.medium


# --- a repeated upload (its reply was lost) ----------------------------------------------------


def test_the_same_upload_key_twice_stores_one_file(client, cast):
    client.force_login(cast.carol)
    url = reverse("evidence-upload", args=[cast.assessment.pk, first_item(cast).pk])
    photo = jpeg_bytes(size=(640, 480))
    for _ in range(2):
        response = client.post(url, {"file": upload("签到.jpg", photo), "upload_key": "k-3f2a9c"},
                               HTTP_X_REQUESTED_WITH="fetch")
        assert response.status_code == 200
        data = response.json()
        assert data["ok"] and data["message"] == "已上传 1 个文件。"
        assert data["html"].count("evidence-thumb") == 1
    evidence = Evidence.objects.get()
    assert evidence.upload_key == "k-3f2a9c"
    assert AuditLog.objects.filter(action="evidence_add").count() == 1
    assert len(stored_files()) == 2  # the file and its thumbnail, once


def test_a_plain_form_post_stores_the_photo_as_it_is_with_its_copy(client, cast):
    """Without the script nothing is shrunk on the phone (上传原图 is not even shown)."""
    client.force_login(cast.carol)
    photo = jpeg_bytes(size=(3000, 2000))
    response = client.post(reverse("evidence-upload", args=[cast.assessment.pk, first_item(cast).pk]),
                           {"file": upload("合影.jpg", photo)})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.file.read() == photo and evidence.upload_key == ""
    assert opened(evidence.medium.read()).size == (1200, 800)


def test_upload_keys_are_per_assessment_and_plain_posts_have_none(client, cast):
    item = first_item(cast)
    evidence_add(assessment=cast.assessment, actor=cast.carol, item=item, upload=upload("a.pdf", pdf_bytes()),
                 upload_key="same")
    evidence_add(assessment=cast.assessment, actor=cast.carol, item=item, upload=upload("b.pdf", pdf_bytes()))
    evidence_add(assessment=cast.assessment, actor=cast.carol, item=item, upload=upload("c.pdf", pdf_bytes()))
    evidence_add(assessment=cast.assessment2, actor=cast.dave, item=item,
                 upload=upload("d.pdf", pdf_bytes()), upload_key="same")
    assert sorted(Evidence.objects.values_list("original_name", "upload_key")) == [
        ("a.pdf", "same"), ("b.pdf", ""), ("c.pdf", ""), ("d.pdf", "same")]


@pytest.mark.parametrize("value, kept", [
    ("0b9e2c1a-77f1-4c1e-9d7e-2b1f0e6a9c11", "0b9e2c1a-77f1-4c1e-9d7e-2b1f0e6a9c11"),
    ("  abc  ", "abc"), ("", ""), (None, ""), ("a b", ""), ("<x>", ""), ("键", ""), ("a" * 65, ""),
])
def test_upload_key_cleaning(value, kept):
    assert clean_upload_key(value) == kept


# --- served ------------------------------------------------------------------------------------


def body(response):
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["carol", "alice", "bob"])
def test_the_copy_is_served_as_jpeg(client, cast, who):
    evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, item=first_item(cast),
                            upload=upload("支部大会.png", png_bytes(size=(2400, 1800))))
    client.force_login(getattr(cast, who))
    response = client.get(reverse("evidence-medium", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('inline; filename="evidence-')
    assert opened(body(response)).size == (1200, 900)


def test_without_a_copy_the_original_is_served(client, cast):
    data = jpeg_bytes(size=(800, 600))
    evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, item=first_item(cast),
                            upload=upload("小图.jpg", data))
    client.force_login(cast.bob)
    response = client.get(reverse("evidence-medium", args=[evidence.pk]))
    assert response.status_code == 200
    assert body(response) == data


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_others_get_404(client, cast, who):
    evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, item=first_item(cast),
                            upload=upload("支部大会.png", png_bytes(size=(2400, 1800))))
    client.force_login(getattr(cast, who))
    assert client.get(reverse("evidence-medium", args=[evidence.pk])).status_code == 404


def test_post_is_refused(client, cast):
    evidence = evidence_add(assessment=cast.assessment, actor=cast.carol, item=first_item(cast),
                            upload=upload("a.pdf", pdf_bytes()))
    client.force_login(cast.carol)
    assert client.post(reverse("evidence-medium", args=[evidence.pk])).status_code == 405
