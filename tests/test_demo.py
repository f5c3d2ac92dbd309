"""示范点: marking a model from a 示范点's accepted evidence (and only that), withdrawing it,
carrying it over to a new version of the standard, where the models show (checklist,
rectification, library, zip), visits counting as learning records, pairings and their
round-over-round results on the ranking, the notice and the 考评汇总表."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.exporters import Summary
from assessment.models import (
    AuditLog, DemoSite, Duty, Evidence, Item, ModelFile, ModelPractice, Pairing, Phase, Rectification,
    RectificationStatus, Record, Round, Score, Status,
)
from assessment.selectors_demo import pairings
from assessment.services.base import ServiceError
from assessment.services.demo import (
    model_carry_over, model_mark, model_withdraw, pairing_add, pairing_end, visit_add,
)
from assessment.services.rounds import round_prepare
from assessment.services.standards import standard_copy
from assessment.services.selfeval import InvalidInput
from assessment.xlsx import write_xlsx
from tests.test_uploads import png_bytes, upload


def _file(row, name, data):
    row.file.save(name, ContentFile(data), save=False)
    row.thumbnail.save(name + ".jpg", ContentFile(data), save=False)
    row.save()
    return row


@pytest.fixture
def demo(cast):
    """化峪村 a 示范点 with a published 2025 round: its evidence on item 1 is accepted. Its evidence
    in the 2026 round (自评中) is not."""
    c = cast
    c.branch.is_demonstration = True
    c.branch.save()
    DemoSite.objects.create(branch=c.branch, theme="党群服务中心", models_for="便民服务")
    c.item = c.standard.items.order_by("number").first()
    c.earlier = Round.objects.create(
        township=c.township, standard=c.standard, name="2025年度规范化建设考核验收", year=2025,
        phase=Phase.ARCHIVED, published_at=timezone.now() - datetime.timedelta(days=300),
        created_at=timezone.now() - datetime.timedelta(days=400))
    round_prepare(round=c.earlier)
    c.old = c.earlier.assessments.get(branch=c.branch)
    c.earlier.assessments.update(status=Status.PUBLISHED)
    Score.objects.filter(assessment=c.old, item=c.item).update(self_note="每月5日前召开支委会，记录齐全")
    data = png_bytes()
    c.accepted = _file(Evidence(assessment=c.old, item=c.item, original_name="支委会记录.png",
                                content_type="image/png", size=len(data), uploaded_by=c.carol), "acc.png", data)
    c.unaccepted = _file(Evidence(assessment=c.assessment, item=c.item, original_name="草稿.png",
                                  content_type="image/png", size=len(data), uploaded_by=c.carol), "draft.png", data)
    return c


def mark(c, **extra):
    values = {"township": c.township, "item": c.item, "branch": c.branch, "actor": c.alice,
              "title": "支委会记录范本", "description": "每月5日前召开，议题、决定、签名齐全", "year": 2025,
              "evidence_ids": [c.accepted.pk], **extra}
    return model_mark(**values)


# --- marking ----------------------------------------------------------------------------


def test_mark_copies_the_chosen_accepted_evidence(demo):
    practice = mark(demo, uploads=[upload("三张清单.png", png_bytes())])
    files = list(practice.files.order_by("id"))
    assert [f.original_name for f in files] == ["支委会记录.png", "三张清单.png"]
    assert files[0].file.name != demo.accepted.file.name  # a copy: the branch may remove its own
    assert files[0].file.read() == demo.accepted.file.open("rb").read()
    assert (practice.branch, practice.year, practice.item) == (demo.branch, 2025, demo.item)
    log = AuditLog.objects.get(action="model_mark")
    assert log.actor == demo.alice and "支委会记录范本" in log.target


@pytest.mark.parametrize("change, message", [
    ({"evidence_ids": "unaccepted"}, "已通过考评"),
    ({"title": " "}, "请填写标题"),
    ({"description": ""}, "请填写做法说明"),
    ({"year": "去年"}, "来源年度"),
    ({"branch": "branch2"}, "不是本镇的示范点"),
])
def test_mark_refuses_bad_input_and_writes_nothing(demo, change, message):
    values = {}
    for key, value in change.items():
        values[key] = {"unaccepted": [demo.unaccepted.pk], "branch2": demo.branch2}.get(value, value)
    with pytest.raises(InvalidInput, match=message):
        mark(demo, **values)
    assert not ModelPractice.objects.exists() and not ModelFile.objects.exists()
    assert not AuditLog.objects.filter(action="model_mark").exists()


@pytest.mark.parametrize("who", ["bob", "carol", "eve"])
def test_only_the_townships_admin_marks(demo, who):
    with pytest.raises(ServiceError, match="只有本镇党委管理员"):
        mark(demo, actor=getattr(demo, who))
    assert not ModelPractice.objects.exists()


def test_mark_page_lists_only_accepted_sources_and_marks(client, demo):
    client.force_login(demo.alice)
    url = reverse("model-mark")
    html = client.get(url, {"item": demo.item.pk, "branch": demo.branch.pk}).content.decode()
    assert "支委会记录.png" in html and "草稿.png" not in html
    assert "每月5日前召开支委会，记录齐全" in html  # the self note of the accepted round, as a start
    response = client.post(url, {"item": demo.item.pk, "branch": demo.branch.pk, "title": "支委会记录范本",
                                 "description": "议题齐全", "year": "2025", "source": "evidence",
                                 "evidence": [demo.accepted.pk]})
    assert response.status_code == 302
    assert ModelPractice.objects.get().files.count() == 1
    response = client.post(url, {"item": demo.item.pk, "branch": demo.branch.pk, "title": "",
                                 "description": "议题齐全", "year": "2025"})
    assert response.status_code == 400 and "请填写标题" in response.content.decode()
    assert ModelPractice.objects.count() == 1


# --- where models show ------------------------------------------------------------------


def test_checklist_shows_the_model_in_place_and_its_file_to_the_township(client, demo):
    practice = mark(demo)
    client.force_login(demo.dave)
    html = client.get(reverse("selfeval-checklist", args=[demo.assessment2.pk])).content.decode()
    assert html.count("<details class=\"model-block\"") == 1 and "看示范点怎么做" in html
    assert "支委会记录范本" in html and "化峪村 · 2025年" in html
    model_file = practice.files.get()
    assert reverse("model-thumb", args=[model_file.pk]) in html
    assert client.get(reverse("model-file", args=[model_file.pk])).status_code == 200
    # the branch's own evidence stays its own: only the copy the admin marked is shown
    assert client.get(reverse("evidence-file", args=[demo.accepted.pk])).status_code == 404
    client.force_login(demo.frank)
    assert client.get(reverse("model-file", args=[model_file.pk])).status_code == 404


def test_checklist_makes_one_more_query_at_most_with_models(client, demo):
    client.force_login(demo.dave)
    url = reverse("selfeval-checklist", args=[demo.assessment2.pk])
    client.get(url)
    caches["pages"].clear()  # the body is kept per version (assessment/pages.py): count a rendering
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for item in demo.standard.items.all()[:3]:
        practice = ModelPractice.objects.create(township=demo.township, item=item, branch=demo.branch, year=2025,
                                                title=f"范本{item.number}", description="做法", marked_by=demo.alice)
        for n in range(3):
            ModelFile.objects.create(practice=practice, file=f"models/x{n}.png", original_name=f"f{n}.png",
                                     content_type="image/png", size=1, uploaded_by=demo.alice)
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    assert html.count('class="model-practice"') == 3
    assert len(after.captured_queries) <= len(before.captured_queries) + 1


def test_onsite_page_shows_the_model_beside_its_item_with_one_more_query(client, demo):
    demo.round.phase = Phase.ONSITE
    demo.round.save()
    url = reverse("onsite-scoring", args=[demo.assessment2.pk])
    client.force_login(demo.bob)
    client.get(url)
    caches["pages"].clear()  # the body is kept per version (assessment/pages.py): count a rendering
    with CaptureQueriesContext(connection) as before:
        assert "看示范点怎么做" not in client.get(url).content.decode()
    practice = mark(demo)
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    article = html[html.index(f'id="item-{demo.item.pk}"'):]
    article = article[:article.index("</article>")]
    assert "看示范点怎么做" in article and "支委会记录范本" in article and "化峪村 · 2025年" in article
    assert reverse("model-thumb", args=[practice.files.get().pk]) in article
    assert html.count('class="model-practice"') == 1
    assert len(after.captured_queries) == len(before.captured_queries)


def test_rectification_item_shows_the_model(client, demo):
    mark(demo)
    demo.round.published_at = timezone.now()
    demo.round.save()
    r = Rectification.objects.create(assessment=demo.assessment2, item=demo.item, problem="记录不全",
                                     requirement="补齐", deadline=datetime.date(2027, 1, 1))
    client.force_login(demo.dave)
    html = client.get(reverse("rectification-detail", args=[r.pk])).content.decode()
    assert 'id="rect-models"' in html and "支委会记录范本" in html


def test_rectification_of_last_years_round_shows_the_model_of_the_new_version_once(client, demo):
    mark(demo)
    new = standard_copy(standard=demo.standard, actor=demo.alice)
    model_carry_over(township=demo.township, standard=new, actor=demo.alice)
    old2 = demo.earlier.assessments.get(branch=demo.branch2)
    r = Rectification.objects.create(assessment=old2, item=demo.item, problem="记录不全", requirement="补齐",
                                     deadline=datetime.date(2027, 1, 1))
    client.force_login(demo.dave)
    html = client.get(reverse("rectification-detail", args=[r.pk])).content.decode()
    assert html.count('class="model-practice"') == 1 and "支委会记录范本" in html


def test_library_by_area_and_zip_with_index(client, demo):
    mark(demo)
    client.force_login(demo.dave)
    html = client.get(reverse("models-library")).content.decode()
    assert "方面1" in html and "支委会记录范本" in html and "撤回" not in html
    response = client.get(reverse("models-zip"))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "目录.txt" in names and any(n.endswith("支委会记录.png") for n in names)
    index = archive.read("目录.txt").decode("utf-8-sig")
    assert "支委会记录范本（化峪村，2025年）" in index and "方面1" in index


# --- withdrawing ------------------------------------------------------------------------


def test_withdraw_hides_the_model_and_is_audited(client, demo):
    practice = mark(demo)
    with pytest.raises(InvalidInput, match="撤回原因"):
        model_withdraw(practice=practice, actor=demo.alice, reason=" ")
    with pytest.raises(ServiceError):
        model_withdraw(practice=practice, actor=demo.bob, reason="不合适")
    model_withdraw(practice=practice, actor=demo.alice, reason="已有更好的做法")
    practice.refresh_from_db()
    assert practice.withdrawn_by == demo.alice and practice.withdraw_reason == "已有更好的做法"
    assert AuditLog.objects.get(action="model_withdraw").note == "已有更好的做法"
    client.force_login(demo.dave)
    assert "支委会记录范本" not in client.get(reverse("selfeval-checklist", args=[demo.assessment2.pk])).content.decode()
    assert client.get(reverse("model-file", args=[practice.files.get().pk])).status_code == 404
    with pytest.raises(ServiceError, match="已撤回"):
        model_withdraw(practice=practice, actor=demo.alice, reason="再撤")


# --- carrying over ----------------------------------------------------------------------


def test_carry_over_to_a_new_version_where_the_item_is_the_same(demo):
    kept = mark(demo)
    other_item = demo.standard.items.order_by("number")[1]
    changed = mark(demo, item=other_item, evidence_ids=[], title="组织生活会范本")
    gone = mark(demo, item=demo.standard.items.order_by("number")[2], evidence_ids=[], title="已撤回的")
    model_withdraw(practice=gone, actor=demo.alice, reason="过时")
    new = standard_copy(standard=demo.standard, actor=demo.alice)
    Item.objects.filter(standard=new, number=other_item.number).update(content="新版改写的内容")
    assert model_carry_over(township=demo.township, standard=new, actor=demo.alice) == 1
    carried = ModelPractice.objects.get(item__standard=new)
    assert carried.carried_from == kept and carried.item.number == demo.item.number
    assert [f.file.name for f in carried.files.all()] == [f.file.name for f in kept.files.all()]
    assert model_carry_over(township=demo.township, standard=new, actor=demo.alice) == 0  # once only
    assert AuditLog.objects.filter(action="model_carry_over").count() == 1
    assert changed.pk and not ModelPractice.objects.filter(item__standard=new, title="组织生活会范本").exists()


def test_importing_a_new_version_carries_the_models_over_in_its_transaction(demo, monkeypatch):
    from assessment.importers import read_standard
    from assessment.services.standards import standard_import
    from tests import xlsx_factory as xf

    parsed = read_standard(xf.REAL_FILE)
    first = standard_import(parsed=parsed, actor=demo.alice, township=demo.township)
    items = list(first.items.order_by("number"))
    kept = mark(demo, item=items[0], evidence_ids=[])
    ModelFile.objects.create(practice=kept, file="models/k.png", original_name="范本.png", content_type="image/png",
                             size=1, uploaded_by=demo.alice)
    mark(demo, item=items[1], evidence_ids=[], title="内容改写的")
    withdrawn = mark(demo, item=items[2], evidence_ids=[], title="已撤回的")
    model_withdraw(practice=withdrawn, actor=demo.alice, reason="过时")
    parsed.items[1].content = "新版改写的内容"
    second = standard_import(parsed=parsed, actor=demo.alice, township=demo.township)
    carried = ModelPractice.objects.get(item__standard=second)
    assert (carried.carried_from, carried.item.number, carried.title) == (kept, items[0].number, "支委会记录范本")
    assert [f.file.name for f in carried.files.all()] == ["models/k.png"]
    log = AuditLog.objects.get(action="model_carry_over")
    assert (log.actor, log.target, log.new_value) == (demo.alice, str(second), "1")
    # a third version gets the model once, from the second (not again from the first)
    third = standard_import(parsed=parsed, actor=None, township=demo.township)
    assert ModelPractice.objects.get(item__standard=third).carried_from == carried
    # the carry-over fails: nothing of the import is written
    monkeypatch.setattr(ModelFile.objects, "bulk_create", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        standard_import(parsed=parsed, actor=demo.alice, township=demo.township)
    assert not Item.objects.filter(standard__name=second.name, standard__version=4).exists()
    assert ModelPractice.objects.count() == 5


def test_importing_another_townships_standard_carries_nothing_of_this_township(demo):
    from assessment.importers import read_standard
    from assessment.services.standards import standard_import
    from tests import xlsx_factory as xf

    parsed = read_standard(xf.REAL_FILE)
    first = standard_import(parsed=parsed, township=demo.township)
    mark(demo, item=first.items.order_by("number").first(), evidence_ids=[])
    other = standard_import(parsed=parsed, township=demo.other_township)
    assert not ModelPractice.objects.filter(item__standard=other).exists()
    county = standard_import(parsed=parsed)  # the county's: every township's models
    assert ModelPractice.objects.get(item__standard=county).township == demo.township


def test_site_theme_is_set_by_the_admin_and_audited(client, demo):
    client.force_login(demo.alice)
    response = client.post(reverse("demo-site-theme", args=[demo.branch.pk]), {"theme": "党建引领乡村振兴",
                                                                               "models_for": "合作社"})
    assert response.status_code == 302
    assert DemoSite.objects.get(branch=demo.branch).theme == "党建引领乡村振兴"
    assert AuditLog.objects.get(action="site_theme_set").old_value == "党群服务中心｜便民服务"
    client.post(reverse("demo-site-theme", args=[demo.branch.pk]), {"theme": " "})
    assert DemoSite.objects.get(branch=demo.branch).theme == "党建引领乡村振兴"
    client.force_login(demo.dave)
    html = client.get(reverse("demo-site", args=[demo.branch.pk])).content.decode()
    assert "党建引领乡村振兴" in html and "修改示范主题" not in html


# --- 观摩 -------------------------------------------------------------------------------


def test_visit_counts_as_a_learning_record_of_the_visiting_branches(client, demo):
    learning = demo.item
    Duty.objects.create(item=learning, name="学习培训", period="year", per_period=32, unit="学时",
                        rule="if_short", deduction=Decimal("1"))
    visit = visit_add(site=demo.branch, actor=demo.alice, date=datetime.date(2026, 5, 10), topic="党群服务中心",
                      visitors={demo.branch2: "dave、王五"}, item=learning, hours=3,
                      uploads=[upload("观摩.png", png_bytes())])
    record = Record.objects.get(branch=demo.branch2)
    assert (record.quantity, record.date, record.duty.item) == (3, datetime.date(2026, 5, 10), learning)
    assert "观摩学习" in record.topic
    client.force_login(demo.dave)
    html = client.get(reverse("demo-site", args=[demo.branch.pk])).content.decode()
    assert "2026年5月10日 · 党群服务中心" in html and "西段村：dave、王五" in html
    assert reverse("visit-thumb", args=[visit.photos.get().pk]) in html
    with pytest.raises(InvalidInput, match="其他党支部"):
        visit_add(site=demo.branch, actor=demo.alice, date=datetime.date(2026, 5, 10), topic="x",
                  visitors={demo.other_branch: ""})


# --- 结对帮带 ---------------------------------------------------------------------------


@pytest.fixture
def paired(demo):
    """西段村 helped by 化峪村: 2025 on-site 1 point an item, 3 open rectifications; 2026 2 points, 1 open."""
    Score.objects.filter(assessment__round=demo.earlier, assessment__branch=demo.branch2).update(onsite_score=1)
    old2 = demo.earlier.assessments.get(branch=demo.branch2)
    items = list(demo.standard.items.order_by("number"))
    for n, item in enumerate(items[:3]):
        Rectification.objects.create(assessment=old2, item=item, problem="问题", requirement="要求",
                                     deadline=datetime.date(2026, 3, 1), status=RectificationStatus.PENDING)
    demo.round.phase, demo.round.published_at = Phase.NOTICE, timezone.now()
    demo.round.save()
    Score.objects.filter(assessment=demo.assessment2).update(onsite_score=2)
    Rectification.objects.create(assessment=demo.assessment2, item=items[0], problem="问题", requirement="要求",
                                 deadline=datetime.date(2027, 3, 1), status=RectificationStatus.PENDING)
    Rectification.objects.create(assessment=demo.assessment2, item=items[1], problem="问题", requirement="要求",
                                 deadline=datetime.date(2027, 3, 1), status=RectificationStatus.CLOSED)
    demo.pairing = pairing_add(site=demo.branch, helped=demo.branch2, actor=demo.alice, note="组织生活")
    Pairing.objects.filter(pk=demo.pairing.pk).update(since=datetime.date(2025, 3, 1))
    return demo


def test_pairing_rules(paired):
    with pytest.raises(ServiceError, match="已与西段村结对"):
        pairing_add(site=paired.branch, helped=paired.branch2, actor=paired.alice)
    with pytest.raises(InvalidInput, match="不是本镇的示范点"):
        pairing_add(site=paired.branch2, helped=paired.branch, actor=paired.alice)
    with pytest.raises(ServiceError):
        pairing_add(site=paired.branch, helped=paired.other_branch, actor=paired.alice)
    with pytest.raises(ServiceError):
        pairing_end(pairing=paired.pairing, actor=paired.dave)
    pairing_end(pairing=paired.pairing, actor=paired.alice)
    assert Pairing.objects.get().ended_at and pairings(paired.township.pk) == []
    assert list(AuditLog.objects.filter(action__startswith="pairing").values_list("action", flat=True)) == [
        "pairing_end", "pairing_add"]


def test_round_over_round_comparison(paired):
    [result] = pairings(paired.township.pk)
    assert [(f.round.year, f.total, f.open, f.all, f.provisional) for f in result.rounds] == [
        (2025, Decimal("12"), 3, 3, False), (2026, Decimal("24"), 1, 2, False)]
    assert result.change == (Decimal("12"), -2) and result.improved
    assert result.change_texts == ("+12", "-2")


def test_a_round_under_way_counts_the_submitted_self_total_provisionally(paired):
    paired.round.published_at, paired.round.phase = None, Phase.SELF
    paired.round.save()
    Score.objects.filter(assessment=paired.assessment2).update(self_score=Decimal("1.5"))
    assert pairings(paired.township.pk)[0].rounds[-1].round == paired.earlier  # not submitted: not counted
    paired.assessment2.status = Status.SUBMITTED
    paired.assessment2.save()
    [result] = pairings(paired.township.pk)
    assert [(f.round.year, f.total, f.provisional) for f in result.rounds] == [
        (2025, Decimal("12"), False), (2026, Decimal("18"), True)]
    assert result.change == (Decimal("6"), None)


def test_pairing_results_on_ranking_notice_summary_and_homes(client, paired):
    client.force_login(paired.alice)
    html = client.get(reverse("results-ranking", args=[paired.round.pk])).content.decode()
    assert 'id="pairing-results"' in html and "2025：12（3/3）" in html and "+12 分" in html
    html = client.get(reverse("notice-detail", args=[paired.round.pk])).content.decode()
    assert "化峪村帮带西段村（考评总分较上轮 +12 分，未销号整改事项较上轮 -2 项）" in html
    target = io.BytesIO()
    write_xlsx(Summary(paired.round), target)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[:2] == ["考评汇总表", "结对帮带"]  # the pairings on a sheet of their own
    summary = [cell.value for row in book["考评汇总表"].iter_rows() for cell in row if cell.value]
    assert "农村\n结对帮带" in summary
    texts = [cell.value for row in book["结对帮带"].iter_rows() for cell in row if cell.value]
    html = client.get(reverse("notice-detail", args=[paired.earlier.pk])).content.decode()
    assert "化峪村帮带西段村" in html  # paired in March 2025, before that notice
    Pairing.objects.update(since=timezone.localdate())
    html = client.get(reverse("notice-detail", args=[paired.earlier.pk])).content.decode()
    assert "化峪村帮带西段村" not in html  # a pairing made afterwards is not in an earlier notice
    assert "化峪村帮带：2025年12分 → 2026年24分（+12分，未销号整改-2）" in texts
    client.force_login(paired.dave)
    assert "示范点化峪村帮带本支部" in client.get(reverse("home")).content.decode()
    client.force_login(paired.carol)
    assert "本支部结对帮带西段村" in client.get(reverse("home")).content.decode()


def test_site_page_shows_its_pairings_without_the_site_column(client, paired):
    client.force_login(paired.dave)
    html = client.get(reverse("demo-site", args=[paired.branch.pk])).content.decode()
    table = html[html.index('class="table table-sm align-middle pairing-results"'):html.index("</table>")]
    assert "<th scope=\"col\">帮带支部</th>" in table and "示范点</th>" not in table
    assert "<td>西段村</td>" in table and "<td>化峪村</td>" not in table and "+12 分" in table
    client.force_login(paired.alice)
    html = client.get(reverse("results-ranking", args=[paired.round.pk])).content.decode()
    assert "<th scope=\"col\">示范点</th>" in html and "<td>化峪村</td>" in html


def test_mark_refuses_a_file_that_is_not_allowed(demo):
    with pytest.raises(InvalidInput, match="不是允许的文件类型"):
        mark(demo, uploads=[upload("病毒.exe", b"MZ\x90\x00" * 100)])
    assert not ModelPractice.objects.exists() and not ModelFile.objects.exists()


def test_visit_form_refuses_bad_input_with_a_message(client, demo):
    client.force_login(demo.alice)
    url = reverse("visit-new", args=[demo.branch.pk])
    response = client.post(url, {"date": "", "topic": "观摩", "branch": [demo.branch2.pk]})
    assert response.status_code == 400 and "请填写观摩日期" in response.content.decode()
    response = client.post(url, {"date": "2026-05-01", "topic": "观摩", "branch": [demo.other_branch.pk]})
    assert response.status_code == 400 and "其他党支部" in response.content.decode()
    response = client.post(url, {"date": "2026-05-01", "topic": "观摩", "branch": [demo.branch2.pk], "hours": "99"})
    assert response.status_code == 400 and "学时" in response.content.decode()
    assert not demo.branch.visits_hosted.exists()
