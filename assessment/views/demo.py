"""示范点: the 示范做法 library (browse, print, zip), marking and withdrawing a model, carrying
models over to a new version, a 示范点's page with its visits, and the pairings.

Every user of the township sees models, sites and pairings; only its admin changes them.
Another township's things: 404. A wrong role: 403 with the reason.
"""

import datetime
import tempfile
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from assessment import selectors_demo
from assessment.models import Branch, Item, ModelSource, Pairing, Standard, Township, VisitPhoto
from assessment.permissions import is_township_admin
from assessment.services import demo as services
from assessment.services.base import ServiceError
from assessment.uploads import THUMB_CONTENT_TYPE, download_name, kind_for

from .evidence import _serve

ZIP_SPOOL_BYTES = 16 * 1024 * 1024


def _township(request):
    """The township whose models the user sees (the superuser picks one with ?township=)."""
    user = request.user
    if user.is_superuser:
        raw = request.GET.get("township") or request.POST.get("township") or ""
        qs = Township.objects.order_by("pk")
        township = qs.filter(pk=int(raw)).first() if raw.isdigit() else qs.first()
    else:
        township = user.township
    if township is None:
        raise Http404
    return township


def _admin_township(request):
    township = _township(request)
    if not is_township_admin(request.user):
        raise PermissionDenied(_("只有镇党委管理员可以管理示范点。"))
    return township


def _site_for(user, township, pk):
    branch = get_object_or_404(Branch.objects.select_related("township"), pk=pk, township=township,
                               is_demonstration=True)
    return branch


def _standard(request, township):
    raw = request.GET.get("standard", "")
    if raw.isdigit():
        standard = Standard.objects.filter(pk=int(raw)).first()
        if standard and standard.township_id in (None, township.pk) and standard.rounds.filter(township=township).exists():
            return standard
        raise Http404
    return selectors_demo.township_standard(township.pk)


# --- the library ----------------------------------------------------------------------


@login_required
@require_safe
def library(request):
    township = _township(request)
    standard = _standard(request, township)
    areas = selectors_demo.library(township.pk, standard) if standard else []
    return render(request, "assessment/models_library.html", {
        "township": township, "standard": standard, "areas": areas,
        "is_admin": is_township_admin(request.user), "sites": selectors_demo.demo_sites(township.pk),
    })


@login_required
@require_safe
def library_zip(request):
    """Every file of the library's models in folders by area and item, with 目录.txt."""
    township = _township(request)
    standard = _standard(request, township)
    if standard is None:
        raise Http404
    areas = selectors_demo.library(township.pk, standard)
    files = {f.pk: f for f in selectors_demo.files_of(
        [m.id for _area, items in areas for _item, models in items for m in models])}
    target = tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES)
    entries = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for area, items in areas:
            for item, models in items:
                for model in models:
                    folder = f"{area.number:02d}-{area.name}/{item.number:02d}-{model.branch}-{model.year}-{model.id}"
                    names = []
                    for view in model.files:
                        row = files[view.id]
                        name = f"{folder}/{len(names) + 1:02d}-{download_name(row.original_name, kind_for(row.content_type)) if kind_for(row.content_type) else row.original_name}"
                        try:
                            with row.file.open("rb") as handle:
                                archive.writestr(name, handle.read())
                        except OSError:
                            continue
                        names.append(name.rsplit("/", 1)[-1])
                    entries.append({"area": area, "item": item, "model": model, "folder": folder, "names": names})
        index = render_to_string("assessment/models_index.txt", {
            "township": township, "standard": standard, "entries": entries, "today": timezone.localdate()})
        archive.writestr("目录.txt", "\ufeff" + index.replace("\n", "\r\n"))
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=f"示范做法-{township.name}.zip",
                        content_type="application/zip")


def _model_file(request, pk):
    found = selectors_demo.model_file_for_user(request.user, pk)
    if found is None:
        raise Http404
    return found


def _serve_file(row, prefix):
    kind = kind_for(row.content_type)
    return _serve(row.file, content_type=kind.content_type if kind else "application/octet-stream",
                  filename=download_name(row.original_name, kind) if kind else row.original_name,
                  fallback=f"{prefix}-{row.pk}.{kind.extension if kind else 'bin'}", inline=bool(kind and kind.inline))


def _serve_thumb(row, prefix):
    name = f"{prefix}-thumb-{row.pk}.jpg"
    return _serve(row.thumbnail, content_type=THUMB_CONTENT_TYPE, filename=name, fallback=name, inline=True)


@login_required
@require_safe
def model_file(request, pk):
    return _serve_file(_model_file(request, pk), "model")


@login_required
@require_safe
def model_thumb(request, pk):
    return _serve_thumb(_model_file(request, pk), "model")


# --- marking, withdrawing, carrying over ---------------------------------------------


@login_required
def model_mark(request):
    """Pick an item and a 示范点, then what of its accepted evidence, records and notes stands
    as the model (or upload directly)."""
    township = _admin_township(request)
    standard = selectors_demo.township_standard(township.pk)
    if standard is None:
        return render(request, "assessment/refused.html", {"reason": _("本镇还没有考核批次。")}, status=403)
    data = request.POST if request.method == "POST" else request.GET
    item = branch = None
    if data.get("item", "").isdigit():
        item = get_object_or_404(Item.objects.select_related("area", "standard"), pk=int(data["item"]), standard=standard)
    if data.get("branch", "").isdigit():
        branch = _site_for(request.user, township, int(data["branch"]))
    error, status = "", 200
    if request.method == "POST":
        if item is None or branch is None:
            error, status = _("请选择考核项目和示范点。"), 400
        else:
            try:
                practice = services.model_mark(
                    township=township, item=item, branch=branch, actor=request.user,
                    title=data.get("title"), description=data.get("description"), year=data.get("year"),
                    source=data.get("source") or ModelSource.UPLOAD,
                    evidence_ids=[int(v) for v in data.getlist("evidence") if v.isdigit()],
                    record_file_ids=[int(v) for v in data.getlist("record_file") if v.isdigit()],
                    uploads=request.FILES.getlist("file"))
            except ServiceError as e:
                error, status = e.message, 400 if isinstance(e, services.InvalidInput) else 403
            else:
                messages.success(request, _("已将“%(title)s”标记为第 %(n)s 项的示范做法。") % {
                    "title": practice.title, "n": item.number})
                return redirect(f"{_library_url()}#item-{item.pk}")
    sources = selectors_demo.model_sources(branch, item) if item and branch else None
    return render(request, "assessment/model_mark.html", {
        "township": township, "standard": standard, "items": standard.items.order_by("number"),
        "sites": selectors_demo.demo_sites(township.pk), "item": item, "branch": branch, "sources": sources,
        "values": data, "error": error, "year": timezone.localdate().year - 1, "source_choices": ModelSource.choices,
        "chosen_evidence": set(data.getlist("evidence")), "chosen_files": set(data.getlist("record_file")),
    }, status=status)


def _library_url():
    from django.urls import reverse

    return reverse("models-library")


@login_required
@require_POST
def model_withdraw(request, pk):
    practice = selectors_demo.model_for_user(request.user, pk)
    if practice is None:
        raise Http404
    if not is_township_admin(request.user):
        raise PermissionDenied(_("只有镇党委管理员可以撤回示范做法。"))
    try:
        services.model_withdraw(practice=practice, actor=request.user, reason=request.POST.get("reason"))
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已撤回示范做法“%(title)s”。") % {"title": practice.title})
    return redirect(f"{_library_url()}#item-{practice.item_id}")


@login_required
@require_POST
def model_carry_over(request):
    township = _admin_township(request)
    standard = selectors_demo.township_standard(township.pk)
    if standard is None:
        raise Http404
    try:
        done = services.model_carry_over(township=township, standard=standard, actor=request.user)
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已将 %(n)s 个示范做法沿用到%(standard)s。") % {"n": done, "standard": standard}
                         if done else _("没有需要沿用的示范做法。"))
    return redirect("models-library")


# --- 示范点 pages and 观摩 --------------------------------------------------------------


@login_required
@require_safe
def site(request, pk):
    township = _township(request)
    branch = _site_for(request.user, township, pk)
    standard = selectors_demo.township_standard(township.pk)
    models = [m for ms in selectors_demo.models_by_item(township.pk, standard.pk).values() for m in ms
              if m.branch == branch.name] if standard else []
    totals = selectors_demo.round_totals(township.pk, [branch.pk]).get(branch.pk, [])
    return render(request, "assessment/demo_site.html", {
        "branch": branch, "theme": selectors_demo.site_theme(branch), "models": models, "totals": totals,
        "visits": selectors_demo.visits(site=branch),
        "pairings": selectors_demo.pairings(township.pk, branch_id=branch.pk),
        "is_admin": is_township_admin(request.user),
    })


@login_required
@require_POST
def site_theme(request, pk):
    township = _admin_township(request)
    branch = _site_for(request.user, township, pk)
    try:
        services.site_theme_set(site=branch, actor=request.user, theme=request.POST.get("theme"),
                                models_for=request.POST.get("models_for", ""))
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已保存示范主题。"))
    return redirect("demo-site", pk=branch.pk)


def _visit_values(request, township, site):
    data = request.POST
    try:
        date = datetime.date.fromisoformat(data.get("date", ""))
    except ValueError:
        date = None
    ids = [int(v) for v in data.getlist("branch") if v.isdigit()]
    branches = list(Branch.objects.filter(township=township, pk__in=ids).exclude(pk=site.pk))
    if len(branches) != len(set(ids)):
        raise services.InvalidInput(_("参加观摩的必须是本镇的其他党支部。"))
    visitors = {b: data.get(f"people-{b.pk}", "") for b in branches}
    item = None
    if data.get("item", "").isdigit():
        standard = selectors_demo.township_standard(township.pk)
        item = Item.objects.filter(pk=int(data["item"]), standard=standard).select_related("standard").first()
        if item is None:
            raise services.InvalidInput(_("请选择本镇考核标准中的学习项目。"))
    try:
        hours = int(data.get("hours") or 2)
    except ValueError:
        raise services.InvalidInput(_("学时应为整数。"))
    if not 1 <= hours <= 8:
        raise services.InvalidInput(_("学时应在 1 到 8 之间。"))
    return {"date": date, "topic": data.get("topic"), "note": data.get("note", ""), "visitors": visitors,
            "item": item, "hours": hours}


@login_required
def visit_new(request, pk):
    township = _admin_township(request)
    site_branch = _site_for(request.user, township, pk)
    error, status = "", 200
    if request.method == "POST":
        try:
            values = _visit_values(request, township, site_branch)
            services.visit_add(site=site_branch, actor=request.user, uploads=request.FILES.getlist("file"), **values)
        except ServiceError as e:
            error, status = e.message, 400 if isinstance(e, services.InvalidInput) else 403
        else:
            messages.success(request, _("已登记观摩。"))
            return redirect("demo-site", pk=site_branch.pk)
    standard = selectors_demo.township_standard(township.pk)
    items = list(standard.items.order_by("number")) if standard else []
    learning = next((i for i in items if "学习" in i.content), None)
    return render(request, "assessment/visit_form.html", {
        "site": site_branch, "error": error, "values": request.POST, "items": items, "learning": learning,
        "branches": Branch.objects.filter(township=township).exclude(pk=site_branch.pk).order_by("order", "name"),
        "chosen": set(request.POST.getlist("branch")), "today": timezone.localdate(),
    }, status=status)


def _photo(request, pk):
    qs = VisitPhoto.objects.select_related("visit__site")
    if not request.user.is_superuser:
        qs = qs.filter(visit__site__township_id=request.user.township_id)
    return get_object_or_404(qs, pk=pk)


@login_required
@require_safe
def visit_photo(request, pk):
    return _serve_file(_photo(request, pk), "visit")


@login_required
@require_safe
def visit_thumb(request, pk):
    return _serve_thumb(_photo(request, pk), "visit")


# --- 结对帮带 ---------------------------------------------------------------------------


@login_required
def pairings(request):
    township = _township(request)
    is_admin = is_township_admin(request.user)
    error, status = "", 200
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied(_("只有镇党委管理员可以管理结对帮带。"))
        site_id, helped_id = request.POST.get("site", ""), request.POST.get("helped", "")
        site_branch = get_object_or_404(Branch, township=township, pk=int(site_id)) if site_id.isdigit() else None
        helped = get_object_or_404(Branch, township=township, pk=int(helped_id)) if helped_id.isdigit() else None
        if site_branch is None or helped is None:
            error, status = _("请选择示范点和帮带支部。"), 400
        else:
            try:
                services.pairing_add(site=site_branch, helped=helped, actor=request.user, note=request.POST.get("note", ""))
            except ServiceError as e:
                error, status = e.message, 400
            else:
                messages.success(request, _("%(site)s与%(helped)s已结对。") % {"site": site_branch, "helped": helped})
                return redirect("pairings")
    return render(request, "assessment/pairings.html", {
        "township": township, "results": selectors_demo.pairings(township.pk), "is_admin": is_admin,
        "sites": selectors_demo.demo_sites(township.pk) if is_admin else [],
        "branches": Branch.objects.filter(township=township, is_demonstration=False).order_by("order", "name")
        if is_admin else [],
        "error": error, "values": request.POST,
    }, status=status)


@login_required
@require_POST
def pairing_end(request, pk):
    township = _admin_township(request)
    pairing = get_object_or_404(Pairing.objects.select_related("site", "helped"), pk=pk, site__township=township)
    try:
        services.pairing_end(pairing=pairing, actor=request.user)
    except ServiceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已解除%(site)s与%(helped)s的结对。") % {"site": pairing.site, "helped": pairing.helped})
    return redirect("pairings")


urlpatterns = [
    path("models/", library, name="models-library"),
    path("models/download/", library_zip, name="models-zip"),
    path("models/mark/", model_mark, name="model-mark"),
    path("models/carry-over/", model_carry_over, name="models-carry-over"),
    path("models/<id:pk>/withdraw/", model_withdraw, name="model-withdraw"),
    path("models/files/<id:pk>/", model_file, name="model-file"),
    path("models/files/<id:pk>/thumb/", model_thumb, name="model-thumb"),
    path("sites/<id:pk>/", site, name="demo-site"),
    path("sites/<id:pk>/theme/", site_theme, name="demo-site-theme"),
    path("sites/<id:pk>/visits/new/", visit_new, name="visit-new"),
    path("visits/photos/<id:pk>/", visit_photo, name="visit-photo"),
    path("visits/photos/<id:pk>/thumb/", visit_thumb, name="visit-thumb"),
    path("pairings/", pairings, name="pairings"),
    path("pairings/<id:pk>/end/", pairing_end, name="pairing-end"),
]
