"""Reads of the 示范点 pages: the model practices of a standard's items, a site's page, the
sources a model can be marked from, and the pairings with their round-over-round results.

Models are the township's: every user of the township sees them (secretaries included); the
sources (a branch's own files) only the township's admin, on the marking page.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from .models import (
    Branch, DemoSite, Evidence, Item, ModelFile, ModelPractice, Pairing, Phase, Rectification, RectificationStatus,
    Round, Score, Status, Visit,
)
from .models_plan import RecordFile
from .services.demo import ACCEPTED, same_item_q

OPEN = (RectificationStatus.PENDING, RectificationStatus.REPORTED)


def active_models(township_id):
    return ModelPractice.objects.filter(township_id=township_id, withdrawn_at__isnull=True)


@dataclass
class ModelView:
    """A model practice as the pages show it (from one joined query)."""

    id: int
    item_id: int
    title: str
    description: str
    branch: str
    year: int
    files: list = field(default_factory=list)


@dataclass
class FileView:
    id: int
    name: str
    content_type: str
    has_thumb: bool

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


MODEL_FIELDS = ("id", "item_id", "title", "description", "branch__name", "year",
                "files__id", "files__original_name", "files__content_type", "files__thumbnail")


def models_by_item(township_id, standard_id, item_ids=None):
    """{item_id: [ModelView]} of the township's models of a standard's items, with their files:
    one query (the models joined to their files), whatever the number of items and files."""
    qs = active_models(township_id).filter(item__standard_id=standard_id)
    if item_ids is not None:
        qs = qs.filter(item_id__in=item_ids)
    return _views(qs)


def models_of_same_item(township_id, item):
    """[ModelView] of `item` in any version of the standard (a rectification of last year's round
    is worked on while the models are marked on this year's items); a model carried over shows once."""
    return _views(active_models(township_id).filter(same_item_q(item)), by_item=False)


def _views(qs, by_item=True):
    found, result, seen = {}, defaultdict(list), set()
    for row in qs.order_by("item__number", "-year", "id", "files__id").values_list(*MODEL_FIELDS):
        pk, item_id, title, description, branch, year, file_id, name, content_type, thumb = row
        if not by_item:
            item_id = 0
            if pk not in found and (title, branch, year) in seen:
                continue
            seen.add((title, branch, year))
        view = found.get(pk)
        if view is None:
            view = found[pk] = ModelView(pk, item_id, title, description, branch, year)
            result[item_id].append(view)
        if file_id:
            view.files.append(FileView(file_id, name, content_type, bool(thumb)))
    return dict(result) if by_item else result[0]


def township_standard(township_id):
    """The standard of the township's newest round (the one its branches work on), or None."""
    round = (Round.objects.filter(township_id=township_id).select_related("standard")
             .order_by("-year", "-created_at", "-pk").first())
    return round.standard if round else None


def library(township_id, standard):
    """The 示范做法 library: [(area, [(item, [ModelView])])] for the items that have models."""
    by_item = models_by_item(township_id, standard.pk)
    items = Item.objects.filter(pk__in=by_item).select_related("area").order_by("area__number", "number")
    areas = {}
    for item in items:
        areas.setdefault(item.area, []).append((item, by_item[item.pk]))
    return list(areas.items())


def model_for_user(user, pk):
    """A model practice of the user's township (any role), else None (the view 404s)."""
    qs = ModelPractice.objects.select_related("item__area", "item__standard", "branch", "marked_by")
    if not user.is_superuser:
        qs = qs.filter(township_id=user.township_id)
    return qs.filter(pk=pk).first()


def model_file_for_user(user, pk):
    qs = ModelFile.objects.select_related("practice")
    if not user.is_superuser:
        qs = qs.filter(practice__township_id=user.township_id)
    found = qs.filter(pk=pk).first()
    if found is None or (found.practice.withdrawn_at and not (user.is_superuser or user.is_township_admin)):
        return None
    return found


def model_sources(branch, item):
    """What the admin may mark a model of `item` from, of the 示范点 `branch`: its accepted
    evidence of the same item (any version), its year records' files of the item's duty, and
    its self notes of accepted rounds. Three queries."""
    evidence = list(Evidence.objects.filter(same_item_q(item), assessment__branch=branch,
                                            assessment__status__in=ACCEPTED)
                    .select_related("assessment__round").order_by("-assessment__round__year", "id"))
    record_files = list(RecordFile.objects.filter(same_item_q(item, "record__duty__item__"), record__branch=branch)
                        .select_related("record").order_by("-record__date", "id")[:60])
    notes = list(Score.objects.filter(same_item_q(item), assessment__branch=branch, assessment__status__in=ACCEPTED)
                 .exclude(self_note="").select_related("assessment__round").order_by("-assessment__round__year"))
    return {"evidence": evidence, "record_files": record_files, "notes": notes}


# --- 示范点 pages -------------------------------------------------------------------


def demo_sites(township_id):
    return list(Branch.objects.filter(township_id=township_id, is_demonstration=True)
                .select_related("demo_site").annotate(
                    model_count=Count("model_practices", filter=Q(model_practices__withdrawn_at__isnull=True),
                                      distinct=True))
                .order_by("order", "name"))


def site_theme(branch):
    try:
        return branch.demo_site
    except DemoSite.DoesNotExist:
        return None


@dataclass
class RoundFigure:
    """A branch in one round: its 考评总分 and rectifications once the notice is published; while
    the round is under way, its 自评总分 once submitted (provisional, no rectifications yet)."""

    round: Round
    total: object
    open: object = None
    all: object = None
    provisional: bool = False


SUBMITTED_OR_LATER = (Status.SUBMITTED, Status.ONSITE, Status.FINALISED, Status.PUBLISHED)


def round_totals(township_id, branch_ids, upto=None):
    """{branch_id: [RoundFigure]} over the township's rounds (up to the round `upto`), oldest
    first: one query for the rounds, one per round for the totals (the same figures as the
    ranking), one for the rectification counts."""
    from .results import results_queryset

    rounds = Round.objects.filter(township_id=township_id).exclude(phase=Phase.PREPARATION).select_related("standard")
    if upto is not None:
        rounds = rounds.filter(Q(year__lt=upto.year) | Q(pk=upto.pk))
    rounds = list(rounds.order_by("year", "created_at", "pk"))
    branch_ids = set(branch_ids)
    counts = {
        (row["assessment__round_id"], row["assessment__branch_id"]): (row["open"], row["all"])
        for row in Rectification.objects.filter(assessment__round__in=rounds, assessment__branch_id__in=branch_ids)
        .exclude(status=RectificationStatus.DRAFT)
        .values("assessment__round_id", "assessment__branch_id")
        .annotate(open=Count("id", filter=Q(status__in=OPEN)), all=Count("id")).order_by()
    }
    result = {branch_id: [] for branch_id in branch_ids}
    for round in rounds:
        published = round.published_at is not None
        for branch_id, total, self_total, status in (results_queryset(round).order_by()
                                                     .values_list("branch_id", "total", "self_total", "status")):
            if branch_id not in branch_ids:
                continue
            if published:
                result[branch_id].append(RoundFigure(round, total, *counts.get((round.pk, branch_id), (0, 0))))
            elif status in SUBMITTED_OR_LATER:
                result[branch_id].append(RoundFigure(round, self_total, provisional=True))
    return result


@dataclass
class PairingResult:
    pairing: Pairing
    rounds: list  # [RoundFigure], oldest first

    @property
    def change(self):
        """(score change, open rectifications change or None) between the last two rounds, or None."""
        if len(self.rounds) < 2:
            return None
        before, after = self.rounds[-2], self.rounds[-1]
        opened = None if after.provisional or before.provisional else after.open - before.open
        return after.total - before.total, opened

    @property
    def provisional(self):
        return bool(self.rounds) and self.rounds[-1].provisional

    @property
    def change_texts(self):
        """("+8", "-3"): the changes with their sign, for the pages and the files."""
        change = self.change
        if change is None:
            return None
        return f"{change[0].normalize():+f}", "" if change[1] is None else f"{change[1]:+d}"

    @property
    def improved(self):
        change = self.change
        return change is not None and change[0] > 0


def pairings(township_id, *, branch_id=None, with_results=True, upto=None):
    """The township's active pairings (of one branch, helping or helped, if given), each with the
    helped branch's results over the published rounds (up to the round `upto`)."""
    qs = Pairing.objects.filter(site__township_id=township_id, ended_at__isnull=True).select_related("site", "helped")
    if branch_id is not None:
        qs = qs.filter(Q(site_id=branch_id) | Q(helped_id=branch_id))
    if upto is not None and upto.published_at:  # a published round shows the pairings it knew
        qs = qs.filter(since__lte=timezone.localdate(upto.published_at))
    found = list(qs)
    totals = round_totals(township_id, [p.helped_id for p in found], upto) if with_results and found else {}
    return [PairingResult(p, totals.get(p.helped_id, [])) for p in found]


def visits(site=None, township_id=None, branch_id=None):
    qs = Visit.objects.select_related("site", "item").prefetch_related("visitors__branch", "photos")
    if site is not None:
        qs = qs.filter(site=site)
    if township_id is not None:
        qs = qs.filter(site__township_id=township_id)
    if branch_id is not None:
        qs = qs.filter(visitors__branch_id=branch_id)
    return list(qs)


def files_of(model_ids):
    return list(ModelFile.objects.filter(practice_id__in=model_ids).order_by("id"))


def pairing_texts(round):
    """{helped branch_id: one line for the 考评汇总表} of the pairings, up to `round`."""
    texts = {}
    for result in pairings(round.township_id, upto=round):
        line = f"{result.pairing.site.name}帮带"
        if result.rounds:
            line += "：" + " → ".join(f"{f.round.year}年{f.total.normalize():f}分" + ("（自评）" if f.provisional else "")
                                     for f in result.rounds)
        change = result.change_texts
        if change:
            line += f"（{change[0]}分" + (f"，未销号整改{change[1]}）" if change[1] else "）")
        texts[result.pairing.helped_id] = line
    return texts
