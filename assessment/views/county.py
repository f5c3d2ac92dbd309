"""The county's pages (县委组织部): its home (the county rounds and what to do next), a county
round's progress through every township, the ranking across the county, the county-wide Excel
files, one township's rounds, and opening a round in every township at once.

Each view begins with role_required(Role.COUNTY) (the superuser always may); the county round
or township is then scoped to the user's county (another county's: 404). Nothing here changes a
township's round: the county reads; it writes only its own county round (services.county)."""

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from assessment import selectors, selectors_county
from assessment.exporters_county import CountyRectificationList, CountySummary
from assessment.models import BranchKind, County, Phase, Role, Round, Standard
from assessment.permissions import check_township, role_required
from assessment.services.base import ServiceError
from assessment.services.county import county_round_open, county_standards
from assessment.views.exports import xlsx_response
from assessment.views.notice import refuse

county_required = role_required(Role.COUNTY)


def _county_of(user):
    return County.objects.filter(pk=user.county_id).first() if user.county_id else None


def county_home(request):
    """The county user's home: the county's rounds with each township's progress in one line,
    and the next steps (called by views.home for a county user)."""
    user = request.user
    county = _county_of(user)
    county_rounds = list(selectors_county.county_rounds_visible_to(user).annotate(
        townships=Count("rounds"),
        published=Count("rounds", filter=Q(rounds__published_at__isnull=False)),
        preparing=Count("rounds", filter=Q(rounds__phase=Phase.PREPARATION)),
    ))
    townships = list(selectors.townships_visible_to(user).annotate(branch_count=Count("branches")))
    steps = []
    if not townships:
        steps.append(_("本县还没有乡镇：请系统管理员在后台为本县添加乡镇，或导入党组织花名册。"))
    if not county_rounds:
        steps.append(_("开启全县考核批次：各乡镇同时开始，统一自评截止日期。"))
    for county_round in county_rounds:
        if county_round.preparing:
            steps.append(_("“%(name)s”：%(n)d 个乡镇尚未进入自评阶段。") % {
                "name": county_round.name, "n": county_round.preparing})
        elif county_round.published < county_round.townships:
            steps.append(_("“%(name)s”：%(done)d / %(all)d 个乡镇已发布通报，查看进度。") % {
                "name": county_round.name, "done": county_round.published, "all": county_round.townships})
    return render(request, "assessment/county_home.html", {
        "county": county, "county_rounds": county_rounds, "townships": townships, "steps": steps,
    })


@county_required
@require_GET
def county_round(request, pk):
    county_round = selectors_county.county_round_for(request.user, pk)
    progress = selectors_county.county_progress(county_round)
    return render(request, "assessment/county_round.html", {
        "county_round": county_round, "progress": progress, "today": timezone.localdate(),
    })


@county_required
@require_GET
def county_ranking(request, pk):
    county_round = selectors_county.county_round_for(request.user, pk)
    township = request.GET.get("township")
    townships = list(Round.objects.filter(county_round=county_round).order_by("township__name")
                     .values_list("township_id", "township__name"))
    try:
        township = int(township) if township else None
    except ValueError:
        township = None
    if township is not None and township not in dict(townships):
        township = None
    page = selectors_county.county_ranking_page(county_round, page=request.GET.get("page") or 1, township=township)
    return render(request, "assessment/county_ranking.html", {
        "county_round": county_round, "page": page, "townships": townships, "township": township,
        "query": f"township={township}&" if township else "",
    })


@county_required
@require_GET
def county_export_summary(request, pk):
    return xlsx_response(request, CountySummary(selectors_county.county_round_for(request.user, pk)))


@county_required
@require_GET
def county_export_rectifications(request, pk):
    return xlsx_response(request, CountyRectificationList(selectors_county.county_round_for(request.user, pk)))


@county_required
@require_GET
def county_township(request, pk):
    """One township of the county: its rounds with their phase and counts, and the links to the
    pages the county may read."""
    township = get_object_or_404(selectors.townships_visible_to(request.user), pk=pk)
    check_township(request.user, township)
    rounds = list(Round.objects.filter(township=township).select_related("standard", "county_round").annotate(
        branch_count=Count("assessments"),
        submitted_count=Count("assessments", filter=Q(assessments__submitted_at__isnull=False)),
        assessed_count=Count("assessments", filter=Q(assessments__status__in=("finalised", "published"))),
    ).order_by("-year", "-created_at"))
    kinds = dict(BranchKind.choices)
    branches = [(name, kinds.get(kind, kind), demonstration, members) for name, kind, demonstration, members
                in township.branches.order_by("order", "name").values_list("name", "kind", "is_demonstration",
                                                                            "members")]
    return render(request, "assessment/county_township.html", {
        "township": township, "rounds": rounds, "branches": branches,
    })


class CountyRoundForm(forms.Form):
    county = forms.ModelChoiceField(label=gettext_lazy("县（市、区）"), queryset=County.objects.none(), required=False)
    name = forms.CharField(label=gettext_lazy("考核批次名称"), max_length=200,
                           help_text=gettext_lazy("例如：2026年度党支部规范化建设考核验收"))
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    standard = forms.ModelChoiceField(label=gettext_lazy("考核标准"), queryset=County.objects.none())
    self_start = forms.DateField(label=gettext_lazy("自评开始"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    self_end = forms.DateField(label=gettext_lazy("自评截止（全县统一）"),
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_superuser:
            self.fields["county"].queryset = County.objects.all()
            self.fields["county"].required = True
            self.fields["standard"].queryset = Standard.objects.filter(township__isnull=True)
        else:
            del self.fields["county"]
            self.fields["standard"].queryset = county_standards(_county_of(user))
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"


@county_required
def county_round_new(request):
    """开启全县考核批次: the same round in every township of the county, one deadline."""
    user = request.user
    if not user.is_superuser and _county_of(user) is None:
        return refuse(request, _("您的账号没有所属县（市、区），请联系系统管理员。"))
    today = timezone.localdate()
    form = CountyRoundForm(request.POST or None, user=user, initial={"year": today.year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        county = data["county"] if user.is_superuser else _county_of(user)
        try:
            created = county_round_open(county=county, actor=user, name=data["name"], year=data["year"],
                                        standard=data["standard"], self_start=data.get("self_start"),
                                        self_end=data["self_end"])
        except ServiceError as error:  # InvalidInput too: said on the form, nothing written
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已在%(n)d个乡镇开启“%(name)s”。") % {
                "n": created.rounds.count(), "name": created.name})
            return redirect("county-round", pk=created.pk)
    return render(request, "assessment/county_round_new.html", {"form": form}, status=400 if form.errors else 200)


urlpatterns = [
    path("county/rounds/new/", county_round_new, name="county-round-new"),
    path("county/rounds/<id:pk>/", county_round, name="county-round"),
    path("county/rounds/<id:pk>/ranking/", county_ranking, name="county-ranking"),
    path("county/rounds/<id:pk>/export/summary.xlsx", county_export_summary, name="county-export-summary"),
    path("county/rounds/<id:pk>/export/rectifications.xlsx", county_export_rectifications,
         name="county-export-rectifications"),
    path("county/townships/<id:pk>/", county_township, name="county-township"),
]
