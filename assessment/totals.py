"""The triggers that keep assessment_total (models.Total): per assessment, the sums of its
subtotals, the points of its approved bonus claims (before the cap) and its veto findings, in
SQLite and PostgreSQL. The ranking sorts these rows (one a branch) in the database and fetches
one page; nothing is summed per request.

- A subtotal inserted, changed or deleted (by the score triggers of assessment/subtotals.py,
  whoever wrote the score) adds its change to its assessment's row, in the same statement.
- A bonus claim or veto finding inserted, changed or deleted, or a bonus's points changed,
  counts its assessment's approved points or findings again (a handful of rows).
- A row is created when its assessment first has a figure (never while it is being deleted:
  a delete only updates an existing row, so a cascade leaves nothing behind).

Like the subtotals' triggers they live outside the migrations: dropped before `migrate`,
installed after it (AssessmentConfig.ready, after the subtotals') with every row summed afresh.
"""

TABLE = "assessment_total"
COLUMNS = "assessment_id, self_sum, onsite_sum, approved_bonus, vetoes, changes"


def _ensure(x):
    """The assessment `x`'s row, created with zeros if it has none (and the assessment exists)."""
    return (f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {x}, 0, 0, 0, 0"
            f", 0 WHERE EXISTS (SELECT 1 FROM assessment_assessment WHERE id = {x})"
            f" ON CONFLICT (assessment_id) DO NOTHING;")


def _bonus(x):
    return (f"COALESCE((SELECT SUM(b.points) FROM assessment_bonusclaim c JOIN assessment_bonus b ON b.id = c.bonus_id"
            f" WHERE c.assessment_id = {x} AND c.decision = 'approved'), 0)")


def _vetoes(x):
    return f"(SELECT COUNT(*) FROM assessment_vetofinding v WHERE v.assessment_id = {x})"


def _sums(x):
    return (f"COALESCE((SELECT SUM(s.self_sum) FROM assessment_subtotal s WHERE s.assessment_id = {x}), 0),"
            f" COALESCE((SELECT SUM(s.onsite_sum) FROM assessment_subtotal s WHERE s.assessment_id = {x}), 0)")


def _take_out(row):
    return (f"UPDATE {TABLE} SET self_sum = self_sum - {row}.self_sum, onsite_sum = onsite_sum - {row}.onsite_sum,"
            f" changes = changes + 1 WHERE assessment_id = {row}.assessment_id;")


def _add(row):
    return (f"{_ensure(f'{row}.assessment_id')} UPDATE {TABLE} SET self_sum = self_sum + {row}.self_sum,"
            f" onsite_sum = onsite_sum + {row}.onsite_sum, changes = changes + 1 WHERE assessment_id = {row}.assessment_id;")


def _count_bonus(x):
    return f"UPDATE {TABLE} SET approved_bonus = {_bonus(x)} WHERE assessment_id = {x};"


def _count_vetoes(x):
    return f"UPDATE {TABLE} SET vetoes = {_vetoes(x)} WHERE assessment_id = {x};"


BONUS_POINTS = (f"UPDATE {TABLE} SET approved_bonus = {_bonus(f'{TABLE}.assessment_id')}"
                " WHERE assessment_id IN (SELECT assessment_id FROM assessment_bonusclaim WHERE bonus_id = NEW.id);")

SUBTOTAL_WATCHED = "assessment_id, self_sum, onsite_sum"
CLAIM_WATCHED = "assessment_id, bonus_id, decision"

SQLITE = [
    f"CREATE TRIGGER total_subtotal_insert AFTER INSERT ON assessment_subtotal BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER total_subtotal_update AFTER UPDATE OF {SUBTOTAL_WATCHED} ON assessment_subtotal"
    f" BEGIN {_take_out('OLD')} {_add('NEW')} END",
    f"CREATE TRIGGER total_subtotal_delete AFTER DELETE ON assessment_subtotal BEGIN {_take_out('OLD')} END",
    "CREATE TRIGGER total_claim_insert AFTER INSERT ON assessment_bonusclaim"
    f" BEGIN {_ensure('NEW.assessment_id')} {_count_bonus('NEW.assessment_id')} END",
    f"CREATE TRIGGER total_claim_update AFTER UPDATE OF {CLAIM_WATCHED} ON assessment_bonusclaim"
    f" BEGIN {_count_bonus('OLD.assessment_id')} {_ensure('NEW.assessment_id')} {_count_bonus('NEW.assessment_id')} END",
    f"CREATE TRIGGER total_claim_delete AFTER DELETE ON assessment_bonusclaim BEGIN {_count_bonus('OLD.assessment_id')} END",
    "CREATE TRIGGER total_veto_insert AFTER INSERT ON assessment_vetofinding"
    f" BEGIN {_ensure('NEW.assessment_id')} {_count_vetoes('NEW.assessment_id')} END",
    "CREATE TRIGGER total_veto_update AFTER UPDATE OF assessment_id ON assessment_vetofinding"
    f" BEGIN {_count_vetoes('OLD.assessment_id')} {_ensure('NEW.assessment_id')} {_count_vetoes('NEW.assessment_id')} END",
    f"CREATE TRIGGER total_veto_delete AFTER DELETE ON assessment_vetofinding BEGIN {_count_vetoes('OLD.assessment_id')} END",
    f"CREATE TRIGGER total_bonus_points AFTER UPDATE OF points ON assessment_bonus BEGIN {BONUS_POINTS} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS total_{name}" for name in (
    "subtotal_insert", "subtotal_update", "subtotal_delete", "claim_insert", "claim_update", "claim_delete",
    "veto_insert", "veto_update", "veto_delete", "bonus_points")]


def _function(name, body):
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {body}
  RETURN NULL;
END $$"""


POSTGRESQL = [
    _function("assessment_total_subtotal", f"IF TG_OP <> 'INSERT' THEN {_take_out('OLD')} END IF;"
                                           f" IF TG_OP <> 'DELETE' THEN {_add('NEW')} END IF;"),
    f"CREATE TRIGGER total_subtotal_change AFTER INSERT OR DELETE OR UPDATE OF {SUBTOTAL_WATCHED}"
    " ON assessment_subtotal FOR EACH ROW EXECUTE FUNCTION assessment_total_subtotal()",
    _function("assessment_total_claim", f"IF TG_OP <> 'INSERT' THEN {_count_bonus('OLD.assessment_id')} END IF;"
                                        f" IF TG_OP <> 'DELETE' THEN {_ensure('NEW.assessment_id')}"
                                        f" {_count_bonus('NEW.assessment_id')} END IF;"),
    f"CREATE TRIGGER total_claim_change AFTER INSERT OR DELETE OR UPDATE OF {CLAIM_WATCHED}"
    " ON assessment_bonusclaim FOR EACH ROW EXECUTE FUNCTION assessment_total_claim()",
    _function("assessment_total_veto", f"IF TG_OP <> 'INSERT' THEN {_count_vetoes('OLD.assessment_id')} END IF;"
                                       f" IF TG_OP <> 'DELETE' THEN {_ensure('NEW.assessment_id')}"
                                       f" {_count_vetoes('NEW.assessment_id')} END IF;"),
    "CREATE TRIGGER total_veto_change AFTER INSERT OR DELETE OR UPDATE OF assessment_id"
    " ON assessment_vetofinding FOR EACH ROW EXECUTE FUNCTION assessment_total_veto()",
    _function("assessment_total_bonus_points", BONUS_POINTS),
    "CREATE TRIGGER total_bonus_points AFTER UPDATE OF points ON assessment_bonus FOR EACH ROW"
    " WHEN (NEW.points IS DISTINCT FROM OLD.points) EXECUTE FUNCTION assessment_total_bonus_points()",
]
# Dropping the functions drops their triggers; it works whether the tables exist or not.
POSTGRESQL_DROP = [f"DROP FUNCTION IF EXISTS assessment_total_{name}() CASCADE"
                   for name in ("subtotal", "claim", "veto", "bonus_points")]

FIGURES = ("self_sum", "onsite_sum", "approved_bonus", "vetoes")
# Every row summed afresh, writing only the rows that differ.
REBUILD = [
    f"INSERT INTO {TABLE} ({COLUMNS}) SELECT a.id, {_sums('a.id')}, {_bonus('a.id')}, {_vetoes('a.id')}, 0"
    " FROM assessment_assessment a WHERE TRUE ON CONFLICT (assessment_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in FIGURES) + f", changes = {TABLE}.changes + 1"
    + " WHERE " + " OR ".join(f"{TABLE}.{name} <> excluded.{name}" for name in FIGURES),
]
TABLES = {TABLE, "assessment_subtotal", "assessment_bonusclaim", "assessment_vetofinding", "assessment_bonus"}


VENDORS = {"postgresql": (POSTGRESQL_DROP, POSTGRESQL), "sqlite": (SQLITE_DROP, SQLITE)}


def _statements(connection, install):
    """The statements that drop the triggers, and with `install` create them again."""
    try:
        drop, create = VENDORS[connection.vendor]
    except KeyError:
        raise NotImplementedError(f"{TABLE} has no triggers for {connection.vendor}") from None
    return drop + (create if install else [])


def install(connection):
    """(Re)create the triggers and sum every row afresh, if the tables exist."""
    if not TABLES <= set(connection.introspection.table_names()):
        return
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True) + REBUILD:
            cursor.execute(statement)


def uninstall(connection):
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)


def kept(assessments):
    """{assessment_id: (self_sum, onsite_sum, approved_bonus, vetoes)} as the triggers kept them."""
    from .models import Total

    return {pk: tuple(figures) for pk, *figures in
            Total.objects.filter(assessment__in=assessments).values_list("assessment_id", *FIGURES)}


def summed(assessments):
    """The same figures counted from the scores, claims and findings, to compare with kept()."""
    from django.db.models import Count, Q, Sum

    from .models import Assessment, BonusClaim, Score, VetoFinding

    scores = {r["assessment_id"]: (r["s"] or 0, r["o"] or 0) for r in Score.objects.filter(assessment__in=assessments)
              .order_by().values("assessment_id").annotate(s=Sum("self_score"), o=Sum("onsite_score"))}
    bonus = dict(BonusClaim.objects.filter(assessment__in=assessments, decision=BonusClaim.Decision.APPROVED)
                 .order_by().values("assessment_id").annotate(p=Sum("bonus__points")).values_list("assessment_id", "p"))
    vetoes = dict(VetoFinding.objects.filter(assessment__in=assessments).order_by().values("assessment_id")
                  .annotate(n=Count("id")).values_list("assessment_id", "n"))
    ids = Assessment.objects.filter(Q(pk__in=scores) | Q(pk__in=bonus) | Q(pk__in=vetoes)).values_list("pk", flat=True)
    return {pk: (*scores.get(pk, (0, 0)), bonus.get(pk, 0), vetoes.get(pk, 0)) for pk in ids}


def before_migrate(using, **kwargs):
    from django.db import connections

    uninstall(connections[using])


def after_migrate(using, **kwargs):
    from django.db import connections

    install(connections[using])
