"""Django's `flush`, which empties every table (tests between runs, `restore --yes`), with the
database's own triggers lifted while it runs and installed again afterwards, in every case: the
guard of the audit records (it refuses DELETE of audit rows, and SQLite empties a table with
DELETE), and the triggers that keep the subtotals, the totals and each assessment's
render_version (emptying one table would otherwise write rows into another that is being emptied,
and a foreign key fails at the commit)."""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from assessment import subtotals, totals, versions
from assessment.audit import guard_lifted


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with guard_lifted(connection):
            for kept in (versions, totals, subtotals):
                kept.uninstall(connection)
            try:
                return super().handle(**options)
            finally:
                for kept in (subtotals, totals, versions):
                    kept.install(connection)
