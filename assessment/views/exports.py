"""The three Excel files as downloads: 整改清单, 考评汇总表, 考核验收单.

Township admin: every file of their township. Assessor: the acceptance sheets of their
township's branches. Secretary: their own branch's acceptance sheet and rectification
list, once the notice is published. ?paper=A3 lays a file out for A3 paper (A4 by
default). Another township or branch: 404; a wrong role or a
notice not yet published: 403 with the reason. The file is written to a temporary file
(in memory up to a few MB, then on disk) and streamed.
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessment import selectors
from assessment.exporters import AcceptanceSheet, RectificationList, Summary
from assessment.models import Branch, Role, Status
from assessment.permissions import assessment_for
from assessment.xlsx import PAPERS, XLSX_TYPE, write_xlsx

from .notice import refuse

SPOOL_BYTES = 4 * 1024 * 1024


def xlsx_response(request, exporter):
    """The file for the paper asked for (?paper=A3; A4 by default), or 400 with the reason."""
    paper = request.GET.get("paper", "A4").upper()
    if paper not in PAPERS:
        return refuse(request, _("纸张只能选 A4 或 A3。"), status=400)
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    write_xlsx(exporter, target, paper=paper)
    target.seek(0)
    filename = exporter.filename if paper == "A4" else exporter.filename.replace(".xlsx", f"-{paper}.xlsx")
    return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _is_admin(user):
    return user.is_superuser or user.role == Role.ADMIN


@login_required
@require_GET
def export_rectifications(request, pk):
    user = request.user
    round = get_object_or_404(selectors.rounds_visible_to(user), pk=pk)
    branch = None
    raw = request.GET.get("branch")
    if raw:
        try:
            branch = Branch.objects.get(pk=int(raw), township_id=round.township_id)
        except (ValueError, Branch.DoesNotExist):
            raise Http404 from None
    if user.role == Role.SECRETARY and not user.is_superuser:
        if branch is not None and branch.pk != user.branch_id:
            raise Http404
        if round.published_at is None:
            return refuse(request, _("通报发布后才能导出本支部的整改清单。"))
        branch = get_object_or_404(Branch, pk=user.branch_id)
    elif user.role == Role.COUNTY and not user.is_superuser:
        if round.published_at is None:
            return refuse(request, _("乡镇通报发布后，县委组织部才能导出其整改清单。"))
    elif not _is_admin(user):
        return refuse(request, _("整改清单由镇党委管理员导出。"))
    return xlsx_response(request, RectificationList(round, branch=branch))


@login_required
@require_GET
def export_summary(request, pk):
    user = request.user
    round = get_object_or_404(selectors.rounds_visible_to(user).select_related("standard"), pk=pk)
    if user.role == Role.COUNTY and not user.is_superuser:
        if round.published_at is None:
            return refuse(request, _("乡镇通报发布后，县委组织部才能导出其考评汇总表。"))
    elif not _is_admin(user):
        return refuse(request, _("考评汇总表由镇党委管理员导出。"))
    return xlsx_response(request, Summary(round))


@login_required
@require_GET
def export_sheet(request, pk):
    user = request.user
    assessment = assessment_for(user, pk)  # 404 outside the user's township or branch
    if user.role == Role.SECRETARY and not user.is_superuser and assessment.status != Status.PUBLISHED:
        return refuse(request, _("通报发布后才能导出本支部的考核验收单。"))
    if user.role == Role.COUNTY and not user.is_superuser and assessment.status != Status.PUBLISHED:
        return refuse(request, _("乡镇通报发布后，县委组织部才能导出支部的考核验收单。"))
    return xlsx_response(request, AcceptanceSheet(assessment))


urlpatterns = [
    path("rounds/<id:pk>/export/rectifications.xlsx", export_rectifications, name="export-rectifications"),
    path("rounds/<id:pk>/export/summary.xlsx", export_summary, name="export-summary"),
    path("assessments/<id:pk>/export/sheet.xlsx", export_sheet, name="export-sheet"),
]
