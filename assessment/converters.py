"""The URL converter for record ids: `<id:pk>`.

Like Django's `int`, but a number beyond the database's bigint range does not match, so the
URL is simply not found (404) instead of reaching a query that the database refuses (a 500 on
PostgreSQL, where some queries are prepared with bigint parameters: assessment/prepared.py).
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
