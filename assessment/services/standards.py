"""Writing standards: import a parsed workbook, copy a standard to a new version.

A round keeps the standard version it started with, so a standard is never
edited once a round uses it: importing the same name again, or copying,
makes the next version.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessment.importers import points_text
from assessment.models import Area, Bonus, GradeBand, Item, Phase, Standard, Veto

from .base import ServiceError, audit
from .demo import models_carry_over_on_import


def standard_in_use(standard):
    """True once a round on this standard has left preparation."""
    return standard.rounds.exclude(phase=Phase.PREPARATION).exists()


def _next_version(name):
    return (Standard.objects.filter(name=name).aggregate(top=Max("version"))["top"] or 0) + 1


def _create_standard(**fields):
    try:
        with transaction.atomic():
            return Standard.objects.create(version=_next_version(fields["name"]), **fields)
    except IntegrityError:
        raise ServiceError(_("同名考核标准正在由他人保存，请稍后重试。"))


@transaction.atomic
def standard_import(*, parsed, actor=None, name=None, township=None, county=None):
    """Create a Standard (the next version of its name) from a ParsedStandard; the townships'
    models (示范做法) of items with the same content are carried over to it in the same transaction."""
    name = (name or parsed.name or "").strip()[:200]
    if not name:
        raise ServiceError(_("请填写考核标准名称。"))
    if not parsed.items:
        raise ServiceError(_("没有考核项目，不能导入。"))
    standard = _create_standard(
        name=name, township=township, county=None if township else county, description=parsed.description,
        bonus_cap=parsed.bonus_cap, source_name=parsed.filename,
    )
    Area.objects.bulk_create(
        [Area(standard=standard, number=a.number, name=a.name, points=a.points) for a in parsed.areas]
    )
    area_ids = dict(standard.areas.values_list("number", "id"))
    Item.objects.bulk_create([
        Item(
            standard=standard, area_id=area_ids[i.area_number], number=i.number, content=i.content,
            criteria=i.criteria, points=i.points, check_method=i.check_method, evidence=i.evidence,
        )
        for i in parsed.items
    ])
    Veto.objects.bulk_create(
        [Veto(standard=standard, code=v.code, text=v.text, order=n) for n, v in enumerate(parsed.vetoes, 1)]
    )
    Bonus.objects.bulk_create(
        [Bonus(standard=standard, code=b.code, text=b.text, points=b.points, order=n)
         for n, b in enumerate(parsed.bonuses, 1)]
    )
    GradeBand.objects.bulk_create(
        [GradeBand(standard=standard, grade=grade, min_score=minimum) for grade, minimum in parsed.grade_bands]
    )
    audit(
        actor=actor, action="standard_import", target=str(standard),
        note=_("%(areas)d个方面 %(items)d项 %(total)s分") % {
            "areas": len(parsed.areas), "items": len(parsed.items), "total": points_text(parsed.total_points),
        },
    )
    models_carry_over_on_import(standard=standard, actor=actor)  # the 示范做法 of the same items
    return standard


@transaction.atomic
def standard_copy(*, standard, actor=None):
    """The next version of `standard`, an exact copy, ready to be edited."""
    copy = _create_standard(
        name=standard.name, township=standard.township, county=standard.county, description=standard.description,
        bonus_cap=standard.bonus_cap, source_name=standard.source_name,
    )
    areas = list(standard.areas.all())
    Area.objects.bulk_create(
        [Area(standard=copy, number=a.number, name=a.name, points=a.points) for a in areas]
    )
    new_ids = dict(copy.areas.values_list("number", "id"))
    old_to_new = {a.id: new_ids[a.number] for a in areas}
    Item.objects.bulk_create([
        Item(
            standard=copy, area_id=old_to_new[i.area_id], number=i.number, content=i.content,
            criteria=i.criteria, points=i.points, check_method=i.check_method, evidence=i.evidence,
        )
        for i in standard.items.all()
    ])
    Veto.objects.bulk_create(
        [Veto(standard=copy, code=v.code, text=v.text, order=v.order) for v in standard.vetoes.all()]
    )
    Bonus.objects.bulk_create(
        [Bonus(standard=copy, code=b.code, text=b.text, points=b.points, order=b.order) for b in standard.bonuses.all()]
    )
    GradeBand.objects.bulk_create(
        [GradeBand(standard=copy, grade=g.grade, min_score=g.min_score) for g in standard.grade_bands.all()]
    )
    audit(actor=actor, action="standard_copy", target=str(copy), note=_("复制自%(source)s") % {"source": standard})
    return copy
