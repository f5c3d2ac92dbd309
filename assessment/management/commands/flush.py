"""Django's `flush`, which empties every table (tests between runs, `restore --yes`), with the
guard of the audit records lifted while it runs: the guard refuses DELETE of audit rows, and
SQLite empties a table with DELETE. Installed again afterwards, in every case."""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from assessment.audit import guard_lifted


class Command(FlushCommand):
    def handle(self, **options):
        with guard_lifted(connections[options.get("database") or DEFAULT_DB_ALIAS]):
            return super().handle(**options)
