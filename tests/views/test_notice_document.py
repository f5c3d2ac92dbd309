"""The notice as a document an office issues: its 文号 set when publishing, dates as an office
writes them, the ranking and grades in the body, the rectification items as 附件 grouped by
branch, and the same notice as a Word file (.docx)."""

import datetime
import io

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import AuditLog, Rectification, Round
from assessment.notice_docx import DOCX_TYPE
from tests.test_services_notice import finalised  # noqa: F401  (fixture)

NUMBER = "化党发〔2026〕3号"


@pytest.fixture
def issued(client, finalised):  # noqa: F811
    """Every deduction proposed (one item each for 化峪村 and 西段村), published under its 文号."""
    from assessment.services.notice import rectifications_propose

    rectifications_propose(round=finalised.round, actor=finalised.alice, include_deductions=True)
    client.force_login(finalised.alice)
    response = client.post(reverse("notice-publish", args=[finalised.round.pk]), {"confirm": "1", "number": NUMBER})
    assert response.status_code == 302
    client.logout()
    return finalised


def test_the_publish_form_asks_for_the_number(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    html = client.get(reverse("notice-prepare", args=[finalised.round.pk])).content.decode()
    assert 'name="number"' in html and "例如：化党发〔2026〕3号" in html


def test_publishing_keeps_the_number_and_audits_it(issued):
    round = Round.objects.get(pk=issued.round.pk)
    assert round.notice_number == NUMBER
    assert NUMBER in AuditLog.objects.get(action="notice_publish").note


def test_a_number_too_long_publishes_nothing(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    response = client.post(reverse("notice-publish", args=[finalised.round.pk]),
                           {"confirm": "1", "number": "化" * 51}, follow=True)
    assert "文号不能超过 50 个字" in response.content.decode()
    round = Round.objects.get(pk=finalised.round.pk)
    assert round.published_at is None and round.notice_number == ""


def test_no_number_publishes_nothing_and_keeps_what_was_typed(client, finalised):  # noqa: F811
    client.force_login(finalised.alice)
    response = client.post(reverse("notice-publish", args=[finalised.round.pk]),
                           {"confirm": "1", "number": "  ", "text": "现将结果通报如下。"}, follow=True)
    assert "请填写文号（例如：化党发〔2026〕3号）后再发布。" in response.content.decode()
    round = Round.objects.get(pk=finalised.round.pk)
    assert round.published_at is None and round.notice_number == ""
    response = client.post(reverse("notice-publish", args=[finalised.round.pk]),
                           {"confirm": "1", "number": "化党发［２０２６］３号"}, follow=True)
    assert Round.objects.get(pk=finalised.round.pk).notice_number == NUMBER


def test_the_notice_is_dated_as_an_office_dates_it_in_any_browser(client, issued):
    """A browser set to English gets the site in English, but a notice is an office's document:
    its date and the deadlines of its 附件 are written 2027年1月1日 all the same."""
    client.force_login(issued.carol)
    html = client.get(reverse("notice-detail", args=[issued.round.pk]) + "?print=1",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    today = timezone.localdate()
    deadline = Rectification.objects.order_by("pk").first().deadline
    assert f"{today.year}年{today.month}月{today.day}日" in html
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in html


def test_the_notice_reads_as_an_office_issues_it(client, issued):
    client.force_login(issued.carol)
    html = client.get(reverse("notice-detail", args=[issued.round.pk])).content.decode()
    today = timezone.localdate()
    assert NUMBER in html
    assert f"{today.year}年{today.month}月{today.day}日" in html  # the date under the signature
    assert "本次共考核 2 个党支部，其中" in html
    # The items are the 附件, after the signature, grouped by branch with their count.
    annex = html[html.index('id="notice-annex"'):]
    assert html.index("notice-sign") < html.index('id="notice-annex"')
    assert "1. 化峪村（1 项）" in annex and "2. 西段村（1 项）" in annex
    deadline = Rectification.objects.filter(assessment=issued.assessment).get().deadline
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in annex


def test_the_word_file(client, issued):
    client.force_login(issued.carol)  # a secretary of the township may have it once published
    response = client.get(reverse("notice-docx", args=[issued.round.pk]))
    assert response.status_code == 200 and response["Content-Type"] == DOCX_TYPE
    assert ".docx" in response["Content-Disposition"]
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    assert lines[:3] == ["中共化峪镇委员会", NUMBER, "━" * 28]
    assert lines[3] == "关于2026年度规范化建设考核验收情况的通报"
    assert "附件：整改事项清单" in lines and "附件" in lines and "整改事项清单" in lines
    today = timezone.localdate()
    signature = lines.index(f"{today.year}年{today.month}月{today.day}日")
    assert lines[signature - 1] == "中共化峪镇委员会" and signature < lines.index("附件")
    section = document.sections[0]
    assert section.page_width < section.page_height  # A4 portrait
    ranking, *annex = document.tables
    assert [c.text for c in ranking.rows[0].cells] == ["排名", "党支部", "考评总分", "等次"]
    assert len(ranking.rows) == 3
    # The 附件: each branch a heading and a table of its items, in the branches' order.
    assert lines[lines.index("整改事项清单") + 1:] == ["1. 化峪村（1 项）", "2. 西段村（1 项）"]
    texts = [[[c.text for c in row.cells] for row in table.rows] for table in annex]
    assert len(texts) == 2 and all(t[0] == ["项目编号", "存在问题", "整改要求", "整改时限", "责任人"] for t in texts)
    assert texts[0][1][1] == "换届材料不全" and len(texts[0]) == len(texts[1]) == 2
    assert all(run.bold for run in annex[0].rows[0].cells[0].paragraphs[0].runs)
    # The body in 三号 (16 pt), the tables in 五号 (10.5 pt: Normal).
    body = next(p for p in document.paragraphs if p.text.startswith("本次共考核"))
    assert body.runs[0].font.size.pt == 16 and document.styles["Normal"].font.size.pt == 10.5
    # Chinese text in 仿宋 (Normal), the headings in 黑体, the titles in 宋体: Word and WPS read a
    # Chinese character's font from w:eastAsia.
    from docx.oxml.ns import qn

    def east_asian(element):
        fonts = element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        return None if fonts is None else fonts.get(qn("w:eastAsia"))

    assert east_asian(document.styles["Normal"].element) == "仿宋"
    heading = next(p for p in document.paragraphs if p.text == "1. 化峪村（1 项）")
    title = next(p for p in document.paragraphs if p.text == "中共化峪镇委员会")
    assert east_asian(heading.runs[0].element) == "黑体" and east_asian(title.runs[0].element) == "宋体"
    # A table's header row keeps with its first item (and so with the branch's heading).
    assert all(c.paragraphs[0].paragraph_format.keep_with_next for c in annex[0].rows[0].cells)


def test_the_word_file_waits_for_publication_and_stays_in_the_township(client, finalised):  # noqa: F811
    url = reverse("notice-docx", args=[finalised.round.pk])
    client.force_login(finalised.alice)
    response = client.get(url)
    assert response.status_code == 403 and "通报尚未发布" in response.content.decode()
    for who in (finalised.eve, finalised.frank):
        client.force_login(who)
        assert client.get(url).status_code == 404
