"""The triggers that give an assessment a new `render_version` (models.Assessment) on every
write of anything its checklist and on-site page show, in SQLite and PostgreSQL: its scores,
evidence, bonus claims, veto findings and audit records (the on-site page's history), the
assessment itself, its round and branch, its standard's items, areas, vetoes, bonus items and
grade bands, its branch's year of records and the duties they count for, and its township's
model practices and their files. Whoever writes (the services, the admin, a bulk update, loaddata), the version
changes in the same statement and transaction, so a body kept under the old version
(assessment/pages.py) is never shown again.

The version is a random 63-bit number rather than a counter: a database restored or flushed
gives no assessment a version it had before with other data.

Like the subtotals' triggers (assessment/subtotals.py) they live outside the migrations:
dropped before `migrate` runs and installed again afterwards (AssessmentConfig.ready).
"""

TABLE = "assessment_assessment"
SQLITE_RANDOM = "abs(random() >> 1)"
POSTGRESQL_RANDOM = "floor(random() * 4611686018427387904)::bigint"

# (table, the assessments a row of it concerns, as SQL of the row called {row}; operations)
BY_ASSESSMENT = "id = {row}.assessment_id"
BY_STANDARD = "round_id IN (SELECT id FROM assessment_round WHERE standard_id = {row}.standard_id)"
BY_TOWNSHIP = "branch_id IN (SELECT id FROM assessment_branch WHERE township_id = {township})"
WATCHED = [
    ("assessment_score", BY_ASSESSMENT, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_evidence", BY_ASSESSMENT, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_bonusclaim", BY_ASSESSMENT, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_vetofinding", BY_ASSESSMENT, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_auditlog", BY_ASSESSMENT, ("INSERT",)),
    ("assessment_round", "round_id = {row}.id", ("UPDATE",)),
    # A branch's name shows on its pages and, under its model practices, on the township's.
    ("assessment_branch", BY_TOWNSHIP.format(township="{row}.township_id"), ("UPDATE",)),
    ("assessment_standard", "round_id IN (SELECT id FROM assessment_round WHERE standard_id = {row}.id)", ("UPDATE",)),
    ("assessment_area", BY_STANDARD, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_item", BY_STANDARD, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_veto", BY_STANDARD, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_bonus", BY_STANDARD, ("INSERT", "UPDATE", "DELETE")),
    ("assessment_gradeband", BY_STANDARD, ("INSERT", "UPDATE", "DELETE")),
    # A counting item's year of records (selectors_plan.item_counts): the branch's records, the duties.
    ("assessment_record", "branch_id = {row}.branch_id", ("INSERT", "UPDATE", "DELETE")),
    ("assessment_duty", "round_id IN (SELECT r.id FROM assessment_round r JOIN assessment_item i"
                        " ON i.standard_id = r.standard_id WHERE i.id = {row}.item_id)", ("INSERT", "UPDATE", "DELETE")),
    # 看示范点怎么做 (selectors_demo.models_by_item): the township's model practices and their files.
    ("assessment_modelpractice", BY_TOWNSHIP.format(township="{row}.township_id"), ("INSERT", "UPDATE", "DELETE")),
    ("assessment_modelfile", BY_TOWNSHIP.format(
        township="(SELECT township_id FROM assessment_modelpractice WHERE id = {row}.practice_id)"),
     ("INSERT", "UPDATE", "DELETE")),
]


def _own_columns():
    """The assessment's columns other than its id and version: a change of any of them changes
    the version (the version's own change, by the triggers, does not fire them again)."""
    from .models import Assessment

    return ", ".join(f.column for f in Assessment._meta.concrete_fields
                     if f.column not in ("id", "render_version"))


def _bump(where, random):
    return f"UPDATE {TABLE} SET render_version = {random} WHERE {where};"


def _sqlite():
    statements = []
    for table, where, operations in WATCHED:
        for operation in operations:
            rows = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["OLD", "NEW"]}[operation]
            body = " ".join(_bump(where.format(row=row), SQLITE_RANDOM) for row in rows)
            statements.append(f"CREATE TRIGGER version_{table}_{operation.lower()} AFTER {operation} ON {table}"
                              f" BEGIN {body} END")
    statements.append(f"CREATE TRIGGER version_{TABLE}_update AFTER UPDATE OF {_own_columns()} ON {TABLE}"
                      f" BEGIN {_bump('id = NEW.id', SQLITE_RANDOM)} END")
    return statements


def _sqlite_drop():
    names = [f"version_{table}_{op.lower()}" for table, _, ops in WATCHED for op in ops] + [f"version_{TABLE}_update"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


def _postgresql():
    statements = []
    for table, where, operations in WATCHED:
        old = _bump(where.format(row="OLD"), POSTGRESQL_RANDOM)
        new = _bump(where.format(row="NEW"), POSTGRESQL_RANDOM)
        statements += [
            f"""CREATE FUNCTION version_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {old} END IF;
  IF TG_OP <> 'DELETE' THEN {new} END IF;
  RETURN NULL;
END $$""",
            f"CREATE TRIGGER version_{table} AFTER {' OR '.join(operations)} ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION version_{table}()",
        ]
    statements += [
        f"""CREATE FUNCTION version_{TABLE}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.render_version := {POSTGRESQL_RANDOM};
  RETURN NEW;
END $$""",
        f"CREATE TRIGGER version_{TABLE} BEFORE UPDATE OF {_own_columns()} ON {TABLE}"
        f" FOR EACH ROW EXECUTE FUNCTION version_{TABLE}()",
    ]
    return statements


def _postgresql_drop():
    # Dropping the functions drops their triggers; it works whether the tables exist or not.
    return [f"DROP FUNCTION IF EXISTS version_{table}() CASCADE" for table, _, _ in WATCHED] + [
        f"DROP FUNCTION IF EXISTS version_{TABLE}() CASCADE"]


def _statements(connection, install):
    if connection.vendor == "postgresql":
        return _postgresql_drop() + (_postgresql() if install else [])
    if connection.vendor == "sqlite":
        return _sqlite_drop() + (_sqlite() if install else [])
    raise NotImplementedError(f"render_version has no triggers for {connection.vendor}")


def install(connection):
    """(Re)create the triggers, if the tables exist (and have the version column)."""
    tables = set(connection.introspection.table_names())
    if not {table for table, _, _ in WATCHED} | {TABLE} <= tables:
        return
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, TABLE)}
        if "render_version" not in columns:
            return
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def uninstall(connection):
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)


def installed(connection):
    """The names of the version triggers the database has."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'version%' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'version%'")
        return sorted(name for (name,) in cursor.fetchall())


def before_migrate(using, **kwargs):
    from django.db import connections

    uninstall(connections[using])


def after_migrate(using, **kwargs):
    from django.db import connections

    install(connections[using])
