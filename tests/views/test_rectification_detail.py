"""One rectification item: /rectifications/<pk>/ and report / verify (销号) / return."""

import datetime

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Rectification, RectificationStatus
from assessment.services.notice import rectifications_propose
from assessment.services.rectifications import rectification_report
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)


def url(name, r):
    return reverse(name, args=[r.pk])


def state(r):
    r = Rectification.objects.get(pk=r.pk)
    return (r.status, r.measures, r.verify_note, r.returned_reason, AuditLog.objects.count())


def test_secretary_sees_the_item_and_a_report_form(client, published):  # noqa: F811
    client.force_login(published.carol)
    response = client.get(url("rectification-detail", published.rect))
    html = response.content.decode()
    assert response.status_code == 200
    assert "换届材料不全" in html and "补齐换届材料" in html and "待整改" in html
    assert 'id="measures"' in html and 'id="rect-evidence"' in html
    assert 'id="verify"' not in html


def test_staff_see_it_without_forms_to_report(client, published):  # noqa: F811
    for who in (published.alice, published.bob, published.root):
        client.force_login(who)
        html = client.get(url("rectification-detail", published.rect)).content.decode()
        assert "换届材料不全" in html and 'id="measures"' not in html


@pytest.mark.parametrize("who", ["dave", "eve", "frank"])
def test_checks_ownership(client, published, who):  # noqa: F811
    client.force_login(getattr(published, who))
    for name in ("rectification-detail", "rectification-report", "rectification-verify", "rectification-return"):
        method = client.get if name == "rectification-detail" else client.post
        assert method(url(name, published.rect), {"measures": "x", "reason": "x"}).status_code == 404
    assert Rectification.objects.get().status == RectificationStatus.PENDING


def test_a_draft_is_not_shown_to_the_secretary(client, finalised):  # noqa: F811
    rectifications_propose(round=finalised.round, actor=finalised.alice)
    draft = Rectification.objects.get()
    client.force_login(finalised.carol)
    assert client.get(url("rectification-detail", draft)).status_code == 404
    client.force_login(finalised.alice)
    assert client.get(url("rectification-detail", draft)).status_code == 200


@pytest.mark.parametrize("name", ["rectification-report", "rectification-verify", "rectification-return"])
def test_posts_reject_get(client, published, name):  # noqa: F811
    client.force_login(published.alice)
    assert client.get(url(name, published.rect)).status_code == 405


def test_report(client, published):  # noqa: F811
    client.force_login(published.carol)
    response = client.post(url("rectification-report", published.rect), {"measures": "已补齐换届材料并归档"})
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    assert "已报告整改情况，等待镇党委核验" in html and "已补齐换届材料并归档" in html
    assert "报告整改情况" in html and "carol" in html  # the history: what, who
    r = Rectification.objects.get()
    assert r.status == RectificationStatus.REPORTED and r.reported_at


def test_report_needs_measures(client, published):  # noqa: F811
    client.force_login(published.carol)
    before = state(published.rect)
    response = client.post(url("rectification-report", published.rect), {"measures": "   "})
    assert response.status_code == 400 and "请填写整改措施" in response.content.decode()
    assert state(published.rect) == before


def test_wrong_role_is_refused_with_the_reason(client, published):  # noqa: F811
    before = state(published.rect)
    for who in (published.alice, published.bob):
        client.force_login(who)
        response = client.post(url("rectification-report", published.rect), {"measures": "x"})
        assert response.status_code == 403 and "只有本支部书记可以报告整改情况" in response.content.decode()
    rectification_report(rectification=published.rect, actor=published.carol, measures="措施")
    before = state(published.rect)
    for who in (published.bob, published.carol):
        client.force_login(who)
        for name in ("rectification-verify", "rectification-return"):
            response = client.post(url(name, published.rect), {"note": "x", "reason": "x"})
            assert response.status_code == 403 and "只有镇党委管理员可以核验整改事项" in response.content.decode()
    assert state(published.rect) == before


def test_verify_only_when_reported(client, published):  # noqa: F811
    client.force_login(published.alice)
    before = state(published.rect)
    response = client.post(url("rectification-verify", published.rect), {"note": "好"})
    assert response.status_code == 403 and "只有“已报告整改”的事项可以核验" in response.content.decode()
    assert state(published.rect) == before


def test_return_then_report_then_close(client, published):  # noqa: F811
    rectification_report(rectification=published.rect, actor=published.carol, measures="措施一")
    client.force_login(published.alice)
    html = client.get(url("rectification-detail", published.rect)).content.decode()
    assert 'id="verify"' in html
    before = state(published.rect)
    response = client.post(url("rectification-return", published.rect), {"reason": " "})
    assert response.status_code == 400 and "请填写退回原因" in response.content.decode()
    assert state(published.rect) == before
    client.post(url("rectification-return", published.rect), {"reason": "缺少会议记录"})
    assert Rectification.objects.get().status == RectificationStatus.PENDING
    client.force_login(published.carol)
    html = client.get(url("rectification-detail", published.rect)).content.decode()
    assert "镇党委已退回，请重新整改" in html and "缺少会议记录" in html
    client.post(url("rectification-report", published.rect), {"measures": "措施二"})
    client.force_login(published.alice)
    client.post(url("rectification-verify", published.rect), {"note": "核验通过"})
    r = Rectification.objects.get()
    assert r.status == RectificationStatus.CLOSED and r.verified_by == published.alice
    html = client.get(url("rectification-detail", r)).content.decode()
    assert "已销号" in html and "核验销号" in html and "退回重新整改" in html and "核验通过" in html


def test_overdue_shows_in_red(client, published):  # noqa: F811
    Rectification.objects.update(deadline=datetime.date.today() - datetime.timedelta(days=1))
    client.force_login(published.carol)
    html = client.get(url("rectification-detail", published.rect)).content.decode()
    assert 'id="deadline" class="text-danger fw-bold"' in html and "逾期" in html


# --- evidence with the report ----------------------------------------------------


def _jpeg(name="整改照片.jpg"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_report_with_a_photo_keeps_it_as_rectification_evidence(client, published):
    from assessment.models import Evidence

    r = published.rect
    client.force_login(published.carol)
    response = client.post(reverse("rectification-report", args=[r.pk]),
                           {"measures": "已补齐材料", "file": [_jpeg()]})
    assert response.status_code == 302
    evidence = Evidence.objects.get(rectification=r)
    assert evidence.original_name == "整改照片.jpg" and evidence.thumbnail
    html = client.get(reverse("rectification-detail", args=[r.pk])).content.decode()
    assert reverse("evidence-file", args=[evidence.pk]) in html
    client.force_login(published.alice)  # the township sees it too
    assert client.get(reverse("evidence-file", args=[evidence.pk])).status_code == 200
    client.force_login(published.dave)  # another branch does not
    assert client.get(reverse("evidence-file", args=[evidence.pk])).status_code == 404


def test_a_bad_file_refuses_the_whole_report(client, published):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessment.models import Evidence, RectificationStatus

    r = published.rect
    client.force_login(published.carol)
    bad = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = client.post(reverse("rectification-report", args=[r.pk]),
                           {"measures": "已补齐材料", "file": [_jpeg(), bad]})
    assert response.status_code == 400
    assert "不是允许的文件类型" in response.content.decode()
    r.refresh_from_db()
    assert r.status == RectificationStatus.PENDING and not Evidence.objects.exists()
