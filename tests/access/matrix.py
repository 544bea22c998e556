"""The machinery of the access matrix: outcomes, rows, the walk of the URL resolver, the visit.

The table itself (`tests/access/table.py`) is data: one `Row` per URL pattern, saying how to
build the pattern's arguments from each object of the world and which outcome each role gets.
A policy is a function `(role, obj) -> expected outcome(s)`; the common ones are built in
`tests/access/policies.py`.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from django.core import mail
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .world import Obj, Role, World

# --- outcomes ------------------------------------------------------------------------------

OK = "ok"  # 2xx
REDIRECT = "redirect"  # 3xx anywhere but a login page
LOGIN = "login"  # 3xx to the portal's login page
ADMIN_LOGIN = "admin_login"  # 3xx to the admin site's login page
REFUSED = {LOGIN, ADMIN_LOGIN, 401, 403, 404, 405, 503}
# What an allowed person gets for an unsafe request with an empty form: the form again (200 or
# 400 with its errors), or the action done and a redirect.
DONE = {OK, REDIRECT, 400}


def classify(response) -> str | int:
    status = response.status_code
    if 300 <= status < 400:
        path = urlsplit(response["Location"]).path
        if path == reverse("accounts:login"):
            return LOGIN
        if path == reverse("admin:login"):
            return ADMIN_LOGIN
        return REDIRECT
    if 200 <= status < 300:
        return OK
    return status


def as_set(expected) -> set:
    return set(expected) if isinstance(expected, set | frozenset) else {expected}


# --- rows ----------------------------------------------------------------------------------

Policy = Callable[[Role, Obj | None], object]
SAFE = ("GET", "HEAD", "OPTIONS")


@dataclass
class Row:
    """One URL pattern: how to reach it, and who gets what.

    `key` is the pattern's name (« namespace:name »), or its route for an unnamed pattern.
    `objects` names a list of `World.objects`; `kwargs(obj)` builds the URL's arguments
    (or `path(world, obj)` the whole path, for an unnamed pattern). `methods` maps each
    method visited to its policy; a method the view refuses is a policy giving 405.
    """

    key: str
    methods: dict[str, Policy]
    objects: str | None = None
    kwargs: Callable[[Obj], dict] | None = None
    path: Callable[[World, Obj | None], str] | None = None
    data: dict = field(default_factory=dict)  # the body of unsafe requests

    def url(self, world: World, obj: Obj | None) -> str:
        if self.path:
            return self.path(world, obj)
        kwargs = self.kwargs(obj) if self.kwargs else {}
        return reverse(self.key, kwargs=kwargs)

    def targets(self, world: World) -> list[Obj | None]:
        return world.objects_of(self.objects) if self.objects else [None]


# --- the walk of the resolver --------------------------------------------------------------


def url_patterns(resolver=None, prefix="", namespace="") -> Iterator[tuple[str, str]]:
    """Every URL pattern of the project, as (key, route): named ones by « namespace:name »."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, route


# --- the database, before and after --------------------------------------------------------

# Written by any request, refused or not: the session store and the log of login attempts.
UNWATCHED_TABLES = {"django_session", "axes_accesslog", "axes_accessattempt"}


def snapshot_sql() -> str:
    tables = sorted(set(connection.introspection.table_names()) - UNWATCHED_TABLES)
    return " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
        f' FROM "{table}" t'
        for table in tables
    )


def snapshot(sql: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its content."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


# --- a visit -------------------------------------------------------------------------------


@dataclass
class Visitor:
    """Logged-in test clients, one per role, each request in a savepoint rolled back."""

    clients: dict
    cookies: dict
    sql: str
    requests: int = 0

    def visit(self, role: Role, method: str, url: str, data: dict, *, watch: bool):
        """The response, and the tables it changed (when `watch`: before the rollback)."""
        client = self.clients[role.name]
        client.cookies = SimpleCookie(self.cookies[role.name])
        mail.outbox = []
        changed = []
        with transaction.atomic():
            before = snapshot(self.sql) if watch else None
            response = client.generic(
                method,
                url,
                data=_encode(data) if method not in SAFE else "",
                content_type="application/x-www-form-urlencoded",
            )
            if watch:
                changed = _changes(before, snapshot(self.sql))
            transaction.set_rollback(True)
        self.requests += 1
        return response, changed

    def check(self, row: Row, world: World) -> list[str]:
        """Visit the row with every method, object and role; the lines that went wrong."""
        failures = []
        for obj in row.targets(world):
            url = row.url(world, obj)
            label = obj.label if obj else "-"
            for method, policy in row.methods.items():
                for role in world.roles:
                    expected = as_set(policy(role, obj))
                    # Refused (the page or the form is not for this role): nothing may change.
                    watch = method not in SAFE and not (expected & {OK, 400})
                    response, changed = self.visit(role, method, url, row.data, watch=watch)
                    got = classify(response)
                    _close_file(response)
                    if got not in expected:
                        failures.append(
                            f"{row.key} [{label}] {method} as {role.name}: got {got}"
                            f" ({response.status_code}), expected {sorted(map(str, expected))}"
                            f"  {url}"
                        )
                    if watch and (changed or mail.outbox):
                        failures.append(
                            f"{row.key} [{label}] {method} as {role.name} was refused"
                            f" but changed {changed} and sent {len(mail.outbox)} e-mail(s)"
                        )
        return failures


def _close_file(response):
    """A file response holds its file open; `response.close()` would also fire
    `request_finished`, which closes the database connection (and the world's transaction)."""
    for closer in response._resource_closers:
        closer()
    response._resource_closers.clear()


def _encode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def _changes(before: dict, after: dict) -> list[str]:
    return sorted(
        table for table in before.keys() | after.keys() if before.get(table) != after.get(table)
    )
