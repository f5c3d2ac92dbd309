"""Every refusal is a Chinese page, or Chinese JSON for the scripts (issue 11, finding 6):
a NUL character in a note, reason or measures; ?threshold=NaN on the ranking; an id beyond
bigint in a URL; too many files; a body over the limit; a CSRF failure; a server error.
Nothing is changed by a refused request."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessment.models import AuditLog, Evidence, Phase, Rectification, RectificationStatus, Score
from tests.test_services_notice import finalised, published  # noqa: F401  (fixtures)

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}
HUGE = "9" * 20  # beyond bigint (9,223,372,036,854,775,807)


def first_item(cast):
    return cast.standard.items.order_by("number").first()


def assert_page(response, status, *words):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Bad Request" not in html and "Server Error" not in html and "Forbidden" not in html
    for word in words:
        assert word in html
    return html


def assert_json(response, status, *words):
    assert response.status_code == status
    data = response.json()
    assert data["ok"] is False
    for word in words:
        assert word in data["error"]
    return data


# --- NUL ----------------------------------------------------------------------------


def test_nul_in_the_autosaved_note_is_400_json_and_saves_nothing(client, cast):
    client.force_login(cast.carol)
    item = first_item(cast)
    before = AuditLog.objects.count()
    response = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]),
                           {"score": "1.5", "note": "按期\x00换届"})
    assert_json(response, 400, "空字符")
    score = Score.objects.get(assessment=cast.assessment, item=item)
    assert (score.self_score, score.self_note, AuditLog.objects.count()) == (None, "", before)


def test_nul_in_the_checklist_form_is_a_400_page(client, cast):
    client.force_login(cast.carol)
    item = first_item(cast)
    response = client.post(reverse("selfeval-checklist", args=[cast.assessment.pk]),
                           {f"score-{item.pk}": "1", f"note-{item.pk}": "<b>\x00</b>"})
    assert_page(response, 400, "空字符", "没有保存")
    assert not Score.objects.filter(assessment=cast.assessment, self_score__isnull=False).exists()


def test_nul_in_a_return_reason_is_a_400_page(client, cast):
    client.force_login(cast.alice)
    response = client.post(reverse("selfeval-return", args=[cast.assessment.pk]), {"reason": "材料\x00不全"})
    assert_page(response, 400, "空字符")


def test_nul_in_an_onsite_reason_is_400_json(client, finalised):  # noqa: F811
    finalised.round.assessments.update(status="onsite")
    client.force_login(finalised.bob)
    item = first_item(finalised)
    score = Score.objects.get(assessment=finalised.assessment, item=item)
    response = client.post(reverse("onsite-item-save", args=[finalised.assessment.pk, item.pk]),
                           {"score": "1", "reason": "扣\x00分", "version": score.version})
    assert_json(response, 400, "空字符")
    assert Score.objects.get(pk=score.pk).deduction_reason == score.deduction_reason


@pytest.mark.parametrize("name, field", [("rectification-report", "measures"), ("rectification-return", "reason")])
def test_nul_in_measures_or_a_return_reason(client, published, name, field):  # noqa: F811
    client.force_login(published.carol if name == "rectification-report" else published.alice)
    response = client.post(reverse(name, args=[published.rect.pk]), {field: "已\x00补齐"})
    assert_page(response, 400, "空字符")
    assert Rectification.objects.get().status == RectificationStatus.PENDING


def test_nul_in_a_query_parameter(client, cast):
    client.force_login(cast.alice)
    response = client.get(reverse("rectification-board", args=[cast.round.pk]) + "?status=%00")
    assert_page(response, 400, "空字符")


# --- the ranking's threshold ------------------------------------------------------------


@pytest.mark.parametrize("value", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "1e999999", "-1"])
def test_a_threshold_that_is_no_number_leaves_the_rounds(client, cast, value):
    client.force_login(cast.alice)
    response = client.get(reverse("results-ranking", args=[cast.round.pk]), {"threshold": value})
    assert response.status_code == 200
    cast.round.refresh_from_db()
    assert f'id="threshold" name="threshold" type="number" min="0" step="0.5" value="{cast.round.inflation_threshold}"' in response.content.decode()


# --- ids beyond bigint -------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/assessments/{huge}/self/", "/assessments/{a}/self/items/{huge}/", "/assessments/{huge}/onsite/",
    "/rounds/{huge}/results/", "/assessments/{huge}/result/", "/rectifications/{huge}/", "/evidence/{huge}/",
    "/evidence/{huge}/thumb/", "/rounds/{huge}/self/", "/assessments/{huge}/export/sheet.xlsx",
])
def test_an_id_beyond_bigint_is_404(client, cast, path):
    client.force_login(cast.alice)
    response = client.get(path.format(huge=HUGE, a=cast.assessment.pk))
    assert_page(response, 404, "页面不存在")


def test_an_id_beyond_bigint_on_the_autosave_is_404_json(client, cast):
    client.force_login(cast.carol)
    response = client.post(f"/assessments/{cast.assessment.pk}/self/items/{HUGE}/", {"score": "1"}, **FETCH)
    assert_json(response, 404, "不存在")


# --- too many files, too large a body -------------------------------------------------------


def png(n):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (n, 0, 0)).save(buffer, "PNG")
    return SimpleUploadedFile(f"照片{n}.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize("headers", [{}, FETCH], ids=["form", "fetch"])
def test_too_many_files_are_refused_in_chinese_and_none_is_kept(client, cast, headers):
    client.force_login(cast.carol)
    url = reverse("evidence-upload", args=[cast.assessment.pk, first_item(cast).pk])
    response = client.post(url, {"file": [png(n) for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]},
                           **headers)
    if headers:
        assert_json(response, 413, "一次最多上传 20 个文件")
    else:
        assert_page(response, 413, "一次选择的文件太多", "一次最多上传 20 个文件")
    assert not Evidence.objects.exists()
    assert not (settings.MEDIA_ROOT.exists() and any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*")))


def test_a_body_over_the_limit_is_413_in_chinese(client, cast):
    client.force_login(cast.carol)
    item = first_item(cast)
    response = client.post(reverse("selfeval-checklist", args=[cast.assessment.pk]),
                           {f"note-{item.pk}": "长" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    assert_page(response, 413, "提交的内容太大", "2.5\xa0MB")
    assert Score.objects.get(assessment=cast.assessment, item=item).self_note == ""


def test_a_host_not_allowed_is_a_chinese_400(client, db):
    assert_page(client.get("/", HTTP_HOST="evil.example"), 400, "请求无效")


# --- CSRF, 403, 404 as JSON, 500 ---------------------------------------------------------------


def test_a_post_without_its_csrf_token_is_a_chinese_403(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.carol)
    item = first_item(cast)
    assert_page(client.post(reverse("selfeval-checklist", args=[cast.assessment.pk]), {}), 403, "页面已过期", "刷新")
    response = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]), {"score": "1"})
    assert_json(response, 403, "页面已过期")
    assert not Score.objects.filter(self_score__isnull=False).exists()


def test_json_endpoints_answer_404_and_403_in_json(client, cast):
    client.force_login(cast.frank)
    item = first_item(cast)
    assert_json(client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]), {"score": "1"}),
                404, "不存在")
    client.force_login(cast.carol)
    assert_json(client.get(reverse("results-ranking", args=[cast.round.pk]), **FETCH), 403, "排名由镇党委在通报后公布")


def test_a_server_error_is_a_chinese_page_or_json(cast, monkeypatch):
    from assessment.views import results, selfeval

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(results.results, "ranking_page", broken)
    monkeypatch.setattr(selfeval.services, "self_score_record", broken)
    client = Client(raise_request_exception=False)
    client.force_login(cast.alice)
    html = assert_page(client.get(reverse("results-ranking", args=[cast.round.pk])), 500, "系统出错", "操作没有完成")
    assert "boom" not in html
    client.force_login(cast.carol)
    item = first_item(cast)
    response = client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, item.pk]), {"score": "1"})
    assert_json(response, 500, "系统出错")


def test_ids_beyond_bigint_in_query_parameters(client, cast):
    client.force_login(cast.alice)
    response = client.get(reverse("rectification-board", args=[cast.round.pk]),
                          {"branch": HUGE, "area": HUGE, "page": HUGE})
    assert response.status_code == 200
    response = client.get(reverse("export-rectifications", args=[cast.round.pk]), {"branch": HUGE})
    assert response.status_code in (200, 404)
