"""Saves safe to retry and in order (assessment/services/edits.py), on both item endpoints: each
save names the version it was based on and an edit id; an edit the row already holds is answered
as saved (nothing written, no audit), one based on an older version is a conflict showing the
other value, one based on the page's own unconfirmed edit (`prior`) is applied."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import AuditLog, Score
from tests.test_services_onsite import items, onsite_ready


def first(cast):
    return cast.standard.items.order_by("number").first()


def score(cast):
    return Score.objects.get(assessment=cast.assessment, item=first(cast))


def self_save(client, cast, user=None, **data):
    client.force_login(user or cast.carol)
    return client.post(reverse("selfeval-item-save", args=[cast.assessment.pk, first(cast).pk]), data)


def onsite_save(client, cast, user=None, **data):
    client.force_login(user or cast.bob)
    data.setdefault("reason", "")
    return client.post(reverse("onsite-item-save", args=[cast.assessment.pk, items(cast)[0].pk]), data)


# --- the checklist ---------------------------------------------------------------------


def test_checklist_save_returns_the_new_version_and_keeps_the_edit_id(client, cast):
    body = self_save(client, cast, score="1", note="按期换届", version="0", edit="e1").json()
    assert body["ok"] is True and body["version"] == 1
    saved = score(cast)
    assert (saved.self_score, saved.self_note, saved.version, saved.edit_id) == (Decimal("1"), "按期换届", 1, "e1")


def test_checklist_edit_sent_again_is_answered_as_saved(client, cast):
    self_save(client, cast, score="1", note="按期换届", version="0", edit="e1")
    response = self_save(client, cast, score="1", note="按期换届", version="0", edit="e1")  # the reply was lost
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["version"] == 1
    assert score(cast).version == 1
    assert AuditLog.objects.filter(assessment=cast.assessment, action="self_score").count() == 1


def test_checklist_old_save_is_a_conflict_and_the_newer_stays(client, cast):
    self_save(client, cast, score="1", note="新的说明", version="0", edit="new")
    response = self_save(client, cast, score="2", note="", version="0", edit="old")  # held up, arrives late
    assert response.status_code == 409
    body = response.json()
    assert body["conflict"] is True and body["ok"] is False
    assert "该项目已被 carol 于" in body["error"] and "修改为 1 分" in body["error"]
    assert (body["current"]["score"], body["current"]["note"], body["current"]["version"]) == ("1", "新的说明", 1)
    saved = score(cast)
    assert (saved.self_score, saved.self_note, saved.version, saved.edit_id) == (Decimal("1"), "新的说明", 1, "new")


def test_checklist_edit_based_on_the_pages_own_unconfirmed_edit_is_applied(client, cast):
    self_save(client, cast, score="1", note="三会一课记", version="0", edit="a")  # saved, reply lost
    body = self_save(client, cast, score="1", note="三会一课记录齐全", version="0", edit="b", prior="a").json()
    assert body["ok"] is True and body["version"] == 2
    assert score(cast).self_note == "三会一课记录齐全"


def test_checklist_old_version_with_the_same_values_is_saved(client, cast):
    self_save(client, cast, score="1", note="同样", version="0")  # e.g. the no-script 保存 button
    body = self_save(client, cast, score="1", note="同样", version="0", edit="x").json()
    assert body["ok"] is True and score(cast).version == 1


def test_checklist_without_version_is_not_checked(client, cast):
    """The no-script form posts no version: it saves what it shows, as before."""
    self_save(client, cast, score="1", note="", version="0", edit="a")
    assert self_save(client, cast, score="2", note="").json()["ok"] is True
    assert score(cast).self_score == Decimal("2")


@pytest.mark.parametrize("data", [
    {"edit": "not an id!"}, {"edit": "x" * 41}, {"prior": "a,b c"}, {"prior": ",".join(["a"] * 21)},
    {"version": "一"},
])
def test_bad_edit_ids_or_versions_are_refused_and_change_nothing(client, cast, data):
    response = self_save(client, cast, score="1", note="", **{"version": "0", **data})
    assert response.status_code == 400
    assert response.json()["error"] in ("修改编号无效，请刷新页面后再保存。", "缺少版本信息，请刷新页面后再保存。")
    assert score(cast).version == 0 and score(cast).self_score is None


# --- the on-site page ---------------------------------------------------------------------


def test_onsite_edit_sent_again_is_answered_as_saved(client, cast):
    onsite_ready(cast)
    onsite_save(client, cast, score="2", version="0", edit="e1")
    response = onsite_save(client, cast, score="2", version="0", edit="e1")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["conflict"] is False and body["version"] == 1 and body["changed"] == []
    assert AuditLog.objects.filter(assessment=cast.assessment, action="onsite_score").count() == 1


def test_onsite_old_save_from_another_assessor_is_a_conflict(client, cast):
    onsite_ready(cast)
    onsite_save(client, cast, cast.alice, score="1", reason="制度未上墙", version="0", edit="alice1")
    response = onsite_save(client, cast, score="2", version="0", edit="bob1")
    assert response.status_code == 409
    body = response.json()
    assert body["current"]["score"] == "1" and body["current"]["reason"] == "制度未上墙"
    assert "该项目已被 alice 于" in body["error"]
    saved = score(cast)
    assert (saved.onsite_score, saved.edit_id, saved.version) == (Decimal("1"), "alice1", 1)


def test_onsite_edit_based_on_the_pages_own_unconfirmed_edits_is_applied(client, cast):
    onsite_ready(cast)
    onsite_save(client, cast, score="1", reason="缺", version="0", edit="a")
    onsite_save(client, cast, score="1", reason="缺签到", version="0", edit="b", prior="a")
    body = onsite_save(client, cast, score="1", reason="缺签到表", version="0", edit="c", prior="a,b").json()
    assert body["ok"] is True and body["version"] == 3
    assert score(cast).deduction_reason == "缺签到表"


def test_onsite_conflict_comes_before_a_wrong_value(client, cast):
    onsite_ready(cast)
    onsite_save(client, cast, cast.alice, score="2", version="0", edit="alice1")
    response = onsite_save(client, cast, score="1", version="0", edit="bob1")  # no reason: wrong, and late
    assert response.status_code == 409
    assert score(cast).onsite_score == Decimal("2")


def test_session_state_gives_a_fresh_token_to_the_user_logged_in(client, cast):
    body = client.get(reverse("session-state")).json()
    assert body["authenticated"] is False and body["user"] is None and body["token"]
    client.force_login(cast.carol)
    response = client.get(reverse("session-state"))
    body = response.json()
    assert body["authenticated"] is True and body["user"] == cast.carol.pk and len(body["token"]) == 64
    assert "no-cache" in response["Cache-Control"]
    assert client.post(reverse("session-state")).status_code == 405
