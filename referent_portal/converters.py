"""The `<id:…>` path converter: a row's id in a URL, which no database refuses to look up.

Django's `<int:…>` takes any number of digits; an id beyond 2**63 − 1 then reaches the
database, and SQLite raises OverflowError (a server error) where a 404 is due. This one does
not match such a path, so the resolver answers 404 on SQLite and PostgreSQL alike. Every URL of
the portal uses it for ids (tests/test_out_of_range_ids.py checks the URL patterns)."""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(value)  # the resolver tries the next pattern, then answers 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")


def as_id(value: str) -> int | None:
    """A row's id typed in a query string, or None: ASCII digits (« ² » passes str.isdigit()
    but not int()), short enough for int() and within what a column can hold."""
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def ids_in(values) -> list[int]:
    """The ids among query-string values (?requests=1&requests=2); the rest are ignored like
    any other stray parameter."""
    return [number for number in map(as_id, values) if number is not None]
