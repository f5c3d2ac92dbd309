"""抽查复核 (county spot checks): draw a sample of branches, re-score them item by item, publish.

Every function takes keyword arguments, runs in one transaction, checks the actor (a county
user of the spot check's county, or the superuser) and the state (published: closed), raises
ServiceError with a message a person can read, and writes the audit record. The audit records
name the spot check and the branch in their target and carry no assessment: the township's
own audit trail (and its admin's view of it) shows nothing of the county's scores.

The county's scores are SpotScore rows; the township's Score rows are never written here.
"""

import random
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import Assessment, CountyRound, Item, Role, User
from assessment.models_spot import SpotCheck, SpotMethod, SpotReason, SpotSample, SpotScore
from assessment.selectors_spot import is_county_user, spot_pool

from .base import InvalidInput, ServiceError, audit
from .edits import ScoreConflict, edit_applies, edit_ids, parse_version
from .notify import notify
from .onsite import deduction_reason_error, onsite_score_error
from .selfeval import _score_text

__all__ = ["ScoreConflict"]  # views catch it from here

NAME_MAX = 200
SAMPLE_MAX = 500      # branches in one spot check
SEED_MAX = 2**53 - 1  # exact in JavaScript and JSON too
THRESHOLD_MAX = Decimal("100")


# --- Pure checks (no queries) --------------------------------------------------------------------


def is_county_of(user, spot_check):
    """A county user of the spot check's county, or the superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or (is_county_user(user) and user.county_id == spot_check.county_id)


def spot_edit_refusal(spot_check, actor):
    """Why `actor` may not re-score this spot check now, or None."""
    if not is_county_of(actor, spot_check):
        return _("只有本县县委组织部可以进行抽查复核。")
    if spot_check.published_at is not None:
        return _("抽查复核结果已发布，不能再修改。")
    return None


def _refuse_unless_editable(spot_check, actor):
    refusal = spot_edit_refusal(spot_check, actor)
    if refusal:
        raise ServiceError(refusal)


def _target(spot_check, branch=None):
    text = _("抽查复核“%(name)s”") % {"name": spot_check.name}
    return (f"{text} · {branch}" if branch else text)[:200]


def _locked(spot_check):
    return SpotCheck.objects.select_for_update().get(pk=spot_check.pk)


def _threshold(value):
    try:
        threshold = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("差异阈值请输入数字，例如 5。"))
    if not threshold.is_finite() or threshold < 0 or threshold > THRESHOLD_MAX:
        raise InvalidInput(_("差异阈值应在 0 到 %(max)s 分之间。") % {"max": THRESHOLD_MAX})
    return threshold.quantize(Decimal("0.1"))


def _whole(value, label, maximum):
    try:
        number = int(str(value).strip() or 0)
    except (TypeError, ValueError):
        raise InvalidInput(_("%(label)s请输入整数。") % {"label": label})
    if number < 0 or number > maximum:
        raise InvalidInput(_("%(label)s应在 0 到 %(max)s 之间。") % {"label": label, "max": maximum})
    return number


def _county_round(county, year):
    """The county round of `year`, when the county opened exactly one."""
    rounds = list(CountyRound.objects.filter(county=county, year=year)[:2])
    return rounds[0] if len(rounds) == 1 else None


# --- Drawing a sample ------------------------------------------------------------------------------


def draw_random(pool, size, seed):
    """`size` rows of `pool` drawn with `seed`: the same pool (in its order) and seed draw the same."""
    ordered = sorted(pool, key=lambda row: row.pk)
    return sorted(random.Random(seed).sample(ordered, min(size, len(ordered))), key=lambda row: row.pk)


def draw_chosen(pool, *, demonstration, lowest, ticked):
    """[(row, reason)] of `pool`: every 示范点 (demonstration), the `lowest` lowest ranked of each
    township's round, and the assessments ticked by hand; each branch once, with its first reason."""
    chosen = {}
    if demonstration:
        for row in pool:
            if row.is_demonstration:
                chosen.setdefault(row.pk, (row, SpotReason.DEMONSTRATION))
    if lowest:
        by_round = {}
        for row in pool:
            by_round.setdefault(row.round_id, []).append(row)
        for rows in by_round.values():
            for row in sorted(rows, key=lambda r: (-r.rank, -r.order, r.pk))[:lowest]:
                chosen.setdefault(row.pk, (row, SpotReason.LOWEST))
    ticked = set(ticked)
    for row in pool:
        if row.pk in ticked:
            chosen.setdefault(row.pk, (row, SpotReason.TICKED))
    return list(chosen.values())


@transaction.atomic
def spot_check_draw(*, actor, county, year, name, method, size=0, seed=None, demonstration=False, lowest=0,
                    ticked=(), threshold=Decimal("5")):
    """Draw a spot check of `county`'s `year`: at random (`size` branches, with `seed`, or a new
    seed recorded), or chosen (every 示范点, the `lowest` lowest ranked of each township, the
    assessments `ticked` by hand). The pool is every branch 考评完成 or 已通报 in a round of that
    year of the county's townships. Each sampled branch gets one empty county score per item of
    its round's standard. Returns the SpotCheck."""
    if not (actor.is_superuser or (is_county_user(actor) and actor.county_id == county.pk)):
        raise ServiceError(_("只有本县县委组织部可以抽取抽查支部。"))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写抽查复核的名称。"))
    if len(name) > NAME_MAX:
        raise InvalidInput(_("名称不能超过 %(n)s 字。") % {"n": NAME_MAX})
    if SpotCheck.objects.filter(county=county, name=name).exists():
        raise InvalidInput(_("本县已有名为“%(name)s”的抽查复核，请换一个名称。") % {"name": name})
    threshold = _threshold(threshold)
    year = _whole(year, _("年度"), 9999)
    pool = spot_pool(county.pk, year)
    if not pool:
        raise InvalidInput(_("%(year)s年度本县还没有考评完成的支部，无法抽取。") % {"year": year})
    if method == SpotMethod.RANDOM:
        size = _whole(size, _("抽取数量"), SAMPLE_MAX)
        if size < 1:
            raise InvalidInput(_("请填写抽取数量（至少 1 个支部）。"))
        if seed in (None, ""):
            seed = secrets.randbelow(SEED_MAX) + 1
        seed = _whole(seed, _("随机种子"), SEED_MAX)
        picked = [(row, SpotReason.RANDOM) for row in draw_random(pool, size, seed)]
        demonstration, lowest = False, 0
    elif method == SpotMethod.CHOSEN:
        lowest = _whole(lowest, _("排名靠后的支部数"), SAMPLE_MAX)
        picked = draw_chosen(pool, demonstration=bool(demonstration), lowest=lowest,
                             ticked={int(t) for t in ticked if str(t).isdigit()})
        size, seed = len(picked), None
        if not picked:
            raise InvalidInput(_("没有选中任何支部：请勾选“全部示范点”、填写排名靠后的支部数，或勾选支部。"))
    else:
        raise InvalidInput(_("请选择抽取方式。"))
    if len(picked) > SAMPLE_MAX:
        raise InvalidInput(_("一次抽查最多 %(n)s 个支部。") % {"n": SAMPLE_MAX})
    try:
        with transaction.atomic():
            spot_check = SpotCheck.objects.create(
                county=county, year=year, county_round=_county_round(county, year), name=name, method=method, sample_size=size, seed=seed,
                demonstration=bool(demonstration), lowest=lowest, threshold=threshold, drawn_by=actor)
    except IntegrityError:  # the same name drawn at the same moment by someone else
        raise InvalidInput(_("本县已有名为“%(name)s”的抽查复核，请换一个名称。") % {"name": name})
    samples = SpotSample.objects.bulk_create([
        SpotSample(spot_check=spot_check, assessment_id=row.pk, reason=reason, order=position)
        for position, (row, reason) in enumerate(picked, 1)])
    standards = dict(Assessment.objects.filter(pk__in=[row.pk for row, _r in picked])
                     .values_list("pk", "round__standard_id"))
    items = {}
    for standard_id, item_id, points in Item.objects.filter(standard_id__in=set(standards.values())).values_list(
            "standard_id", "pk", "points"):
        items.setdefault(standard_id, []).append((item_id, points))
    SpotScore.objects.bulk_create([
        SpotScore(sample=sample, item_id=item_id, points=points)
        for sample in samples for item_id, points in items.get(standards[sample.assessment_id], ())
    ], batch_size=1000)
    how = (_("随机抽取 %(n)s 个，随机种子 %(seed)s") % {"n": len(picked), "seed": seed} if method == SpotMethod.RANDOM
           else _("指定抽取 %(n)s 个") % {"n": len(picked)})
    audit(actor=actor, action="spot_draw", target=_target(spot_check), field="method", new=method,
          note=f"{year} · {how} · " + "、".join(f"{row.township} {row.branch}" for row, _r in picked)[:1500])
    return spot_check


# --- Re-scoring ------------------------------------------------------------------------------------


def _conflict(row):
    by = str(row.updated_by) if row.updated_by_id else _("他人")
    at = timezone.localtime(row.updated_at).strftime("%H:%M")
    text = _score_text(row.score)
    if row.score is None:
        message = _("该项目已被 %(by)s 于 %(at)s 修改（目前未评分），请确认后再保存") % {"by": by, "at": at}
    else:
        message = _("该项目已被 %(by)s 于 %(at)s 修改为 %(score)s 分，请确认后再保存") % {
            "by": by, "at": at, "score": text}
    return ScoreConflict(message, {"score": text, "reason": row.reason, "version": row.version, "by": by, "at": at})


@transaction.atomic
def spot_score_record(*, sample, item, actor, score, reason, version, edit="", prior=()):
    """Record the county's re-score of one item of a sampled branch (a Decimal, or None for
    unscored) with its deduction reason (required below the item's points). `version`, `edit`
    and `prior` as for the on-site score (services/edits.py): a save based on an older version
    raises ScoreConflict. Returns the SpotScore (with `.changed`)."""
    spot_check = _locked(sample.spot_check)
    _refuse_unless_editable(spot_check, actor)
    version = parse_version(version)
    edit, prior = edit_ids(edit, prior)
    try:
        row = SpotScore.objects.select_for_update(of=("self",)).select_related("item", "updated_by").get(
            sample_id=sample.pk, item_id=getattr(item, "pk", item))
    except SpotScore.DoesNotExist:
        raise ServiceError(_("本考核项目不属于该抽查支部。"))
    if score is not None:
        try:
            score = Decimal(score)
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidInput(_("请输入数字，例如 1.5。"))
    reason = (reason or "").strip()
    error = onsite_score_error(score, row.points) or deduction_reason_error(score, row.points, reason)
    if not edit_applies(row, version=version, edit=edit, prior=prior,
                        unchanged=(score, reason) == (row.score, row.reason), conflict=lambda: _conflict(row)):
        row.changed = []
        return row
    if error:
        raise InvalidInput(error)
    changed = []
    target = _target(spot_check, sample.assessment.branch)
    for action, name, new, text in (("spot_score", "score", score, _score_text), ("spot_reason", "reason", reason, str)):
        old = getattr(row, name)
        if old != new:
            audit(actor=actor, action=action, item=row.item, target=target, field=name,
                  old=text(old), new=text(new))
            setattr(row, name, new)
            changed.append(name)
    if changed:
        row.version += 1
        row.edit_id = edit
        row.updated_by = actor if getattr(actor, "pk", None) else None
        row.save(update_fields=[*changed, "version", "edit_id", "updated_by", "updated_at"])
    row.changed = changed
    return row


# --- Publishing ------------------------------------------------------------------------------------


def publish_refusal(spot_check):
    """What still stops publishing (one query), or None."""
    if spot_check.published_at is not None:
        return _("抽查复核结果已发布。")
    missing = (SpotScore.objects.filter(sample__spot_check=spot_check, score__isnull=True)
               .values_list("sample__assessment__branch__name", flat=True).distinct().order_by())
    missing = sorted(set(missing))
    if missing:
        return _("还有 %(n)s 个支部未复核完（%(names)s），全部复核后才能发布。") % {
            "n": len(missing), "names": "、".join(missing[:10]) + ("…" if len(missing) > 10 else "")}
    return None


@transaction.atomic
def spot_check_publish(*, spot_check, actor):
    """发布: every item of every sampled branch re-scored; the townships then see their own
    branches' results, and their admins are told."""
    locked = _locked(spot_check)
    if not is_county_of(actor, locked):
        raise ServiceError(_("只有本县县委组织部可以发布抽查复核结果。"))
    refusal = publish_refusal(locked)
    if refusal:
        raise ServiceError(refusal)
    locked.published_at = timezone.now()
    locked.published_by = actor
    locked.save(update_fields=["published_at", "published_by"])
    audit(actor=actor, action="spot_publish", target=_target(locked))
    townships = set(SpotSample.objects.filter(spot_check=locked).values_list(
        "assessment__round__township_id", flat=True))
    admins = User.objects.filter(role=Role.ADMIN, township_id__in=townships, is_active=True).values_list(
        "pk", flat=True)
    notify(user_ids=admins, text=_("县委组织部发布了抽查复核结果：%(name)s。") % {"name": locked.name},
           link=reverse("spotcheck-detail", args=[locked.pk]), topic=f"spot_publish:{locked.pk}")
    spot_check.published_at, spot_check.published_by = locked.published_at, locked.published_by
    return spot_check

