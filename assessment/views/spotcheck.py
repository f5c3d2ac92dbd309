"""抽查复核 (county spot checks): the list, the draw, the spot check's page with the difference
per branch and the township flags, the re-scoring page of one sampled branch (the on-site page's
layout and script: static/huayu/onsite.js with its per-item autosave) and its JSON save, the
difference of one branch per area and item, and publishing.

Every view begins with @login_required (and @require_POST where it only writes), then one access
helper from assessment.permissions: a spot check of another county, or one not yet published
for a township, is 404; a role that may see it but not do this gets 403 with the reason. Views
only call the services (assessment/services/spotcheck.py) and show their refusals.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessment import permissions, selectors_spot
from assessment.forms import clean_self_score
from assessment.models import County
from assessment.models_spot import SpotMethod, SpotScore
from assessment.selectors import decimal_text
from assessment.services import spotcheck as services
from assessment.services.base import InvalidInput, ServiceError


def _status_of(error):
    if isinstance(error, services.ScoreConflict):
        return 409
    return 400 if isinstance(error, InvalidInput) else 403


def _may_list(user):
    return user.is_superuser or selectors_spot.is_county_user(user) or permissions.is_township_staff(user)


# --- the list and the draw -------------------------------------------------------------------------


@login_required
def spot_list(request):
    user = request.user
    if not _may_list(user):
        raise PermissionDenied(_("抽查复核由县委组织部进行，结果发布后乡镇党委可以查看本镇支部的结果。"))
    checks = list(selectors_spot.spot_checks_visible_to(user).order_by("-year", "-drawn_at", "-pk"))
    return render(request, "assessment/spotcheck_list.html", {
        "checks": checks, "can_draw": user.is_superuser or selectors_spot.is_county_user(user),
    })


def _county_of(request):
    """The county a draw is for: the county user's own; the superuser's choice (?county=, or the first)."""
    user = request.user
    if selectors_spot.is_county_user(user):
        return user.county
    if user.is_superuser:
        counties = County.objects.order_by("name")
        chosen = request.POST.get("county") or request.GET.get("county")
        county = counties.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
        return county or counties.first()
    raise PermissionDenied(_("只有县委组织部可以抽取抽查支部。"))


def _year(request, years):
    text = request.POST.get("year") or request.GET.get("year") or ""
    return int(text) if text.isdigit() and int(text) in years else (years[0] if years else None)


@login_required
def spot_new(request):
    """抽取: the form (method, size and seed, or 示范点, the lowest ranked and ticked branches) over
    the pool of the chosen year's finished branches; POST draws and opens the spot check."""
    county = _county_of(request)
    if county is None:
        raise PermissionDenied(_("还没有设置县（市、区），无法抽查。"))
    years = selectors_spot.pool_years(county.pk)
    year = _year(request, years)
    error, status, values = "", 200, {}
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "") for key in ("name", "method", "size", "seed", "lowest", "threshold")}
        values["demonstration"] = bool(post.get("demonstration"))
        values["ticked"] = {int(t) for t in post.getlist("ticked") if t.isdigit()}
        try:
            spot_check = services.spot_check_draw(
                actor=request.user, county=county, year=post.get("year", ""), name=values["name"],
                method=values["method"], size=values["size"], seed=values["seed"] or None,
                demonstration=values["demonstration"], lowest=values["lowest"], ticked=values["ticked"],
                threshold=values["threshold"] or "5")
        except ServiceError as e:
            error, status = e.message, _status_of(e)
        else:
            messages.success(request, _("已抽取 %(n)s 个支部。") % {"n": spot_check.samples.count()})
            return redirect("spotcheck-detail", pk=spot_check.pk)
    pool = selectors_spot.spot_pool(county.pk, year) if year else []
    return render(request, "assessment/spotcheck_new.html", {
        "county": county, "years": years, "year": year, "pool": pool, "error": error,
        "counties": County.objects.order_by("name") if request.user.is_superuser else [],
        "values": {"name": _("%(year)s年度抽查复核") % {"year": year} if year else "", "method": SpotMethod.RANDOM,
                   "size": "6", "threshold": "5", "lowest": "", **values},
        "methods": SpotMethod.choices,
    }, status=status)


# --- the spot check's page ---------------------------------------------------------------------------


@login_required
def spot_detail(request, pk):
    spot_check = permissions.spot_check_for(request.user, pk)
    township_id = selectors_spot.sample_township_id(request.user)
    samples, townships = selectors_spot.spot_check_rows(spot_check, township_id)
    is_county = services.is_county_of(request.user, spot_check)
    for row in samples:
        row.difference_text = selectors_spot.signed(row.difference)
        row.township_text, row.county_text = decimal_text(row.township_total), decimal_text(row.county_total)
    for township in townships:
        township.mean_text = "" if township.mean_difference is None else decimal_text(township.mean_difference)
    return render(request, "assessment/spotcheck_detail.html", {
        "spot_check": spot_check, "samples": samples, "townships": townships, "is_county": is_county,
        "flagged": [t for t in townships if t.flagged],
        "can_publish": is_county and spot_check.published_at is None,
        "publish_refusal": services.publish_refusal(spot_check) if is_county and not spot_check.published_at else "",
        "threshold_text": decimal_text(spot_check.threshold),
    })


@login_required
@require_POST
def spot_publish(request, pk):
    spot_check = permissions.spot_check_for(request.user, pk)
    try:
        services.spot_check_publish(spot_check=spot_check, actor=request.user)
    except ServiceError as error:  # not the county's, already published, not every item re-scored
        raise PermissionDenied(error.message)
    messages.success(request, _("抽查复核结果已发布，各乡镇党委可以查看本镇支部的结果。"))
    return redirect("spotcheck-detail", pk=spot_check.pk)


# --- one sampled branch: re-scoring on site -----------------------------------------------------------


def _county_sample(request, pk):
    """The sample and the refusal of re-scoring it (a township user who may see the published
    result: 403 with the reason)."""
    sample = permissions.spot_sample_for(request.user, pk)
    if not services.is_county_of(request.user, sample.spot_check):
        raise PermissionDenied(_("复核评分由县委组织部进行；抽查结果发布后，请查看“复核差异”。"))
    return sample


def _save_all(request, sample):
    """The no-script form: save every item whose inputs were posted and changed.
    Returns ({item_id: error}, number saved)."""
    errors, saved = {}, 0
    for row in SpotScore.objects.filter(sample=sample).select_related("item"):
        key = row.item_id
        version = request.POST.get(f"version-{key}")
        if version is None:
            continue
        raw = request.POST.get(f"score-{key}", "")
        reason = request.POST.get(f"reason-{key}", "").strip()
        try:
            value = clean_self_score(raw, row.points)
        except ValidationError as error:
            errors[key] = {"error": error.messages[0], "score_text": raw, "reason": reason}
            continue
        if (value, reason) == (row.score, row.reason):
            continue
        try:
            services.spot_score_record(sample=sample, item=row.item, actor=request.user, score=value, reason=reason,
                                       version=version)
        except ServiceError as error:
            errors[key] = {"error": error.message, "score_text": raw, "reason": reason}
            continue
        saved += 1
    return errors, saved


@login_required
def spot_scoring(request, pk):
    """The county's re-scoring page of one sampled branch: the on-site page's layout, each item
    with the branch's self score and the township's on-site score beside the county's input.
    POST (scripts off): save every item at once."""
    sample = _county_sample(request, pk)
    spot_check = sample.spot_check
    refusal = services.spot_edit_refusal(spot_check, request.user)
    errors, status = {}, 200
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            status = 403
        else:
            errors, saved = _save_all(request, sample)
            if not errors:
                messages.success(request, _("已保存 %(n)s 项。") % {"n": saved} if saved else _("没有需要保存的修改。"))
                return redirect("spotcheck-scoring", pk=sample.pk)
            messages.error(request, _("有 %(n)s 项未保存，请按提示修改后再保存。") % {"n": len(errors)})
            status = 400
    sheet = selectors_spot.spot_sheet_for(sample)
    for area in sheet.areas:
        for row in area.rows:
            if row["id"] in errors:
                row.update(errors[row["id"]])
    return render(request, "assessment/spotcheck_scoring.html", {
        "sample": sample, "spot_check": spot_check, "assessment": sample.assessment, "sheet": sheet,
        "editable": refusal is None, "refusal": refusal or "",
        "county_text": decimal_text(sheet.county), "township_text": decimal_text(sheet.township),
        "difference_text": selectors_spot.signed(sheet.difference),
        "item_url": reverse("spotcheck-item-save", args=[sample.pk, 0]),
    }, status=status)


@login_required
@require_POST
def spot_item_save(request, pk, item_id):
    """Save of one item: JSON {ok, error, saved_at, version, total, progress, area, area_subtotal,
    area_progress, texts: {selector: text}} (the differences); 409 {conflict, current} when
    someone else saved it since."""
    sample = _county_sample(request, pk)

    def refuse(message, status, **extra):
        return JsonResponse({"ok": False, "error": message, **extra}, status=status)

    row = get_object_or_404(SpotScore.objects.select_related("item"), sample=sample, item_id=item_id)
    refusal = services.spot_edit_refusal(sample.spot_check, request.user)
    if refusal:
        return refuse(refusal, 403)
    post = request.POST
    try:
        value = clean_self_score(post["score"], row.points) if "score" in post else row.score
    except ValidationError as error:
        return refuse(error.messages[0], 400)
    reason = post["reason"] if "reason" in post else row.reason
    try:
        saved = services.spot_score_record(sample=sample, item=row.item, actor=request.user, score=value,
                                           reason=reason, version=post.get("version"), edit=post.get("edit", ""),
                                           prior=post.get("prior", ""))
    except services.ScoreConflict as conflict:
        return refuse(conflict.message, 409, conflict=True, current=conflict.current)
    except ServiceError as error:
        return refuse(error.message, _status_of(error))
    area_id = row.item.area_id
    totals = selectors_spot.spot_sample_totals(sample, area_id)
    township = selectors_spot.township_score(sample, row.item_id)
    signed = selectors_spot.signed
    return JsonResponse({
        "ok": True, "error": "", "conflict": False,
        "saved_at": timezone.localtime().strftime("%H:%M:%S"),
        "version": saved.version, "changed": saved.changed,
        "total": decimal_text(totals["county"]), "grand_total": decimal_text(totals["county"]),
        "progress": f"{totals['scored']}/{totals['items']}", "scored": totals["scored"], "items": totals["items"],
        "area": area_id, "area_subtotal": decimal_text(totals["area_county"]),
        "area_progress": f"{totals['area_scored']}/{totals['area_items']}",
        "texts": {
            f"#diff-{row.item_id}": signed(selectors_spot.item_difference(saved.score, township)),
            "#spot-difference": signed(totals["difference"]),
            f"[data-area-difference='{area_id}']": signed(totals["area_difference"]),
        },
    })


# --- one sampled branch: the difference -----------------------------------------------------------------


@login_required
def spot_difference(request, pk):
    """复核差异: the township's score and the county's per area and item of one sampled branch, with
    the totals. The county at any time; the branch's township once the spot check is published."""
    sample = permissions.spot_sample_for(request.user, pk)
    sheet = selectors_spot.spot_sheet_for(sample, with_files=False)
    only = request.GET.get("all") != "1"  # the items that differ, unless every item is asked for
    rows = [(area, row) for area in sheet.areas for row in area.rows
            if not only or (row["difference"] is not None and row["difference"] != 0)]
    return render(request, "assessment/spotcheck_difference.html", {
        "sample": sample, "spot_check": sample.spot_check, "assessment": sample.assessment, "sheet": sheet,
        "rows": rows, "only": only, "is_county": services.is_county_of(request.user, sample.spot_check),
        "county_text": decimal_text(sheet.county), "township_text": decimal_text(sheet.township),
        "township_scored_text": decimal_text(sheet.township_scored),
        "difference_text": selectors_spot.signed(sheet.difference),
    })


urlpatterns = [
    path("spotchecks/", spot_list, name="spotcheck-list"),
    path("spotchecks/new/", spot_new, name="spotcheck-new"),
    path("spotchecks/<id:pk>/", spot_detail, name="spotcheck-detail"),
    path("spotchecks/<id:pk>/publish/", spot_publish, name="spotcheck-publish"),
    path("spotchecks/samples/<id:pk>/", spot_scoring, name="spotcheck-scoring"),
    path("spotchecks/samples/<id:pk>/items/<id:item_id>/", spot_item_save, name="spotcheck-item-save"),
    path("spotchecks/samples/<id:pk>/difference/", spot_difference, name="spotcheck-difference"),
]
