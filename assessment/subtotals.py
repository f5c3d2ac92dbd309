"""The triggers that keep assessment_subtotal (models.Subtotal) equal to the scores' sums per
assessment and area, in SQLite and PostgreSQL.

Every insert, change and delete of a score, whoever makes it (the services, the admin, a bulk
update, loaddata), takes its old values out of its area's row and adds its new ones, in the same
statement and transaction. Concurrent saves of two scores of one area both add to the same row:
each UPDATE waits for the other's row lock and adds to what was committed, so no change is lost.
An item moved to another area (possible while its rounds are in preparation) has its
assessments' subtotals summed again.

The triggers live outside the migrations: `migrate` drops them before it runs (on SQLite a
migration that rebuilds a table would lose them, or fail on a trigger naming the old table) and
installs them again afterwards with every subtotal summed afresh (AssessmentConfig.ready
connects the signals; `flush` sends the second one too).
"""

# (name, SQL expression) of every kept figure, from a score row called {row}.
FIGURES = [
    ("items", "1"),
    ("self_scored", "CASE WHEN {row}.self_score IS NULL THEN 0 ELSE 1 END"),
    ("onsite_scored", "CASE WHEN {row}.onsite_score IS NULL THEN 0 ELSE 1 END"),
    ("self_sum", "COALESCE({row}.self_score, 0)"),
    ("onsite_sum", "COALESCE({row}.onsite_score, 0)"),
]
NAMES = ", ".join(name for name, _ in FIGURES)
TABLE = "assessment_subtotal"


def _take_out(row):
    """Subtract a score row's figures from its area's subtotal."""
    sets = ", ".join(f"{name} = {name} - {expr.format(row=row)}" for name, expr in FIGURES)
    return (
        f"UPDATE {TABLE} SET {sets} WHERE assessment_id = {row}.assessment_id"
        f" AND area_id = (SELECT area_id FROM assessment_item WHERE id = {row}.item_id);"
    )


def _add(row):
    """Add a score row's figures to its area's subtotal, creating the row the first time."""
    values = ", ".join(expr.format(row=row) for _, expr in FIGURES)
    sets = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name, _ in FIGURES)
    return (
        f"INSERT INTO {TABLE} (assessment_id, area_id, {NAMES})"
        f" SELECT {row}.assessment_id, area_id, {values} FROM assessment_item WHERE id = {row}.item_id"
        f" ON CONFLICT (assessment_id, area_id) DO UPDATE SET {sets};"
    )


SUMMED = (
    f"INSERT INTO {TABLE} (assessment_id, area_id, {NAMES})"
    " SELECT s.assessment_id, i.area_id, COUNT(*), COUNT(s.self_score), COUNT(s.onsite_score),"
    " COALESCE(SUM(s.self_score), 0), COALESCE(SUM(s.onsite_score), 0)"
    " FROM assessment_score s JOIN assessment_item i ON i.id = s.item_id{where}"
    " GROUP BY s.assessment_id, i.area_id"
)


def _sum_again(where):
    """Sum afresh the subtotals of the assessments that `where` (on a score row s) picks."""
    chosen = f"SELECT s.assessment_id FROM assessment_score s WHERE {where}"
    return (
        f"DELETE FROM {TABLE} WHERE assessment_id IN ({chosen});"
        f" {SUMMED.format(where=f' WHERE s.assessment_id IN ({chosen})')};"
    )


WATCHED = "assessment_id, item_id, self_score, onsite_score"
MOVED = "s.item_id = NEW.id"  # the scores of an item whose area changed

SQLITE = [
    f"CREATE TRIGGER subtotal_score_insert AFTER INSERT ON assessment_score BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER subtotal_score_update AFTER UPDATE OF {WATCHED} ON assessment_score"
    f" BEGIN {_take_out('OLD')} {_add('NEW')} END",
    f"CREATE TRIGGER subtotal_score_delete AFTER DELETE ON assessment_score BEGIN {_take_out('OLD')} END",
    "CREATE TRIGGER subtotal_item_area AFTER UPDATE OF area_id ON assessment_item"
    f" WHEN NEW.area_id IS NOT OLD.area_id BEGIN {_sum_again(MOVED)} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS subtotal_{name}" for name in
               ("score_insert", "score_update", "score_delete", "item_area")]

POSTGRESQL = [
    f"""CREATE FUNCTION assessment_subtotal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {_take_out('OLD')} END IF;
  IF TG_OP <> 'DELETE' THEN {_add('NEW')} END IF;
  RETURN NULL;
END $$""",
    f"CREATE TRIGGER subtotal_score_change AFTER INSERT OR DELETE OR UPDATE OF {WATCHED}"
    " ON assessment_score FOR EACH ROW EXECUTE FUNCTION assessment_subtotal_change()",
    f"""CREATE FUNCTION assessment_subtotal_item_area() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_sum_again(MOVED)}
  RETURN NULL;
END $$""",
    "CREATE TRIGGER subtotal_item_area AFTER UPDATE OF area_id ON assessment_item FOR EACH ROW"
    " WHEN (NEW.area_id IS DISTINCT FROM OLD.area_id) EXECUTE FUNCTION assessment_subtotal_item_area()",
]
# Dropping the functions drops their triggers; it works whether the tables exist or not.
POSTGRESQL_DROP = [
    "DROP FUNCTION IF EXISTS assessment_subtotal_change() CASCADE",
    "DROP FUNCTION IF EXISTS assessment_subtotal_item_area() CASCADE",
]

# Every subtotal summed afresh, writing only the rows that differ (after a migrate nothing
# usually does: rewriting them all would leave thousands of dead rows to vacuum).
REBUILD = [
    SUMMED.format(where=" WHERE TRUE") + " ON CONFLICT (assessment_id, area_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name, _ in FIGURES)
    + " WHERE " + " OR ".join(f"{TABLE}.{name} <> excluded.{name}" for name, _ in FIGURES),
    f"DELETE FROM {TABLE} WHERE NOT EXISTS (SELECT 1 FROM assessment_score s"
    " JOIN assessment_item i ON i.id = s.item_id"
    f" WHERE s.assessment_id = {TABLE}.assessment_id AND i.area_id = {TABLE}.area_id)",
]


def _statements(connection, install):
    if connection.vendor == "postgresql":
        return POSTGRESQL_DROP + (POSTGRESQL if install else [])
    if connection.vendor == "sqlite":
        return SQLITE_DROP + (SQLITE if install else [])
    raise NotImplementedError(f"{TABLE} has no triggers for {connection.vendor}")


def install(connection):
    """(Re)create the triggers and sum every subtotal afresh, if the tables exist."""
    tables = set(connection.introspection.table_names())
    if not {TABLE, "assessment_score", "assessment_item"} <= tables:
        return
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)
    rebuild(connection)


def uninstall(connection):
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)


def installed(connection):
    """The names of the subtotal triggers the database has."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'subtotal%' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'subtotal%'")
        return sorted(name for (name,) in cursor.fetchall())


def rebuild(connection):
    """Recompute every subtotal from the scores."""
    with connection.cursor() as cursor:
        for statement in REBUILD:
            cursor.execute(statement)


def kept(assessments=None):
    """{(assessment_id, area_id): (items, self_scored, onsite_scored, self_sum, onsite_sum)} as
    the triggers kept them (of `assessments`, ids or a queryset; None: all)."""
    from .models import Subtotal

    rows = Subtotal.objects.all() if assessments is None else Subtotal.objects.filter(assessment__in=assessments)
    return {(a, b): tuple(figures) for a, b, *figures in rows.values_list("assessment_id", "area_id", *(n for n, _ in FIGURES))}


def summed(assessments=None):
    """The same figures summed from the scores by a grouped query, to compare with kept()."""
    from django.db.models import Count, Sum

    from .models import Score

    scores = Score.objects.all() if assessments is None else Score.objects.filter(assessment__in=assessments)
    rows = scores.order_by().values("assessment_id", "item__area_id").annotate(
        n=Count("id"), n_self=Count("self_score"), n_onsite=Count("onsite_score"),
        s_self=Sum("self_score"), s_onsite=Sum("onsite_score"))
    return {(r["assessment_id"], r["item__area_id"]):
            (r["n"], r["n_self"], r["n_onsite"], r["s_self"] or 0, r["s_onsite"] or 0) for r in rows}


def before_migrate(using, **kwargs):
    from django.db import connections

    uninstall(connections[using])


def after_migrate(using, **kwargs):
    from django.db import connections

    install(connections[using])
