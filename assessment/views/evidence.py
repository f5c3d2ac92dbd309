"""佐证材料 and 加分项申报: upload, remove, serve; claim and withdraw a bonus item.

The writing endpoints work as ordinary form posts (redirect back to the checklist, with a
message) and from static/huayu/evidence.js (header `X-Requested-With: fetch` or Accept JSON:
answer `{ok, error, message, html}`, html being the re-rendered partial; a refusal is 403,
a bad file 400).
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assessment import grids, selectors_evidence
from assessment.models import Bonus, Evidence, Item
from assessment.permissions import assessment_for, check_branch
from assessment.services.base import ServiceError
from assessment.services.evidence import (
    bonus_claim_save, bonus_claim_withdraw, evidence_add, evidence_check, evidence_editable, evidence_remove,
)
from assessment.services.selfeval import InvalidInput
from assessment.photos import MEDIUM_CONTENT_TYPE
from assessment.uploads import THUMB_CONTENT_TYPE, download_name, kind_for

MAX_FILES_PER_POST = 20


# --- helpers ------------------------------------------------------------------


def _wants_json(request):
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in request.headers.get("Accept", "")


def _back(assessment, anchor):
    """The checklist, at the item or the bonus section."""
    url = reverse("selfeval-checklist", kwargs={"pk": assessment.pk})
    return f"{url}#{anchor}" if anchor else url


def _item_html(request, assessment, item):
    files = selectors_evidence.evidence_for_item(assessment, item)
    return grids.evidence_html(request, assessment, item, files, evidence_editable(assessment, request.user))


def _claim_files_html(request, assessment, claim):
    files = selectors_evidence.evidence_for_claim(claim) if claim else []
    return grids.evidence_html(request, assessment, None, files, evidence_editable(assessment, request.user))


def _bonuses_html(request, assessment):
    return grids.bonus_claims_html(request, assessment, selectors_evidence.bonus_claims_for(assessment),
                                   evidence_editable(assessment, request.user))


def _refused(request, error, back_url):
    """Nothing was done: 403 (not allowed now) or 400 (bad input) as JSON, else a message and back."""
    if _wants_json(request):
        status = 400 if isinstance(error, InvalidInput) else 403
        return JsonResponse({"ok": False, "error": error.message, "html": None}, status=status)
    messages.error(request, error.message)
    return redirect(back_url)


def _outcome(request, *, done, errors, back_url, html_func):
    """After a post that did something, perhaps with some files refused."""
    if _wants_json(request):
        return JsonResponse({
            "ok": not errors,
            "error": "\n".join(errors),
            "message": "".join(done),  # each a sentence ending in 。
            "html": html_func(),
        }, status=200 if done or not errors else 400)
    for text in done:
        messages.success(request, text)
    for text in errors:
        messages.error(request, text)
    return redirect(back_url)


def _add_files(request, assessment, *, item=None, bonus_claim=None):
    """Store every file of the post's `file` field; return (names stored, error messages).
    The upload script sends one file a post, with its `upload_key` (a repeat is not stored twice)."""
    uploads = request.FILES.getlist("file")
    stored, errors = [], []
    if len(uploads) > MAX_FILES_PER_POST:
        return stored, [_("一次最多上传 %(n)s 个文件。") % {"n": MAX_FILES_PER_POST}]
    upload_key = request.POST.get("upload_key", "") if len(uploads) == 1 else ""
    for upload in uploads:
        try:
            evidence = evidence_add(assessment=assessment, actor=request.user, upload=upload,
                                    item=item, bonus_claim=bonus_claim, upload_key=upload_key)
        except ServiceError as error:
            errors.append(error.message)
        else:
            stored.append(evidence.original_name)
    return stored, errors


def _evidence_for(user, pk):
    """The evidence `pk` if the user may see its branch; else 404."""
    evidence = get_object_or_404(
        Evidence.objects.select_related("assessment__round", "assessment__branch"), pk=pk
    )
    check_branch(user, evidence.assessment.branch)
    return evidence


def _disposition(inline, filename, fallback):
    """RFC 6266: an ASCII `filename` for old clients, and RFC 5987 `filename*` for the Chinese name."""
    kind = "inline" if inline else "attachment"
    if filename.isascii() and filename.isprintable() and '"' not in filename and "\\" not in filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _serve(fieldfile, *, content_type, filename, fallback, inline):
    if not fieldfile:
        raise Http404
    try:
        handle = fieldfile.open("rb")
    except OSError:  # the record is there but the file is not
        raise Http404
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = _disposition(inline, filename, fallback)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=3600)
    return response


# --- views --------------------------------------------------------------------


@login_required
@require_POST
def evidence_upload(request, pk, item_id):
    assessment = assessment_for(request.user, pk)
    item = get_object_or_404(Item, pk=item_id, standard_id=assessment.round.standard_id)
    back_url = _back(assessment, f"item-{item.pk}")
    try:
        evidence_check(assessment=assessment, actor=request.user)
        if not request.FILES.getlist("file"):
            raise InvalidInput(_("请选择要上传的文件。"))
    except ServiceError as error:
        return _refused(request, error, back_url)
    stored, errors = _add_files(request, assessment, item=item)
    done = [_("已上传 %(n)s 个文件。") % {"n": len(stored)}] if stored else []
    return _outcome(request, done=done, errors=errors, back_url=back_url,
                    html_func=lambda: _item_html(request, assessment, item))


@login_required
@require_POST
def evidence_remove_view(request, pk):
    evidence = _evidence_for(request.user, pk)
    assessment = evidence.assessment
    claim, item = evidence.bonus_claim, evidence.item
    if claim:
        back_url = _back(assessment, f"bonus-{claim.bonus_id}")
    else:
        back_url = _back(assessment, f"item-{item.pk}" if item else "")

    def html():
        if claim:
            return _claim_files_html(request, assessment, claim)
        return _item_html(request, assessment, item) if item else ""

    try:
        evidence_remove(evidence=evidence, actor=request.user)
    except ServiceError as error:
        return _refused(request, error, back_url)
    done = [_("已删除“%(name)s”。") % {"name": evidence.original_name}]
    return _outcome(request, done=done, errors=[], back_url=back_url, html_func=html)


@login_required
@require_safe
def evidence_file(request, pk):
    return _serve_original(_evidence_for(request.user, pk))


def _serve_original(evidence):
    kind = kind_for(evidence.content_type)
    extension = kind.extension if kind else "bin"
    return _serve(
        evidence.file,
        content_type=kind.content_type if kind else "application/octet-stream",
        filename=download_name(evidence.original_name, kind) if kind else evidence.original_name,
        fallback=f"evidence-{evidence.pk}.{extension}",
        inline=bool(kind and kind.inline),
    )


@login_required
@require_safe
def evidence_thumb(request, pk):
    evidence = _evidence_for(request.user, pk)
    name = f"thumb-{evidence.pk}.jpg"
    return _serve(evidence.thumbnail, content_type=THUMB_CONTENT_TYPE, filename=name, fallback=name, inline=True)


@login_required
@require_safe
def evidence_medium(request, pk):
    """A photo's mid-size copy; the original itself when it has none (small photos, documents,
    files stored before copies were made)."""
    evidence = _evidence_for(request.user, pk)
    if not evidence.medium:
        return _serve_original(evidence)
    stem = evidence.original_name.rpartition(".")[0] or evidence.original_name
    return _serve(evidence.medium, content_type=MEDIUM_CONTENT_TYPE, filename=f"{stem}.jpg",
                  fallback=f"evidence-{evidence.pk}.jpg", inline=True)


@login_required
@require_POST
def bonus_claim_save_view(request, pk, bonus_id):
    assessment = assessment_for(request.user, pk)
    bonus = get_object_or_404(Bonus, pk=bonus_id, standard_id=assessment.round.standard_id)
    back_url = _back(assessment, f"bonus-{bonus.pk}")
    try:
        claim = bonus_claim_save(assessment=assessment, bonus=bonus, actor=request.user,
                                 note=request.POST.get("note", ""))
    except ServiceError as error:
        return _refused(request, error, back_url)
    stored, errors = _add_files(request, assessment, bonus_claim=claim)
    done = [_("已保存加分项“%(code)s”的申报。") % {"code": bonus.code}]
    if stored:
        done.append(_("已上传 %(n)s 个文件。") % {"n": len(stored)})
    return _outcome(request, done=done, errors=errors, back_url=back_url,
                    html_func=lambda: _bonuses_html(request, assessment))


@login_required
@require_POST
def bonus_claim_withdraw_view(request, pk, bonus_id):
    assessment = assessment_for(request.user, pk)
    bonus = get_object_or_404(Bonus, pk=bonus_id, standard_id=assessment.round.standard_id)
    back_url = _back(assessment, f"bonus-{bonus.pk}")
    try:
        bonus_claim_withdraw(assessment=assessment, bonus=bonus, actor=request.user)
    except ServiceError as error:
        return _refused(request, error, back_url)
    done = [_("已撤回加分项“%(code)s”的申报。") % {"code": bonus.code}]
    return _outcome(request, done=done, errors=[], back_url=back_url,
                    html_func=lambda: _bonuses_html(request, assessment))


urlpatterns = [
    path("assessments/<id:pk>/items/<id:item_id>/evidence/", evidence_upload, name="evidence-upload"),
    path("evidence/<id:pk>/", evidence_file, name="evidence-file"),
    path("evidence/<id:pk>/thumb/", evidence_thumb, name="evidence-thumb"),
    path("evidence/<id:pk>/medium/", evidence_medium, name="evidence-medium"),
    path("evidence/<id:pk>/remove/", evidence_remove_view, name="evidence-remove"),
    path("assessments/<id:pk>/bonus/<id:bonus_id>/", bonus_claim_save_view, name="bonus-claim-save"),
    path("assessments/<id:pk>/bonus/<id:bonus_id>/withdraw/", bonus_claim_withdraw_view,
         name="bonus-claim-withdraw"),
]
