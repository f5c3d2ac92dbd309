"""The 56-row grids, rendered by Jinja2 (see huayu/jinja2.py) and put into their
page as HTML: the one place where rendering speed decides the design.

Everything a row prints is prepared here as plain strings, and every URL is
built from one reversed pattern, so the templates neither query nor reverse.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .chrome import csrf_field
from .selectors import decimal_text

SENTINEL = 987654321


def url_pattern(name, *args):
    """A function pk -> URL of `name`, reversing once: url_pattern("evidence-file")(7) == "/evidence/7/"."""
    before, after = reverse(name, args=[*args, SENTINEL]).rsplit(str(SENTINEL), 1)
    return lambda pk: f"{before}{pk}{after}"


def kind_label(content_type):
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


def prepare_files(files_lists):
    """Set file_url, thumb_url, remove_url and kind_label on every Evidence in the lists."""
    file_url, thumb_url, remove_url = url_pattern("evidence-file"), url_pattern("evidence-thumb"), url_pattern("evidence-remove")
    for files in files_lists:
        for f in files:
            f.file_url, f.thumb_url, f.remove_url = file_url(f.pk), thumb_url(f.pk), remove_url(f.pk)
            f.kind_label = kind_label(f.content_type)


def prepare_files_list(files):
    """prepare_files for one list; returns it."""
    files = list(files)
    prepare_files([files])
    return files


def _render(template, context, request=None):
    return mark_safe(render_to_string(template, context, request=request, using="jinja2"))


class Memo:
    """Rendered HTML that depends only on its key (the texts it shows and the language):
    always correct to reuse, so each process keeps the most recent few thousand."""

    def __init__(self, size=5000):
        self.size = size
        self.data = {}

    def get(self, key, render):
        html = self.data.get(key)
        if html is None:
            if len(self.data) >= self.size:
                self.data.clear()
            html = self.data[key] = render()
        return html


HEADS = Memo()
EMPTY_EVIDENCE = Memo(size=20000)
CSRF_SLOT = "\x00csrf\x00"


def item_head(row):
    """The unchanging part of a checklist row (number, texts), rendered once per text and language."""
    key = (get_language(), row["number"], row["content"], row["criteria"], row["check_method"], row["evidence"])
    return HEADS.get(key, lambda: _render("assessment/self_item.jinja", {"row": row}))


def row_evidence(row, editable, upload_url, csrf, max_bytes):
    """The evidence block of a row; a row without files (most of them) reuses its rendered block."""
    item_id = row["id"]
    if row["files"]:
        return _render("assessment/evidence.jinja", {
            "files": row["files"], "editable": editable, "item_id": item_id, "upload_url": upload_url,
            "csrf_field": csrf, "max_bytes": max_bytes,
        })
    key = (get_language(), item_id, editable, upload_url, max_bytes)
    html = EMPTY_EVIDENCE.get(key, lambda: _render("assessment/evidence.jinja", {
        "files": (), "editable": editable, "item_id": item_id, "upload_url": upload_url,
        "csrf_field": mark_safe(CSRF_SLOT), "max_bytes": max_bytes,
    }))
    return mark_safe(html.replace(CSRF_SLOT, csrf)) if editable else html


def evidence_html(request, assessment, item, files, editable):
    """One evidence block (an item's, or a bonus claim's when item is None)."""
    files = list(files)
    prepare_files([files])
    item_id = item.pk if item else None
    upload_url = reverse("evidence-upload", args=[assessment.pk, item_id]) if item_id else ""
    return _render("assessment/evidence.jinja", {
        "files": files, "editable": editable, "item_id": item_id, "upload_url": upload_url,
        "csrf_field": csrf_field(request), "max_bytes": settings.EVIDENCE_MAX_BYTES if item_id else None,
    }, request)


def bonus_evidence(request, assessment, bonuses, editable):
    """Set evidence_html on every claimed bonus (from selectors_evidence.bonus_claims_for)."""
    for bonus in bonuses:
        bonus.evidence_html = evidence_html(request, assessment, None, bonus.files, editable) if bonus.claim else ""
    return bonuses


def self_grid(request, assessment, areas, editable, disabled, plan_counts=None):
    """The checklist's items grouped by area (areas from selectors.checklist_for); `plan_counts`
    the year's records of the counting items (selectors_plan.item_counts)."""
    prepare_files(row["files"] for area in areas for row in area.rows)
    upload_url, csrf, max_bytes = url_pattern("evidence-upload", assessment.pk), csrf_field(request), settings.EVIDENCE_MAX_BYTES
    from .grids_demo import model_blocks  # 看示范点怎么做 (示范做法): one query

    models = model_blocks(assessment.branch.township_id, assessment.round.standard_id)
    for area in areas:
        area.subtotal_text = decimal_text(area.subtotal)
        area.points_text = decimal_text(area.area.points)
        for row in area.rows:
            row["head"] = item_head(row)
            row["evidence_html"] = row_evidence(row, editable, upload_url(row["id"]), csrf, max_bytes)
            row["models_html"] = models.get(row["item_id"], "")
    return _render("assessment/self_grid.jinja", {"areas": areas, "disabled": disabled, "plan_counts": plan_counts},
                   request)


# --- The round overviews (1,000 rows each at county scale) -------------------------------


def _branch_texts(row, kinds):
    branch = row.branch
    row.branch_name = branch.name
    row.demonstration = branch.is_demonstration
    row.kind_label = kinds.get(branch.kind, branch.kind)


def _kind_labels():
    from .models import BranchKind

    return {value: str(label) for value, label in BranchKind.choices}


def selfeval_overview_rows(rows, can_remind, filtered):
    """The <tbody> rows of the self-evaluation overview (rows from selectors.self_overview, with
    status_label, badge, percent, remindable and checked set by the view); `filtered` picks the
    empty message. Dates are formatted here once per row, the checklist URLs built from one pattern."""
    from django.utils import formats, timezone

    kinds, select = _kind_labels(), _("选择%(name)s")
    checklist_url = url_pattern("selfeval-checklist")
    for row in rows:
        _branch_texts(row, kinds)
        row.total_text = "—" if row.self_total is None else decimal_text(row.self_total)
        row.submitted_text = formats.date_format(timezone.localtime(row.submitted_at), "DATETIME_FORMAT") if row.submitted_at else "—"
        row.checklist_url = checklist_url(row.pk)
        row.select_label = select % {"name": row.branch_name} if can_remind and row.remindable else ""
    return _render("assessment/selfeval_overview_rows.jinja",
                   {"rows": rows, "can_remind": can_remind, "filtered": filtered})


def onsite_overview_rows(rows, filtered):
    """The <tbody> rows of the on-site overview (rows from selectors.onsite_overview, with
    status_label, badge, percent, scoring_url and result_url set by the view); `filtered` picks
    the empty message."""
    from .models import Status

    kinds, scorable = _kind_labels(), (Status.SUBMITTED, Status.NO_SELF, Status.ONSITE)
    for row in rows:
        _branch_texts(row, kinds)
        row.self_text = "—" if row.self_total is None else decimal_text(row.self_total)
        row.onsite_text = decimal_text(row.onsite_total) if row.onsite_scored and row.onsite_total is not None else "—"
        row.assessors_text = row.assessors or "—"
        row.scorable = row.status in scorable
    return _render("assessment/onsite_overview_rows.jinja", {"rows": rows, "filtered": filtered})


def board_branches(branches, selected, part):
    """The 整改台账's per-branch rows (`part` "rows") or branch filter options ("options"), from
    selectors.rectification_branch_counts; `selected` the branch id filtered by, or None."""
    return _render("assessment/board_branches.jinja", {"branches": branches, "selected": selected, "part": part})
