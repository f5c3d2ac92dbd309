"""清单式推进: the services (records, locking, audit, reminders), the pages (year page, form,
grid, 台账, duties, suggestions) with their permissions and pinned query counts."""

import datetime
import io
import os
import re
import shutil
import subprocess
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from assessment.models import AuditLog, Branch, Duty, Message, PlanReminder, Record, RecordFile, Score
from assessment.services.base import ServiceError
from assessment.services.plan import (
    duties_adopt_suggestions, plan_reminders_send, plan_year_close, record_add, record_change, record_delete,
)
from assessment.services.selfeval import InvalidInput
from tests.conftest import login
from tests.test_services_onsite import onsite_ready

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def plan(cast, monkeypatch):
    """Two counting items in the cast's standard, their duties adopted, today 2026-12-01."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    cast.round.self_start, cast.round.self_end = datetime.date(2026, 11, 20), datetime.date(2026, 12, 20)
    cast.round.save()
    items = list(cast.standard.items.order_by("number"))
    items[0].content, items[0].criteria = "支部委员会每月至少召开1次，研究支部重要工作。", "每少1次扣0.5分，扣完为止。"
    items[1].content, items[1].criteria = "每年至少召开1次组织生活会。", "未召开不得分。"
    for item in items[:2]:
        item.save()
    assert duties_adopt_suggestions(standard=cast.standard, actor=cast.alice) == 2
    cast.monthly = Duty.objects.get(item=items[0])
    cast.yearly = Duty.objects.get(item=items[1])
    return cast


def log(c, month, duty=None, branch=None, actor=None, uploads=(), **extra):
    values = {"duty": getattr(duty, "pk", duty) or c.monthly.pk, "date": f"2026-{month:02d}-05",
              "topic": f"{month}月支委会", "attended": "5", "expected": "5", **extra}
    return record_add(branch=branch or c.branch, actor=actor or c.carol, values=values, uploads=uploads, today=TODAY)


def png(name="minutes.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- services ---------------------------------------------------------------------------


def test_adopted_duties(plan):
    assert (plan.monthly.name, plan.monthly.per_year, plan.monthly.rule, plan.monthly.deduction) == (
        "支部委员会", 12, "per_missing", D("0.5"))
    assert plan.yearly.name == "组织生活会"
    assert AuditLog.objects.filter(action="duty_set").count() == 2


def test_record_add_with_a_file(plan):
    record = log(plan, 3, uploads=[png()], topic="研究春耕", attended="4")
    assert (record.year, record.month, record.attended, record.expected, record.quantity) == (2026, 3, 4, 5, 1)
    assert RecordFile.objects.get(record=record).original_name == "minutes.png"
    assert list(AuditLog.objects.filter(action__startswith="record").values_list("action", flat=True)) == [
        "record_file_add", "record_add"]


@pytest.mark.parametrize("values, message", [
    ({"date": "2026-13-01"}, "请填写日期"),
    ({"date": "2026-12-02"}, "不能晚于今天"),
    ({"topic": " "}, "请填写主题"),
    ({"attended": "9", "expected": "5"}, "实到人数不能多于应到人数"),
    ({"attended": "x"}, "实到人数须为整数"),
    ({"duty": "999999"}, "请选择本年度的一项任务"),
])
def test_record_add_refuses_bad_input_and_writes_nothing(plan, values, message):
    with pytest.raises(InvalidInput, match=message):
        log(plan, 3, **values)
    assert not Record.objects.exists()


def test_a_bad_file_refuses_the_whole_record(plan):
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00not a picture", content_type="image/png")
    with pytest.raises(InvalidInput, match="不是允许的文件类型"):
        record_add(branch=plan.branch, actor=plan.carol, today=TODAY, uploads=[bad],
                   values={"duty": plan.monthly.pk, "date": "2026-03-05", "topic": "x"})
    assert not Record.objects.exists()


def test_only_the_branch_secretary_records(plan):
    for actor in (plan.dave, plan.alice, plan.bob, plan.frank):
        with pytest.raises(ServiceError, match="只有本支部书记"):
            log(plan, 3, actor=actor)


def test_change_and_delete_are_audited(plan):
    record = log(plan, 3)
    record_change(record=record, actor=plan.carol, today=TODAY,
                  values={"date": "2026-03-06", "topic": "3月支委会（补）", "attended": "5", "expected": "6"})
    changes = AuditLog.objects.filter(action="record_change").order_by("id")
    assert [(a.field, a.old_value, a.new_value) for a in changes] == [
        ("date", "2026-03-05", "2026-03-06"), ("topic", "3月支委会", "3月支委会（补）"), ("expected", "5", "6")]
    with pytest.raises(InvalidInput, match="另一个年度"):
        record_change(record=record, actor=plan.carol, today=TODAY, values={"date": "2025-03-06", "topic": "x"})
    record_delete(record=record, actor=plan.carol)
    assert not Record.objects.exists()
    assert AuditLog.objects.get(action="record_delete").old_value.startswith("3月支委会（补）")


def test_a_closed_year_is_locked(plan, monkeypatch):
    record = log(plan, 3)
    with pytest.raises(ServiceError, match="只能锁定已结束的年度"):
        plan_year_close(township=plan.township, year=2026, actor=plan.alice)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2027, 1, 10))
    with pytest.raises(ServiceError, match="只有本镇党委管理员"):
        plan_year_close(township=plan.township, year=2026, actor=plan.eve)
    plan_year_close(township=plan.township, year=2026, actor=plan.alice)
    for act in (lambda: log(plan, 4),
                lambda: record_change(record=record, actor=plan.carol, values={"date": "2026-03-05", "topic": "y"}),
                lambda: record_delete(record=record, actor=plan.carol)):
        with pytest.raises(ServiceError, match="已锁定"):
            act()
    assert Record.objects.get().topic == "3月支委会"


def test_reminders_go_once_per_month_and_duty(plan):
    log(plan, 1)
    result = plan_reminders_send(township=plan.township, year=2026, duty=plan.monthly, actor=plan.alice,
                                 today=TODAY, behind_branch_ids=[plan.branch.pk, plan.branch2.pk])
    assert (result.branches, result.already) == (2, 0)
    assert Message.objects.filter(user=plan.carol, text__contains="支部委员会").count() == 1
    again = plan_reminders_send(township=plan.township, year=2026, duty=plan.monthly, actor=plan.alice,
                                today=TODAY, behind_branch_ids=[plan.branch.pk, plan.branch2.pk])
    assert (again.branches, again.already) == (0, 2)
    assert Message.objects.filter(user=plan.carol).count() == 1
    assert PlanReminder.objects.count() == 2
    with pytest.raises(ServiceError):
        plan_reminders_send(township=plan.township, year=2026, duty=plan.monthly, actor=plan.bob,
                            today=TODAY, behind_branch_ids=[plan.branch.pk])


# --- pages ------------------------------------------------------------------------------


def test_year_page_shows_due_and_overdue(client, plan, django_assert_max_num_queries):
    for month in (1, 2, 3, 4, 6, 7, 8, 9, 10):
        log(plan, month)
    login(client, plan.carol)
    url = reverse("plan-branch", args=[2026, plan.branch.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "已完成 9，应完成 11" in page
    assert "缺 2 次（5月、11月）" in page
    assert "还需 1 次" in page  # December is open, not missing
    assert 'id="record-new"' in page


def test_year_page_queries_do_not_grow_with_records(client, plan, django_assert_num_queries):
    login(client, plan.carol)
    url = reverse("plan-branch", args=[2026, plan.branch.pk])
    log(plan, 1)
    client.get(url)
    with django_assert_num_queries(10):  # session, user, badge, branch, round, duties, lock, records, files, last year
        client.get(url)
    for month in range(2, 12):
        log(plan, month)
    with django_assert_num_queries(10):
        client.get(url)


@pytest.mark.parametrize("user, status", [("carol", 200), ("alice", 200), ("bob", 200), ("dave", 404),
                                          ("eve", 404), ("frank", 404)])
def test_year_page_permissions(client, plan, user, status):
    login(client, getattr(plan, user))
    assert client.get(reverse("plan-branch", args=[2026, plan.branch.pk])).status_code == status


def test_record_form_without_script(client, plan):
    login(client, plan.carol)
    url = reverse("plan-record-new", args=[2026, plan.branch.pk])
    assert 'name="topic"' in client.get(url).content.decode()
    response = client.post(url, {"duty": plan.monthly.pk, "date": "2026-11-20", "topic": "研究冬季工作",
                                 "attended": "6", "expected": "7", "file": png()})
    assert response.status_code == 302
    record = Record.objects.get()
    assert (record.topic, record.files.count()) == ("研究冬季工作", 1)
    bad = client.post(url, {"duty": plan.monthly.pk, "date": "2026-11-20", "topic": ""})
    assert bad.status_code == 400 and "请填写主题" in bad.content.decode()
    assert Record.objects.count() == 1


def test_other_branches_records_are_404(client, plan):
    record = log(plan, 3, uploads=[png()])
    file = record.files.get()
    login(client, plan.dave)
    assert client.get(reverse("plan-record-edit", args=[record.pk])).status_code == 404
    assert client.post(reverse("plan-record-delete", args=[record.pk])).status_code == 404
    assert client.get(reverse("plan-record-file", args=[file.pk])).status_code == 404
    assert client.post(reverse("plan-record-new", args=[2026, plan.branch.pk]), {}).status_code == 404
    assert Record.objects.count() == 1
    login(client, plan.bob)
    assert client.get(reverse("plan-record-file", args=[file.pk])).status_code == 200


def test_grid_shows_the_behind_first_with_fixed_queries(client, plan, django_assert_num_queries):
    for month in range(1, 12):
        log(plan, month, branch=plan.branch)
    log(plan, 1, branch=plan.branch2, actor=plan.dave)
    login(client, plan.alice)
    url = reverse("plan-grid", args=[2026]) + f"?duty={plan.monthly.pk}"
    with django_assert_num_queries(10):  # session, user, badge, round, duties, lock, branches, counts, reminders, +1
        page = client.get(url).content.decode()
    assert page.index("西段村") < page.index("化峪村")  # behind first
    assert "落后 <strong>1</strong> / 2 个支部" in page
    assert 'id="plan-remind"' in page
    response = client.post(reverse("plan-remind", args=[2026, plan.monthly.pk]))
    assert response.status_code == 302
    assert Message.objects.filter(user=plan.dave).count() == 1 and not Message.objects.filter(user=plan.carol)
    assert "本月已提醒" in client.get(url).content.decode()


def test_reminding_many_asks_first_with_the_count(client, plan):
    login(client, plan.alice)
    url = reverse("plan-remind", args=[2026, plan.monthly.pk])
    html = client.post(url).content.decode()  # both branches are behind
    assert "向 2 个落后的支部发送提醒" in html and "确认发送 2 条提醒" in html and not Message.objects.exists()
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert Message.objects.filter(user__in=[plan.carol, plan.dave]).count() == 2


@pytest.mark.parametrize("user, status", [("alice", 200), ("bob", 200), ("carol", 403), ("eve", 200)])
def test_grid_permissions(client, plan, user, status):
    log(plan, 1)
    login(client, getattr(plan, user))
    page = client.get(reverse("plan-grid", args=[2026]))
    assert page.status_code == status
    if user == "eve":  # her own township: no branch of 化峪镇 there
        assert "化峪村" not in page.content.decode()


def test_ledger_one_sheet_per_duty_twelve_months(client, plan):
    for month in (1, 2, 4):
        log(plan, month)
    login(client, plan.alice)
    response = client.get(reverse("plan-ledger", args=[2026]))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert wb.sheetnames == ["1.支部委员会", "2.组织生活会"]
    ws = wb["1.支部委员会"]
    header = [c.value for c in ws[4]]
    assert header[:3] == ["序号", "党支部", "1月"] and header[13] == "12月"
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert rows["化峪村"][2:14] == (1, 1, "缺", 1, "缺", "缺", "缺", "缺", "缺", "缺", "缺", None)
    assert rows["化峪村"][14:] == ("3/11", 8)
    assert min(c.font.sz for row in ws.iter_rows() for c in row if c.value is not None) >= 9
    login(client, plan.carol)
    assert client.get(reverse("plan-ledger", args=[2026])).status_code == 403


def test_ledger_prints_landscape_at_nine_points_header_on_every_page(client, plan, tmp_path):
    """The 台账 printed by LibreOffice: 60 branches make each sheet two pages; every page is
    landscape, repeats the header row and holds text of 9 pt or more (pdftotext's word boxes:
    a CJK word's box is about 1.3 times its font size)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("LibreOffice or pdftotext is missing on CI: apt-get install -y libreoffice-calc poppler-utils")
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-calc poppler-utils)")
    Branch.objects.bulk_create([Branch(township=plan.township, name=f"第{n:02d}村党支部", order=100 + n)
                                for n in range(60)])
    log(plan, 1)
    login(client, plan.alice)
    response = client.get(reverse("plan-ledger", args=[2026]))
    (tmp_path / "ledger.xlsx").write_bytes(b"".join(response.streaming_content))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "ledger.xlsx")],
                   check=True, capture_output=True, timeout=180)
    boxes = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "ledger.pdf"), "-"], check=True,
                           capture_output=True, text=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S)
    assert len(pages) >= 4  # two sheets, each longer than a page
    for width, height, body in pages:
        assert float(width) > float(height)  # landscape
        words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', body)
        assert {"党支部", "12月", "已完成/应完成"} <= {text for _, _, text in words}  # the header row
        sizes = sorted((float(b) - float(a)) / 1.3 for a, b, text in words if text.strip())
        assert sizes[len(sizes) // 2] >= 9


def test_suggestion_is_never_saved_without_the_secretary(client, plan):
    for month in range(1, 11):
        log(plan, month)
    login(client, plan.carol)
    url = reverse("plan-suggestions", args=[plan.assessment.pk])
    page = client.get(url).content.decode()
    assert "支部委员会 10/12，按“每少1次扣0.5分”建议 <strong>1</strong>/2 分" in page
    assert "组织生活会 0/1，按“未召开不得分”建议 <strong>0</strong>/2 分" in page
    assert Score.objects.get(assessment=plan.assessment, item=plan.monthly.item).self_score is None
    client.post(reverse("plan-suggestion-accept", args=[plan.assessment.pk, plan.monthly.item_id]),
                {"score": "1", "note": "据年度记录：支部委员会 10/12 次"})
    score = Score.objects.get(assessment=plan.assessment, item=plan.monthly.item)
    assert (score.self_score, score.self_note) == (D("1"), "据年度记录：支部委员会 10/12 次")
    # assessors see the records and the self score, without a form
    login(client, plan.bob)
    page = client.get(url).content.decode()
    assert "10月支委会" in page and "采用此得分" not in page
    login(client, plan.dave)
    assert client.get(url).status_code == 404
    assert client.post(reverse("plan-suggestion-accept", args=[plan.assessment.pk, plan.monthly.item_id]),
                       {"score": "2"}).status_code == 404


def test_secretary_takes_back_an_accepted_suggestion(client, plan):
    for month in range(1, 11):
        log(plan, month)
    url = reverse("plan-suggestions", args=[plan.assessment.pk])
    accept = reverse("plan-suggestion-accept", args=[plan.assessment.pk, plan.monthly.item_id])
    login(client, plan.carol)
    assert "撤回得分" not in client.get(url).content.decode()  # nothing to take back yet
    client.post(accept, {"score": "1", "note": "据年度记录：支部委员会 10/12 次"})
    page = client.get(url).content.decode()
    assert 'name="action" value="clear"' in page and "撤回得分" in page
    # an assessor cannot take it back, nor can a secretary of another branch
    login(client, plan.bob)
    assert client.post(accept, {"action": "clear"}).status_code == 403
    login(client, plan.dave)
    assert client.post(accept, {"action": "clear"}).status_code == 404
    assert Score.objects.get(assessment=plan.assessment, item=plan.monthly.item).self_score == D("1")
    login(client, plan.carol)
    response = client.post(accept, {"action": "clear", "score": "1"}, follow=True)
    assert "第1项已撤回自评得分，现为未评。" in response.content.decode()
    score = Score.objects.get(assessment=plan.assessment, item=plan.monthly.item)
    assert (score.self_score, score.self_note) == (None, "据年度记录：支部委员会 10/12 次")
    change = AuditLog.objects.filter(action="self_score", item=plan.monthly.item).latest("pk")
    assert (change.old_value, change.new_value, change.actor) == ("1", "", plan.carol)
    page = client.get(url).content.decode()
    assert "撤回得分" not in page and "采用此得分" in page


def test_checklist_and_onsite_page_show_each_counting_items_year_inline(client, plan):
    """“支部委员会 10/12 · 建议 1/2 分” under the item, a link to its records; one query for all the
    items, however many records."""
    log(plan, 1)
    checklist = reverse("selfeval-checklist", args=[plan.assessment.pk])
    login(client, plan.carol)
    with CaptureQueriesContext(connection) as few:
        client.get(checklist)
    for month in range(2, 11):
        log(plan, month)
    with CaptureQueriesContext(connection) as many:
        html = client.get(checklist).content.decode()
    assert len(few) == len(many)
    records = reverse("plan-suggestions", args=[plan.assessment.pk])
    monthly = f'<a href="{records}#item-{plan.monthly.item_id}">年度记录：支部委员会 10/12 · 建议 1/2 分</a>'
    yearly = f'<a href="{records}#item-{plan.yearly.item_id}">年度记录：组织生活会 0/1 · 建议 0/2 分</a>'
    assert monthly in html and yearly in html
    assert html.count('class="plan-count') == 2  # only the counting items
    onsite_ready(plan)
    login(client, plan.bob)
    html = client.get(reverse("onsite-scoring", args=[plan.assessment.pk])).content.decode()
    assert monthly in html and yearly in html and html.count('class="plan-count') == 2


def test_duties_page(client, plan):
    login(client, plan.alice)
    url = reverse("plan-duties", args=[plan.standard.pk])
    assert "支部委员会" in client.get(url).content.decode()
    client.post(url, {"action": "save", "item": plan.monthly.item_id, "name": "支委会", "period": "month",
                      "per_period": "1", "unit": "次", "rule": "per_missing", "deduction": "0.5"})
    assert Duty.objects.get(pk=plan.monthly.pk).name == "支委会"
    client.post(url, {"action": "save", "item": plan.monthly.item_id, "name": "支委会", "period": "month",
                      "per_period": "0", "unit": "次", "rule": "per_missing", "deduction": "0.5"})
    assert Duty.objects.get(pk=plan.monthly.pk).per_period == 1
    login(client, plan.carol)
    assert client.get(url).status_code == 403
