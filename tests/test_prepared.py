"""assessment.prepared: a queryset compiled once returns what the queryset itself returns,
for each call's arguments, on SQLite and PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, Sum, Window
from django.test.utils import CaptureQueriesContext

from assessment.models import Assessment, AuditLog, Bonus, BonusClaim, Score, User
from assessment.prepared import Prepared


def score_rows(assessment_id):
    per_area = {"partition_by": [F("item__area_id")]}
    return (Score.objects.filter(assessment_id=assessment_id)
            .annotate(area_self=Window(Sum("self_score"), **per_area), area_items=Window(Count("id"), **per_area))
            .order_by("item__area__number", "item__number")
            .values_list("item_id", "item__content", "points", "self_score", "updated_at", "area_self", "area_items"))


def scored(cast):
    scores = list(Score.objects.filter(assessment=cast.assessment).order_by("item__number"))
    for i, score in enumerate(scores[:5]):
        score.self_score, score.self_note = Decimal("1.5") if i % 2 else Decimal("2"), f"说明{i}"
    Score.objects.bulk_update(scores, ["self_score", "self_note"])


@pytest.mark.django_db
def test_value_lists_equal_the_querysets_own_for_each_call(cast):
    scored(cast)
    prepared = Prepared(score_rows)
    for assessment in (cast.assessment, cast.assessment2, cast.assessment):
        rows = prepared(assessment_id=assessment.pk)
        assert rows == list(score_rows(assessment.pk))
    rows = prepared(assessment_id=cast.assessment.pk)
    assert rows[1][2:4] == (Decimal("2"), Decimal("1.5"))  # decimals, on SQLite too
    assert rows[0][4].tzinfo is not None                  # aware datetimes
    assert rows[0][5] == Decimal("7") and rows[0][6] == 4  # the window sums of area 1
    assert prepared(assessment_id=0) == []


@pytest.mark.django_db
def test_values_dicts_keep_the_names_and_order(cast):
    build = lambda assessment_id: (Score.objects.filter(assessment_id=assessment_id)  # noqa: E731
                                   .order_by("item__number").values("item__number", "self_score", "item__area__name"))
    assert Prepared(build)(assessment_id=cast.assessment.pk) == list(build(cast.assessment.pk))


@pytest.mark.django_db
def test_instances_with_select_related_and_annotations(cast, django_assert_num_queries):
    build = lambda pk: (Assessment.objects.select_related("round", "round__standard", "branch")  # noqa: E731
                        .annotate(items=Count("scores")).filter(pk=pk))
    prepared = Prepared(build)
    prepared(pk=cast.assessment.pk)
    with django_assert_num_queries(1):
        (assessment,) = prepared(pk=cast.assessment2.pk)
        assert assessment.branch.name == "西段村"
        assert assessment.round.standard.name == "测试标准"
        assert assessment.items == 12
    assert assessment == cast.assessment2 and not assessment._state.adding
    assessment.status = "self"
    assessment.save(update_fields=["status"])  # a loaded instance saves like any other
    assert Assessment.objects.get(pk=cast.assessment2.pk).status == "self"


@pytest.mark.django_db
def test_filtered_relation_missing_and_present(cast):
    build = lambda standard_id, assessment_id: (  # noqa: E731
        Bonus.objects.filter(standard_id=standard_id)
        .annotate(mine=FilteredRelation("claims", condition=Q(claims__assessment_id=assessment_id)))
        .select_related("mine").order_by("order", "id"))
    prepared = Prepared(build)
    (bonus,) = prepared(standard_id=cast.standard.pk, assessment_id=cast.assessment.pk)
    assert not hasattr(bonus, "mine")  # as the queryset leaves it when the join finds nothing
    BonusClaim.objects.create(assessment=cast.assessment, bonus=bonus, note="县级先进")
    (bonus,) = prepared(standard_id=cast.standard.pk, assessment_id=cast.assessment.pk)
    assert bonus.mine.note == "县级先进"
    (bonus,) = prepared(standard_id=cast.standard.pk, assessment_id=cast.assessment2.pk)
    assert not hasattr(bonus, "mine")


@pytest.mark.django_db
def test_refusals(cast):
    with pytest.raises(TypeError, match="do not reach the SQL"):
        Prepared(lambda pk: Score.objects.filter(assessment_id=pk + 1).values_list("id"))(pk=1)
    with pytest.raises(TypeError, match="only plain"):
        Prepared(lambda pk: Score.objects.filter(pk=pk).values_list("id", flat=True))(pk=1)
    with pytest.raises(TypeError, match="prefetch_related"):
        Prepared(lambda pk: Assessment.objects.filter(pk=pk).prefetch_related("scores"))(pk=1)
    prepared = Prepared(lambda pk: AuditLog.objects.filter(pk=pk).values_list("id"))
    with pytest.raises(TypeError, match="must be a whole number"):
        prepared(pk="1 OR 1=1")
    with pytest.raises(TypeError, match="arguments"):
        prepared(id=1)


@pytest.mark.django_db
def test_string_arguments_where_the_build_says_so(cast):
    def build(username: str):
        return User.objects.filter(username=username).values_list("username", "role")

    prepared = Prepared(build)
    assert prepared(username="carol") == [("carol", "secretary")]
    assert prepared(username="x' OR '1'='1") == []
    with pytest.raises(TypeError, match="must be a string"):
        prepared(username=7)


def prepared_on_postgresql(cast):
    """A Prepared of score_rows, run once (so the connection has prepared it), and its rows."""
    if connection.vendor != "postgresql":
        pytest.skip("PREPARE is PostgreSQL's")
    prepared = Prepared(score_rows)
    expected = list(score_rows(cast.assessment.pk))
    assert prepared(assessment_id=cast.assessment.pk) == expected
    return prepared, expected


@pytest.mark.django_db
def test_postgresql_plans_once_per_connection(cast):
    prepared, _rows = prepared_on_postgresql(cast)
    name = prepared.compiled[1].name

    def known():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
            return cursor.fetchone()[0]

    assert known() == 1
    expected = list(score_rows(cast.assessment2.pk))
    with CaptureQueriesContext(connection) as queries:
        rows = prepared(assessment_id=cast.assessment2.pk)
    assert rows == expected
    assert len(queries) == 1 and queries[0]["sql"].startswith(f"EXECUTE {name}")
    assert known() == 1


@pytest.mark.django_db(transaction=True)
def test_postgresql_prepares_again_after_the_connection_is_replaced(cast):
    prepared, expected = prepared_on_postgresql(cast)
    connection.close()  # a new connection knows no prepared statement
    assert prepared(assessment_id=cast.assessment.pk) == expected
