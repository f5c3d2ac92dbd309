"""The triggers that keep assessment_subtotal (models.Subtotal) equal to the scores' sums per
assessment and area, in SQLite and PostgreSQL.

Every insert, change and delete of a score, whoever makes it (the services, the admin, a bulk
update, loaddata), takes its old values out of its area's row and adds its new ones, in the same
statement and transaction. Concurrent saves of two scores of one area both add to the same row:
each UPDATE waits for the other's row lock and adds to what was committed, so no change is lost.
An item's area is read from assessment_item; items of a standard in use never change.
rebuild() recomputes every row from the scores (the migration, and tests compare the two).
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


def _take_out(row):
    """Subtract a score row's figures from its area's subtotal."""
    sets = ", ".join(f"{name} = {name} - {expr.format(row=row)}" for name, expr in FIGURES)
    return (
        f"UPDATE assessment_subtotal SET {sets} WHERE assessment_id = {row}.assessment_id"
        f" AND area_id = (SELECT area_id FROM assessment_item WHERE id = {row}.item_id);"
    )


def _add(row):
    """Add a score row's figures to its area's subtotal, creating the row the first time."""
    values = ", ".join(expr.format(row=row) for _, expr in FIGURES)
    sets = ", ".join(f"{name} = assessment_subtotal.{name} + excluded.{name}" for name, _ in FIGURES)
    return (
        f"INSERT INTO assessment_subtotal (assessment_id, area_id, {NAMES})"
        f" SELECT {row}.assessment_id, area_id, {values} FROM assessment_item WHERE id = {row}.item_id"
        f" ON CONFLICT (assessment_id, area_id) DO UPDATE SET {sets};"
    )


WATCHED = "assessment_id, item_id, self_score, onsite_score"

SQLITE = [
    f"CREATE TRIGGER subtotal_score_insert AFTER INSERT ON assessment_score BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER subtotal_score_update AFTER UPDATE OF {WATCHED} ON assessment_score"
    f" BEGIN {_take_out('OLD')} {_add('NEW')} END",
    f"CREATE TRIGGER subtotal_score_delete AFTER DELETE ON assessment_score BEGIN {_take_out('OLD')} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS subtotal_score_{op}" for op in ("insert", "update", "delete")]

POSTGRESQL = [
    f"""CREATE FUNCTION assessment_subtotal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {_take_out('OLD')} END IF;
  IF TG_OP <> 'DELETE' THEN {_add('NEW')} END IF;
  RETURN NULL;
END $$""",
    f"CREATE TRIGGER subtotal_score_change AFTER INSERT OR DELETE OR UPDATE OF {WATCHED}"
    " ON assessment_score FOR EACH ROW EXECUTE FUNCTION assessment_subtotal_change()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS subtotal_score_change ON assessment_score",
    "DROP FUNCTION IF EXISTS assessment_subtotal_change()",
]

REBUILD = [
    "DELETE FROM assessment_subtotal",
    f"INSERT INTO assessment_subtotal (assessment_id, area_id, {NAMES})"
    " SELECT s.assessment_id, i.area_id, COUNT(*), COUNT(s.self_score), COUNT(s.onsite_score),"
    " COALESCE(SUM(s.self_score), 0), COALESCE(SUM(s.onsite_score), 0)"
    " FROM assessment_score s JOIN assessment_item i ON i.id = s.item_id GROUP BY s.assessment_id, i.area_id",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def install(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)
    else:
        raise NotImplementedError(f"assessment_subtotal has no triggers for {vendor}")
    rebuild(schema_editor.connection)


def uninstall(schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRESQL_DROP if vendor == "postgresql" else SQLITE_DROP)


def rebuild(connection):
    """Recompute every subtotal from the scores."""
    with connection.cursor() as cursor:
        for statement in REBUILD:
            cursor.execute(statement)
