"""Faults: an action that fails half-way leaves nothing half-written, a dying upload leaves
nothing behind, and a database that is away gives people 503 系统繁忙，请稍后重试 (not a traceback).

Each service runs in one transaction; a step inside it is made to fail (an exception, or on
PostgreSQL the connection itself killed from a second connection) and the database and
MEDIA_ROOT are compared with what they held before.
"""

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from PIL import Image

from assessment import faults, models
from assessment.models import (
    Assessment, AuditLog, Evidence, Message, Phase, Rectification, RectificationStatus, Round, Score, Status,
)
from assessment.services import evidence as evidence_services
from assessment.services import notice as notice_services
from assessment.services import rectifications as rectification_services
from assessment.services import selfeval as selfeval_services
from assessment.services.evidence import evidence_add
from assessment.services.notice import notice_publish
from assessment.services.rectifications import rectification_report
from assessment.services.selfeval import self_score_record
from tests.conftest import login

DB_ERRORS = (OperationalError, InterfaceError)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="kills the test's own PostgreSQL backend with pg_terminate_backend (PostgreSQL only)",
)


class Boom(Exception):
    pass


def jpeg_bytes(color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def jpeg(name="现场照片.jpg", color=(200, 30, 30)):
    return SimpleUploadedFile(name, jpeg_bytes(color), content_type="image/jpeg")


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def snapshot(*querysets):
    """Every row of the given querysets as plain values, to compare before and after."""
    return [sorted(map(repr, qs.order_by("pk").values())) for qs in querysets]


def state_of(c):
    tables = [Score, Assessment, AuditLog, Evidence, Round, Rectification, Message]
    if hasattr(models, "AuditHead"):  # the audit chain's head, where the app has one
        tables.append(models.AuditHead)
    return snapshot(*(model.objects.all() for model in tables))


def first_item(assessment):
    return Score.objects.filter(assessment=assessment).select_related("item").order_by("item__number")[0].item


def fail_on(module, name, monkeypatch, *, when=lambda *a, **k: True, error=Boom):
    """Make module.name raise `error` (after running) when `when(...)` holds."""
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        if when(*args, **kwargs):
            raise error("injected fault")
        return result

    monkeypatch.setattr(module, name, wrapper)


# --- A failure in the middle of an action ---------------------------------------------------


def test_self_score_record_rolls_back_when_a_later_audit_fails(cast, monkeypatch, settings):
    """The score row is saved, the status moves 未开始 → 自评中, then the audit records of both are
    written (services.base.audit_many, the save's last write): that fails."""
    before = state_of(cast)
    fail_on(selfeval_services, "audit_many", monkeypatch, when=lambda records: records[-1].action == "self_start")
    with pytest.raises(Boom):
        self_score_record(assessment=cast.assessment, item=first_item(cast.assessment), actor=cast.carol,
                          score="2", note="已按要求开展")
    assert state_of(cast) == before
    cast.assessment.refresh_from_db()
    assert cast.assessment.status == Status.NOT_STARTED


def test_evidence_add_rolls_back_and_deletes_the_stored_file(cast, monkeypatch, settings):
    """The file and its thumbnail are already in storage when the audit write fails."""
    before = state_of(cast)
    stored = []
    real_store = evidence_services.evidence_store
    monkeypatch.setattr(evidence_services, "evidence_store",
                        lambda *a, **k: (real_store(*a, **k), stored.extend(a[3]))[0])
    fail_on(evidence_services, "audit", monkeypatch)
    with pytest.raises(Boom):
        evidence_add(assessment=cast.assessment, actor=cast.carol, upload=jpeg(), item=first_item(cast.assessment))
    assert len(stored) == 2, "the file and its thumbnail were written before the fault"
    assert state_of(cast) == before
    assert media_files(settings) == []


def test_evidence_add_killed_worker_leaves_no_file(cast, monkeypatch, settings):
    """gunicorn's worker timeout raises SystemExit in the worker: not an Exception, still cleaned up."""
    before = state_of(cast)
    fail_on(evidence_services, "audit", monkeypatch, error=SystemExit)
    with pytest.raises(SystemExit):
        evidence_add(assessment=cast.assessment, actor=cast.carol, upload=jpeg(), item=first_item(cast.assessment))
    assert state_of(cast) == before
    assert media_files(settings) == []


def _onsite_done(cast):
    """The round in 现场考评 with both branches 考评完成 and one draft rectification each."""
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.ONSITE)
    Score.objects.filter(assessment__round=cast.round).update(self_score=2, onsite_score=1,
                                                              deduction_reason="记录不全", needs_rectification=True)
    Assessment.objects.filter(round=cast.round).update(status=Status.FINALISED, finalised_at=timezone.now())
    for a in (cast.assessment, cast.assessment2):
        Rectification.objects.create(assessment=a, item=first_item(a), problem="记录不全", requirement="补齐记录",
                                     deadline=datetime.date.today() + datetime.timedelta(days=30),
                                     status=RectificationStatus.DRAFT)
    cast.round.refresh_from_db()


def test_notice_publish_rolls_back_after_the_status_update(cast, monkeypatch, settings):
    """Round phase, assessments 已通报, rectifications 待整改 and the messages are all written
    before the last step (the audit record) fails: none of it stays."""
    _onsite_done(cast)
    before = state_of(cast)
    fail_on(notice_services, "audit", monkeypatch)
    with pytest.raises(Boom):
        notice_publish(round=cast.round, actor=cast.alice, text="通报正文", number="化党发〔2026〕3号")
    assert state_of(cast) == before
    round = Round.objects.get(pk=cast.round.pk)
    assert (round.phase, round.published_at) == (Phase.ONSITE, None)
    assert set(Assessment.objects.filter(round=round).values_list("status", flat=True)) == {Status.FINALISED}
    assert set(Rectification.objects.values_list("status", flat=True)) == {RectificationStatus.DRAFT}


def _pending_rectification(cast):
    _onsite_done(cast)
    Round.objects.filter(pk=cast.round.pk).update(phase=Phase.NOTICE, published_at=timezone.now())
    Assessment.objects.filter(round=cast.round).update(status=Status.PUBLISHED)
    Rectification.objects.update(status=RectificationStatus.PENDING)
    return Rectification.objects.get(assessment=cast.assessment)


def test_rectification_report_rolls_back_after_the_first_stored_file(cast, monkeypatch, settings):
    rectification = _pending_rectification(cast)
    before = state_of(cast)
    calls = []
    real_store = rectification_services.evidence_store

    def store_then_fail(evidence, upload, checked, stored):
        real_store(evidence, upload, checked, stored)
        calls.append(list(stored))
        raise Boom("the disk filled up after the first file")

    monkeypatch.setattr(rectification_services, "evidence_store", store_then_fail)
    with pytest.raises(Boom):
        rectification_report(rectification=rectification, actor=cast.carol, measures="已补齐记录",
                             uploads=[jpeg("一.jpg"), jpeg("二.jpg", (20, 200, 20))])
    assert len(calls) == 1 and len(calls[0]) == 2  # the first photo and its thumbnail were stored
    assert state_of(cast) == before
    assert Rectification.objects.get(pk=rectification.pk).status == RectificationStatus.PENDING
    assert media_files(settings) == []


# --- PostgreSQL: the connection dies inside the transaction ----------------------------------


def _terminate_own_backend():
    """Kill this connection's PostgreSQL backend from a second connection, as a restart or a
    network cut would; the next statement on it fails."""
    import psycopg2

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    killer = psycopg2.connect(**params)
    killer.autocommit = True
    try:
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        killer.close()


def kill_connection_on(module, name, monkeypatch, when=lambda *a, **k: True):
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        if when(*args, **kwargs):
            _terminate_own_backend()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


@postgres_only
def test_connection_killed_inside_self_score_record(transactional_db, cast, monkeypatch, settings):
    before = state_of(cast)
    kill_connection_on(selfeval_services, "audit_many", monkeypatch,
                       when=lambda records: records[-1].action == "self_start")
    with pytest.raises(DB_ERRORS):
        self_score_record(assessment=cast.assessment, item=first_item(cast.assessment), actor=cast.carol,
                          score="2", note="已按要求开展")
    connection.close()  # as Django does at the end of the request: the next query reconnects
    assert state_of(cast) == before


@postgres_only
def test_connection_killed_inside_evidence_add_leaves_no_file(transactional_db, cast, monkeypatch, settings):
    before = state_of(cast)
    kill_connection_on(evidence_services, "audit", monkeypatch)  # the file is in storage by then
    with pytest.raises(DB_ERRORS):
        evidence_add(assessment=cast.assessment, actor=cast.carol, upload=jpeg(), item=first_item(cast.assessment))
    connection.close()
    assert state_of(cast) == before
    assert media_files(settings) == []


@postgres_only
def test_connection_killed_inside_notice_publish(transactional_db, cast, monkeypatch, settings):
    _onsite_done(cast)
    before = state_of(cast)
    kill_connection_on(notice_services, "audit", monkeypatch)
    with pytest.raises(DB_ERRORS):
        notice_publish(round=cast.round, actor=cast.alice, text="通报正文", number="化党发〔2026〕3号")
    connection.close()
    assert state_of(cast) == before


@postgres_only
def test_connection_killed_inside_rectification_report(transactional_db, cast, monkeypatch, settings):
    rectification = _pending_rectification(cast)
    before = state_of(cast)
    kill_connection_on(rectification_services, "audit", monkeypatch)  # both files stored by then
    with pytest.raises(DB_ERRORS):
        rectification_report(rectification=rectification, actor=cast.carol, measures="已补齐记录",
                             uploads=[jpeg("一.jpg"), jpeg("二.jpg", (20, 200, 20))])
    connection.close()
    assert state_of(cast) == before
    assert media_files(settings) == []


@postgres_only
def test_connection_killed_during_an_autosave_answers_503_json(transactional_db, cast, client, monkeypatch,
                                                               settings):
    """Through the whole stack: the person's autosave gets {ok: false, error: 系统繁忙…} and 503;
    nothing was written; the next save (a new connection) works."""
    login(client, cast.carol)
    item = first_item(cast.assessment)
    url = f"/assessments/{cast.assessment.pk}/self/items/{item.pk}/"
    before = state_of(cast)
    kill_connection_on(selfeval_services, "audit_many", monkeypatch,
                       when=lambda records: records[-1].action == "self_start")
    response = client.post(url, {"score": "2", "note": ""}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER)
    assert response.json() == {"ok": False, "error": "系统繁忙，请稍后重试", "retry": True, "html": None}
    assert state_of(cast) == before
    monkeypatch.undo()
    response = client.post(url, {"score": "2", "note": ""}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 200 and response.json()["ok"] is True
    assert Score.objects.get(assessment=cast.assessment, item=item).self_score == 2


# --- An upload whose request dies -------------------------------------------------------------


class DyingInput:
    """wsgi.input of a client that went away half-way through its upload: the server sees
    the end of the data (`error=False`, gunicorn's reader) or a connection reset (`error=True`)."""

    def __init__(self, data, error):
        self.data, self.error = io.BytesIO(data), error

    def read(self, size=-1):
        chunk = self.data.read(size if size is not None and size >= 0 else -1)
        if not chunk and self.error:
            raise ConnectionResetError("the client went away")
        return chunk

    def readline(self, size=-1):
        return self.data.readline(size)


@pytest.mark.parametrize("error", [False, True], ids=["cut-off", "connection-reset"])
def test_upload_whose_request_dies_leaves_no_record_and_no_file(cast, client, settings, error):
    login(client, cast.carol)
    client.raise_request_exception = False
    item = first_item(cast.assessment)
    boundary = "----huayu-boundary-7d9"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n").encode() + jpeg_bytes() + f"\r\n--{boundary}--\r\n".encode()
    before = state_of(cast)
    response = client.generic(
        "POST", f"/assessments/{cast.assessment.pk}/items/{item.pk}/evidence/", b"",
        content_type=f"multipart/form-data; boundary={boundary}", CONTENT_LENGTH=str(len(body)),
        HTTP_X_REQUESTED_WITH="fetch", **{"wsgi.input": DyingInput(body[: len(body) // 2], error)},
    )
    assert response.status_code in (400, 500)  # nobody is there to read it
    assert state_of(cast) == before
    assert not Evidence.objects.exists()
    assert media_files(settings) == []


# --- The database away: 503 系统繁忙，请稍后重试 -------------------------------------------------


def _database_down(*args, **kwargs):
    raise OperationalError("could not connect to server: Connection refused")


def test_database_error_in_a_page_gives_the_503_page(cast, client, monkeypatch):
    login(client, cast.carol)
    monkeypatch.setattr("assessment.selectors.checklist_for", _database_down)
    response = client.get(f"/assessments/{cast.assessment.pk}/self/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER)
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "系统繁忙，请稍后重试" in text
    assert "Traceback" not in text and "OperationalError" not in text and "Connection refused" not in text
    assert response["Content-Security-Policy"] and response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_error_in_an_autosave_gives_json(cast, client, monkeypatch, error):
    login(client, cast.carol)
    item = first_item(cast.assessment)

    def down(**kwargs):
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr(selfeval_services, "self_score_record", down)
    # The autosave URL answers JSON even without the script's header.
    response = client.post(f"/assessments/{cast.assessment.pk}/self/items/{item.pk}/", {"score": "2"})
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"ok": False, "error": "系统繁忙，请稍后重试", "retry": True, "html": None}
    assert Score.objects.get(assessment=cast.assessment, item=item).self_score is None


def test_database_error_in_an_upload_gives_json_to_the_script_and_a_page_to_a_form(cast, client, monkeypatch,
                                                                                      settings):
    login(client, cast.carol)
    item = first_item(cast.assessment)
    url = f"/assessments/{cast.assessment.pk}/items/{item.pk}/evidence/"
    fail_on(evidence_services, "audit", monkeypatch, error=OperationalError)  # after the file is stored
    response = client.post(url, {"file": jpeg()}, HTTP_X_REQUESTED_WITH="fetch", HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response.json()["error"] == "系统繁忙，请稍后重试"
    response = client.post(url, {"file": jpeg()})  # the no-script form
    assert response.status_code == 503 and "系统繁忙，请稍后重试" in response.content.decode()
    assert not Evidence.objects.exists()
    assert media_files(settings) == []


def test_database_error_outside_the_view_is_replaced_too(cast, client, monkeypatch):
    """The session is saved by its middleware after the view: an error there Django turns into
    a 500 (got_request_exception marks the request), which leaves as the 503 page."""
    from django.contrib.sessions.middleware import SessionMiddleware

    login(client, cast.carol)
    client.raise_request_exception = False

    def save_fails(self, request, response):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(SessionMiddleware, "process_response", save_fails)
    response = client.get(f"/assessments/{cast.assessment.pk}/self/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(faults.RETRY_AFTER)
    assert "系统繁忙，请稍后重试" in response.content.decode()
    response = client.get(f"/assessments/{cast.assessment.pk}/self/items/1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response.json()["ok"] is False


def test_other_errors_stay_500(cast, client, monkeypatch):
    login(client, cast.carol)
    client.raise_request_exception = False

    def broken(*args, **kwargs):
        raise ValueError("a bug, not the database")

    monkeypatch.setattr("assessment.selectors.checklist_for", broken)
    response = client.get(f"/assessments/{cast.assessment.pk}/self/")
    assert response.status_code == 500
