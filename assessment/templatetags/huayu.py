"""Filters of the app's templates ({% load huayu %})."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # marked for translation, translated where shown

register = template.Library()


@register.filter
def file_kind(content_type):
    """The short name of a file's type shown on its link: PDF, Word, Excel, PPT, 照片 or 文件."""
    if content_type == "application/pdf":
        return "PDF"
    if "word" in content_type:
        return "Word"
    if "sheet" in content_type or "excel" in content_type:
        return "Excel"
    if "presentation" in content_type or "powerpoint" in content_type:
        return "PPT"
    if content_type.startswith("image/"):
        return _("照片")
    return _("文件")


@register.filter
def decimal(value):
    """A Decimal as the pages print points: 2.0 -> "2", 1.50 -> "1.5" (selectors.decimal_text)."""
    from assessment.selectors import decimal_text

    return decimal_text(value)


# The fields of a score's history (audit records) on the on-site page.
FIELD_LABELS = {
    "self_score": N_("自评得分"), "self_note": N_("自评说明"), "onsite_score": N_("考评得分"),
    "deduction_reason": N_("扣分原因"), "needs_rectification": N_("需整改"), "requirement": N_("整改要求"),
}


@register.filter
def field_label(field):
    """The name of a score's field in its history: onsite_score -> 考评得分 (others as stored)."""
    label = FIELD_LABELS.get(field)
    return _(label) if label else field


@register.filter
def short(text, limit=80):
    """The first `limit` characters of a text, and … when there were more."""
    text = text or ""
    return text if len(text) <= limit else text[:limit] + "…"


@register.filter
def with_csrf_token(parts, token):
    """A kept body (assessment/pages.py: its parts between CSRF tokens) with this request's token
    put between the parts: {{ body|with_csrf_token:csrf_token }}."""
    return mark_safe(str(token).join(parts))
