"""The evidence block (templates/assessment/_evidence.html through assessment.grids) and
_bonus_claims.html: what they show, and no queries."""

from decimal import Decimal

from django.test import RequestFactory
from django.urls import reverse

from assessment import grids
from assessment.models import Assessment, Bonus, BonusClaim, Evidence, Item


def prepared():
    """Unsaved objects with primary keys, as a selector would hand them over."""
    assessment = Assessment(pk=7, branch_id=1, round_id=1)
    item = Item(pk=11, number=1, content="按期换届", points=Decimal("2"))
    files = [
        Evidence(pk=21, assessment_id=7, item_id=11, file="evidence/2026/01/a.jpg", thumbnail="thumbs/2026/01/a.jpg",
                 original_name="支部大会<合影>.jpg", content_type="image/jpeg", size=123_456),
        Evidence(pk=22, assessment_id=7, item_id=11, file="evidence/2026/01/b.pdf", thumbnail="",
                 original_name="会议记录.pdf", content_type="application/pdf", size=2_048),
        Evidence(pk=23, assessment_id=7, item_id=11, file="evidence/2026/01/c.xlsx", thumbnail="",
                 original_name="台账.xlsx",
                 content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", size=9_000),
        Evidence(pk=24, assessment_id=7, item_id=11, file="evidence/2026/01/d.heic", thumbnail="",
                 original_name="IMG_1.HEIC", content_type="image/heic", size=3_000_000),
    ]
    return assessment, item, files


def render(editable, django_assert_num_queries, files=None, item=True):
    assessment, the_item, all_files = prepared()
    with django_assert_num_queries(0):
        return grids.evidence_html(RequestFactory().get("/"), assessment, the_item if item else None,
                                   all_files if files is None else files, editable)


def test_editable_partial_renders_without_queries(db, django_assert_num_queries):
    html = render(True, django_assert_num_queries)
    assert f'src="{reverse("evidence-thumb", args=[21])}"' in html and 'loading="lazy"' in html
    assert f'href="{reverse("evidence-file", args=[21])}" target="_blank"' in html
    assert "支部大会&lt;合影&gt;.jpg" in html  # escaped
    assert "会议记录.pdf" in html and ">PDF<" in html
    assert "台账.xlsx" in html and ">Excel<" in html
    assert "IMG_1.HEIC" in html and ">照片<" in html  # HEIC without a thumbnail: a label
    assert html.count("/thumb/") == 1
    assert "120.6" in html  # 123,456 bytes as KB
    assert html.count('action="/evidence/') == 4  # a remove button per file
    assert f'action="{reverse("evidence-upload", args=[7, 11])}"' in html
    assert 'type="file" name="file"' in html and "multiple" in html
    assert 'accept="image/*,.heic,.heif,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"' in html
    assert "<script" not in html


def test_read_only_partial_has_no_forms(db, django_assert_num_queries):
    html = render(False, django_assert_num_queries)
    assert "<form" not in html and "会议记录.pdf" in html


def test_empty_read_only_partial_says_so(db, django_assert_num_queries):
    html = render(False, django_assert_num_queries, files=[])
    assert "未上传佐证材料" in html


def test_optional_size_limit_for_the_browser(db, django_assert_num_queries):
    html = render(True, django_assert_num_queries)
    assert 'data-max-bytes="20971520"' in html  # settings.EVIDENCE_MAX_BYTES


def test_bonus_partial_renders_without_queries(db, django_assert_num_queries):
    assessment, _, files = prepared()
    claimed = Bonus(pk=31, code="加1", text="获评先进基层党组织", points=Decimal("2"))
    claimed.claim = BonusClaim(pk=41, assessment_id=7, bonus_id=31, note="2025年获县委表彰", decision="claimed")
    claimed.files = files[1:2]
    open_ = Bonus(pk=32, code="加2", text="经验被推广", points=Decimal("1.5"))
    open_.claim, open_.files = None, []
    with django_assert_num_queries(0):
        html = grids.bonus_claims_html(RequestFactory().get("/"), assessment, [claimed, open_], True)
    assert "获评先进基层党组织" in html and "+2 分" in html and "+1.5 分" in html
    assert "已申报" in html and "未申报" in html and "2025年获县委表彰" in html
    assert "会议记录.pdf" in html
    assert f'action="{reverse("bonus-claim-save", args=[7, 31])}"' in html
    assert f'action="{reverse("bonus-claim-withdraw", args=[7, 31])}"' in html
    assert f'action="{reverse("bonus-claim-withdraw", args=[7, 32])}"' not in html
    assert 'id="bonus-31"' in html and 'id="bonus-claims"' in html


def test_bonus_partial_read_only(db, django_assert_num_queries):
    assessment, _, _ = prepared()
    bonus = Bonus(pk=31, code="加1", text="获评先进基层党组织", points=Decimal("2"))
    bonus.claim, bonus.files = None, []
    with django_assert_num_queries(0):
        html = grids.bonus_claims_html(RequestFactory().get("/"), assessment, [bonus], False)
    assert "<form" not in html and "未申报" in html
