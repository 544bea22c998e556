"""Run part of a test on SQLite, the embedded default's database (`make run`), where some
inputs fail differently than on PostgreSQL (an integer beyond 64 bits raises OverflowError).

    @pytest.mark.django_db(databases=["default", "sqlite"])
    def test_…(client):
        with on_sqlite():
            …  # factories, requests and assertions all read and write SQLite
"""

from contextlib import contextmanager
from contextvars import ContextVar

SQLITE = "sqlite"
_alias: ContextVar[str | None] = ContextVar("tests_database_alias", default=None)


class Router:
    """Every model to the alias chosen by `on_sqlite()`; outside it, Django's default."""

    def db_for_read(self, model, **hints):
        return _alias.get()

    def db_for_write(self, model, **hints):
        return _alias.get()

    def allow_relation(self, obj1, obj2, **hints):
        return True if _alias.get() else None


@contextmanager
def on_sqlite():
    token = _alias.set(SQLITE)
    try:
        yield
    finally:
        _alias.reset(token)
