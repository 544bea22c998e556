"""Every form of the admin site, fuzzed (hypothesis) as the people who use it: the add and
change form of every ModelAdmin, as the platform operator (every field editable) and as the
syndicat mixte's officer (the group the migration makes), and the dossier's answer page.

As for the portal's forms (test_forms.py): never a server error, and an answer that is not a
redirection leaves every table as it was. The targets come from the admin registry and the
access matrix's table of rights (tests/access/admin_table.py), which every ModelAdmin joins.
"""

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given

from requests_relay.admin import AnswerForm
from tests.access.admin_table import RIGHTS
from tests.access.world import World
from tests.fuzz.kit import changed, form_data, forms_on, snapshot

ANSWER = "admin:requests_relay_dossier_answer"
ROLES = ("officer", "superuser")  # the order of RIGHTS
SUCCESS = range(300, 400)


@dataclass(frozen=True)
class AdminTarget:
    model: str  # app_label.model_name
    page: str  # "add", "change" or "answer"
    role: str

    @property
    def id(self) -> str:
        return f"{self.model}-{self.page}-{self.role}"


def _targets() -> list[AdminTarget]:
    """The forms each role may post, from the access matrix's table of admin rights (which a
    new ModelAdmin must join): a(dd) gives the add form, c(hange) the change form."""
    targets = []
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        for role, rights in zip(ROLES, RIGHTS[label], strict=True):
            targets += [AdminTarget(label, "add", role)] if "a" in rights else []
            targets += [AdminTarget(label, "change", role)] if "c" in rights else []
    return targets + [AdminTarget("requests_relay.dossier", "answer", role) for role in ROLES]


TARGETS = _targets()


@pytest.fixture(scope="module")
def users(django_db_setup, django_db_blocker, tmp_path_factory):
    """The access matrix's world (a row of every model the admin site shows), built once for
    the module in a transaction rolled back at its end; its officer and its operator."""
    from django.conf import settings

    saved = settings.MEDIA_ROOT, settings.SYNDICAT_WEBHOOK_URL
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("admin-fuzz-media"))
    # Relayed by webhook too, so that relays exist; nothing is delivered (nothing commits).
    settings.SYNDICAT_WEBHOOK_URL = "http://127.0.0.1:9/relais"
    with django_db_blocker.unblock(), transaction.atomic():
        world = World()
        yield {role.name: role.user for role in world.roles if role.name in ROLES}
        transaction.set_rollback(True)
    settings.MEDIA_ROOT, settings.SYNDICAT_WEBHOOK_URL = saved


def _model_admin(label: str):
    return next(
        model_admin
        for model, model_admin in admin.site._registry.items()
        if f"{model._meta.app_label}.{model._meta.model_name}" == label
    )


def _page(target: AdminTarget, user, client) -> str:
    """The admin page of the target: the add form, or that of the first object the user may
    open (the scope rule hides some from the syndicat mixte)."""
    model_admin = _model_admin(target.model)
    info = model_admin.model._meta.app_label, model_admin.model._meta.model_name
    if target.page == "add":
        return reverse("admin:{}_{}_add".format(*info))
    name = (
        "admin:{}_{}_change" if target.page == "change" else "admin:requests_relay_dossier_answer"
    )
    request = RequestFactory().get("/admin/")
    request.user = user
    for obj in model_admin.get_queryset(request).order_by("pk")[:5]:
        url = reverse(name.format(*info), args=[obj.pk])
        if client.get(url).status_code == 200:
            return url
    raise AssertionError(f"{target.id}: the world has no object this role may open")


@pytest.mark.django_db
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_an_admin_form_answers_any_input_without_error_or_half_saved_data(target, users, client):
    user = users[target.role]
    client.force_login(user)
    page = _page(target, user, client)
    shown = client.get(page)
    assert shown.status_code == 200, f"{page} answers {shown.status_code}"
    posted = [f for f in forms_on(shown.content.decode(), page) if f.method == "post"]
    # The model's form, not the logout button in the header.
    html_form = max(posted, key=lambda f: len(f.fields))
    if target.page == "answer":
        form_class = AnswerForm
    else:
        model_admin = _model_admin(target.model)
        request = RequestFactory().get(page)
        request.user = user
        form_class = model_admin.get_form(request, None, change=target.page == "change")

    @given(data=form_data(html_form, form_class))
    def run(data):
        with transaction.atomic():
            before = snapshot()
            response = client.post(page, data)
            assert response.status_code < 500
            if response.status_code not in SUCCESS:
                assert changed(before, snapshot()) == [], f"answered {response.status_code}"
            transaction.set_rollback(True)

    run()


def test_every_admin_form_is_fuzzed():
    """Every ModelAdmin has its rights in the table, so its forms are among the targets."""
    assert sorted(
        f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry
    ) == sorted(RIGHTS)
    print(f"{len(admin.site._registry)} ModelAdmins, {len(TARGETS)} admin forms fuzzed")
    assert {t.model for t in TARGETS if t.page in ("add", "change")} >= {
        label for label, rights in RIGHTS.items() if set(rights[1]) & {"a", "c"}
    }
