"""One world per module, built inside a transaction that the module's end rolls back; one
logged-in client per role; and the count of what the matrix visited, printed at the end."""

import pytest
from django.db import transaction
from django.test import Client

from .matrix import Visitor, snapshot_sql
from .world import World

TOTALS = {"patterns": 0, "covered": 0, "requests": 0}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    saved = settings.MEDIA_ROOT, settings.SYNDICAT_WEBHOOK_URL
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("access-media"))
    # Relayed by webhook too, so that relays exist; nothing is delivered (no commit).
    settings.SYNDICAT_WEBHOOK_URL = "http://127.0.0.1:9/relais"
    with django_db_blocker.unblock(), transaction.atomic():
        yield World()
        transaction.set_rollback(True)
    settings.MEDIA_ROOT, settings.SYNDICAT_WEBHOOK_URL = saved


@pytest.fixture(scope="module")
def visitor(world):
    clients, cookies = {}, {}
    for role in world.roles:
        client = Client(raise_request_exception=True)
        if role.user is not None:
            client.force_login(role.user)
        clients[role.name] = client
        cookies[role.name] = {name: morsel.value for name, morsel in client.cookies.items()}
    visitor = Visitor(clients=clients, cookies=cookies, sql=snapshot_sql())
    yield visitor
    TOTALS["requests"] += visitor.requests


def pytest_terminal_summary(terminalreporter):
    if TOTALS["patterns"]:
        terminalreporter.write_line(
            f"access matrix: {TOTALS['covered']}/{TOTALS['patterns']} URL patterns,"
            f" {TOTALS['requests']} requests"
        )
