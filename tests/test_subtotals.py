"""The per-area subtotals (models.Subtotal) stay equal to the scores' sums, however the scores
are written: the services, a queryset update, a model save, a delete, concurrent saves."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from assessment import subtotals
from assessment.models import Area, Score, Subtotal
from assessment.services.rounds import round_prepare
from tests.test_services_onsite import items, onsite_ready, record


def kept():
    return subtotals.kept()


def summed():
    return subtotals.summed()


def test_a_new_round_has_a_subtotal_per_area_with_nothing_scored(cast):
    figures = kept()
    areas = list(cast.standard.areas.all())
    assert len(figures) == 3 * len(areas)  # two branches of the round, one of the other round
    assert figures[(cast.assessment.pk, areas[0].pk)] == (4, 0, 0, 0, 0)
    assert figures == summed()


def test_every_way_of_writing_a_score_is_counted(cast):
    area = cast.standard.areas.order_by("number").first()
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("1.5"))
    assert kept()[(cast.assessment.pk, area.pk)] == (4, 4, 0, Decimal("6"), 0)

    score = Score.objects.filter(assessment=cast.assessment, item__area=area).first()
    score.self_score, score.onsite_score = None, Decimal("0.5")
    score.save()
    assert kept()[(cast.assessment.pk, area.pk)] == (4, 3, 1, Decimal("4.5"), Decimal("0.5"))

    score.self_note = "只改说明"
    score.save(update_fields=["self_note"])
    Score.objects.filter(pk=score.pk).delete()
    assert kept()[(cast.assessment.pk, area.pk)] == (3, 3, 0, Decimal("4.5"), 0)
    assert kept() == summed()


def test_on_site_scores_saved_by_the_service_are_counted(cast):
    onsite_ready(cast)
    for n, item in enumerate(items(cast)[:5]):
        record(cast, item=item, score="1", reason="缺少记录")
    record(cast, item=items(cast)[0], score="2", version=1)
    assert kept() == summed()
    total = sum(onsite for (pk, _), (*_, onsite) in kept().items() if pk == cast.assessment.pk)
    assert total == Decimal("6")  # 2 + four times 1


def test_rebuild_gives_what_the_triggers_kept(cast):
    Score.objects.filter(assessment=cast.assessment2).update(onsite_score=Decimal("1"), self_score=Decimal("2"))
    before = kept()
    Subtotal.objects.update(self_sum=99)
    stray = Subtotal.objects.filter(assessment=cast.assessment).first()
    Subtotal.objects.create(assessment=cast.assessment2, area=Area.objects.create(
        standard=cast.standard, number=9, name="无项目的方面", points=1), items=3)
    stray_pk = stray.pk
    subtotals.rebuild(connection)
    assert kept() == before == summed()
    assert Subtotal.objects.filter(pk=stray_pk).exists()  # summed again in place, not replaced


def test_a_deleted_round_takes_its_subtotals_with_it(cast):
    cast.other_round.assessments.all().delete()
    assert not Subtotal.objects.filter(assessment__round=cast.other_round).exists()
    assert kept() == summed()


def test_branches_added_later_get_their_subtotals(cast):
    from assessment.models import Branch

    Branch.objects.create(township=cast.township, name="新村")
    round_prepare(round=cast.round)
    assert kept() == summed()
    assert Subtotal.objects.filter(assessment__branch__name="新村").count() == cast.standard.areas.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real concurrent test needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_in_one_area_both_count(cast):
    onsite_ready(cast)
    area = cast.standard.areas.order_by("number").first()
    chosen = [item for item in items(cast) if item.area_id == area.pk]
    barrier = threading.Barrier(len(chosen))
    errors = []

    def save(item, user):
        try:
            barrier.wait(timeout=10)
            record(cast, who=user, item=item, score="1.5", reason="缺少记录")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(item, cast.bob if n % 2 else cast.alice))
               for n, item in enumerate(chosen)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert kept()[(cast.assessment.pk, area.pk)] == (4, 4, 4, Decimal("8"), Decimal("6"))
    assert kept() == summed()


def test_an_item_moved_to_another_area_moves_its_scores(cast):
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("2"), onsite_score=Decimal("1.5"))
    first, second = cast.standard.areas.order_by("number")[:2]
    item = cast.standard.items.filter(area=first).first()
    item.area = second
    item.save()
    assert kept()[(cast.assessment.pk, first.pk)] == (3, 3, 3, Decimal("6"), Decimal("4.5"))
    assert kept()[(cast.assessment.pk, second.pk)] == (5, 5, 5, Decimal("10"), Decimal("7.5"))
    assert kept() == summed()


@pytest.mark.django_db(transaction=True)
def test_migrate_installs_the_triggers_again_and_sums_afresh(cast):
    from django.core.management import call_command

    expected = subtotals.installed(connection)
    assert len(expected) == (2 if connection.vendor == "postgresql" else 4)
    subtotals.uninstall(connection)
    assert subtotals.installed(connection) == []
    Score.objects.filter(assessment=cast.assessment).update(self_score=Decimal("1"))  # not kept
    call_command("migrate", verbosity=0)
    assert subtotals.installed(connection) == expected
    assert kept() == summed()
    assert sum(s for (pk, _), (_, _, _, s, _) in kept().items() if pk == cast.assessment.pk) == 12
