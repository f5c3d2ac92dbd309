"""Querysets compiled once per process, for the pages that run the same queries all day.

Django builds and compiles a queryset's SQL every time it runs. For the joins, window
sums and value lists behind the checklist and the on-site page that Python work costs
more than PostgreSQL takes to answer (bench/README.md: about 0.5 to 1 ms a query).
`Prepared` builds its queryset once, with marker numbers standing for the arguments,
keeps the SQL, and runs it with each call's arguments; on PostgreSQL it is also planned once
per connection (PREPARE, then EXECUTE: connect to PostgreSQL directly or through a pooler in
session mode, not transaction mode). The rows go through Django's own
converters and the steps of its iterables, so they come back as the queryset would have
returned them (tests/test_prepared.py compares the two on SQLite and PostgreSQL).

    SCORES = Prepared(lambda assessment_id: Score.objects.filter(assessment_id=assessment_id)
                      .values_list("item_id", "self_score"))
    SCORES(assessment_id=7)   # a list of tuples, as list(queryset) would give

For querysets of model instances (with select_related() and annotations, without
prefetch_related()), values() and values_list(), whose arguments are whole numbers (ids) or,
where the build function says so (`def build(session_key: str)`), strings, compared for
equality; anything else is refused when it is first run.
"""

import inspect
import itertools
import re
import threading
import weakref

from django.db import connections
from django.db.models.query import ModelIterable, ValuesIterable, ValuesListIterable, get_related_populators

MARK = 1_987_000_000  # argument i is built as MARK + i: a number no id of ours comes near


NAMES = itertools.count(1)


def _numbered(sql):
    """Django's PostgreSQL SQL with %s placeholders as PREPARE wants it: $1, $2, … (and %% as %)."""
    numbers = itertools.count(1)
    return re.sub(r"%[s%]", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def _marker(i, parameter):
    return f"\x00prepared-{i}\x00" if parameter.annotation is str else MARK + i


class Compiled:
    """The SQL of a Prepared, where each argument goes, and how rows become what the
    queryset would have returned (the steps of Django's own iterables, done once here)."""

    def __init__(self, queryset, marks):
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise TypeError("Prepared: no prefetch_related() and no related managers")
        query = queryset.query
        self.db = queryset.db
        compiler = query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = [(i, marks[value]) for i, value in enumerate(self.params) if value in marks]
        missing = set(marks.values()) - {name for _i, name in self.slots}
        if missing:
            raise TypeError(f"Prepared: argument(s) {sorted(missing)} do not reach the SQL as plain values")
        self.expressions = [s[0] for s in compiler.select[: compiler.col_count]]
        self.kind = queryset._iterable_class
        if self.kind is ValuesIterable:
            self.names = list(query.selected) if query.selected else [
                *query.extra_select, *query.values_select, *query.annotation_select]
        elif self.kind is ModelIterable:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model_slice = slice(first, last)
            self.init_list = [f[0].target.attname for f in compiler.select[first:last]]
            self.populators = get_related_populators(klass_info, compiler.select, self.db)
            self.annotations = list(compiler.annotation_col_map.items())
        elif self.kind is not ValuesListIterable:
            raise TypeError("Prepared: only plain, values() and values_list() querysets")
        # On PostgreSQL the statement is also planned once per connection (PREPARE … EXECUTE).
        self.name = f"huayu_prepared_{next(NAMES)}"
        self.execute_sql = f"EXECUTE {self.name} ({', '.join(['%s'] * len(self.params))})"
        self.prepared_on = weakref.WeakSet()  # the connections that know the statement
        self.lock = threading.Lock()

    def execute(self, connection, cursor, params):
        if connection.vendor != "postgresql" or not params:
            cursor.execute(self.sql, params)
            return
        raw = connection.connection
        if raw not in self.prepared_on:
            # Through the driver's own cursor: preparing is not one of the page's queries.
            with connection.wrap_database_errors, raw.cursor() as plain:
                plain.execute(f"PREPARE {self.name} AS {_numbered(self.sql)}")
            with self.lock:
                self.prepared_on.add(raw)
        cursor.execute(self.execute_sql, params)

    def rows(self, connection, values):
        """The rows as lists, converted as Django converts them."""
        params = self.params.copy()
        for i, name in self.slots:
            params[i] = values[name]
        with connection.cursor() as cursor:
            self.execute(connection, cursor, params)
            rows = cursor.fetchall()
        converters = []
        for i, expression in enumerate(self.expressions):
            functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            if functions:
                converters.append((i, functions, expression))
        rows = [list(row) for row in rows]
        for row in rows:
            for i, functions, expression in converters:
                value = row[i]
                for function in functions:
                    value = function(value, expression, connection)
                row[i] = value
        return rows

    def run(self, connection, values):
        rows = self.rows(connection, values)
        if self.kind is ValuesListIterable:
            return [tuple(row) for row in rows]
        if self.kind is ValuesIterable:
            return [dict(zip(self.names, row)) for row in rows]
        objects = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, i in self.annotations:
                setattr(obj, name, row[i])
            objects.append(obj)
        return objects


class Prepared:
    """A queryset built by `build(**arguments)`, compiled at its first call (per
    process), run with the arguments of each call."""

    def __init__(self, build):
        self.build = build
        parameters = inspect.signature(build).parameters
        self.names = list(parameters)
        self.types = {name: str if p.annotation is str else int for name, p in parameters.items()}
        self.markers = {_marker(i, p): name for i, (name, p) in enumerate(parameters.items())}
        self.compiled = None
        self.lock = threading.Lock()

    def compile(self):
        with self.lock:
            if self.compiled is None:
                queryset = self.build(**{name: mark for mark, name in self.markers.items()})
                self.compiled = (queryset.db, Compiled(queryset, self.markers))
        return self.compiled

    def __call__(self, **values):
        if set(values) != set(self.names):
            raise TypeError(f"Prepared: arguments {sorted(values)}, expected {sorted(self.names)}")
        for name, value in values.items():
            if type(value) is not self.types[name]:
                kind = "a whole number" if self.types[name] is int else "a string"
                raise TypeError(f"Prepared: {name} must be {kind}, not {value!r}")
        alias, compiled = self.compiled or self.compile()
        return compiled.run(connections[alias], values)
