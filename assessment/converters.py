"""The URL converters: `<id:pk>` for record ids, `<year:year>` for years.

Like Django's `int`, but a number beyond the database's bigint range does not match, so the
URL is simply not found (404) instead of reaching a query that the database refuses (PostgreSQL
answers "bigint out of range" where a number is compared with a bigint parameter, and SQLite's
driver cannot even pass it: a 500 either way).
"""

from django.urls import register_converter

BIGINT_MAX = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if number > BIGINT_MAX:
            raise ValueError("beyond bigint")  # Django: this URL does not match
        return number

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")


class YearConverter:
    """`<year:year>`: four digits, so a year no calendar holds is simply not found (404)."""

    regex = "[12][0-9]{3}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(YearConverter, "year")


def id_or_none(value):
    """A record id from a query or form parameter, or None for anything that cannot be one
    (not a number, or beyond bigint: no database would find it, and SQLite cannot even ask)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= BIGINT_MAX else None
