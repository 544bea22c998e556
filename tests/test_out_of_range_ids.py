"""An id no database column can hold (beyond 2**63 − 1), in a form, a query string or a URL, is
« choix non valide » or a 404 — on SQLite (the embedded default) as on PostgreSQL; never a
server error. The walks below cover every form and every URL pattern of the project, so a new
one cannot forget it."""

import importlib
import pkgutil
from contextlib import nullcontext

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from referent_portal.forms import ModelChoiceField, ModelMultipleChoiceField
from tests.factories import CommuneFactory, ReferentFactory, UserFactory, agent_of, request_of
from tests.sqlite import on_sqlite

HUGE = "9" * 30  # far beyond 2**63 − 1
JUST_OVER = str(2**63)
BOTH = pytest.mark.django_db(databases=["default", "sqlite"])
PROJECT = ("communes", "meetings", "trainings", "requests_relay", "referent_portal")


def project_form_classes() -> list[type[forms.BaseForm]]:
    assert get_resolver().url_patterns  # the URLconf first: it registers the path converters
    for package in PROJECT:
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)
    found, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith(PROJECT):
                found.add(sub)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def admin_form_classes() -> list[type[forms.BaseForm]]:
    """The add and change forms of every ModelAdmin of the admin site, and of its inlines."""
    request = RequestFactory().get("/admin/")
    request.user = UserFactory.build(is_superuser=True, is_staff=True)
    found = []
    for model, model_admin in admin.site._registry.items():
        for obj in (None, model()):
            found.append(model_admin.get_form(request, obj))
            for inline in model_admin.get_inline_instances(request, obj):
                found.append(inline.get_formset(request, obj).form)
    return found


def model_choice_fields(form_class):
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.ModelChoiceField):
            yield name, field


def test_every_model_choice_field_of_the_portal_s_forms_is_the_kit_s():
    forms_seen = project_form_classes() + admin_form_classes()
    plain = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in forms_seen
        for name, field in model_choice_fields(cls)
        if not isinstance(field, ModelChoiceField | ModelMultipleChoiceField) and not field.disabled
    ]
    assert len(forms_seen) > 40
    assert plain == []


@BOTH
@pytest.mark.parametrize("database", ["default", "sqlite"])
def test_every_model_choice_field_answers_an_out_of_range_id_as_an_invalid_choice(database):
    def clean_all(form_classes):
        checked = 0
        for form_class in form_classes:
            for name, field in model_choice_fields(form_class):
                if field.disabled:
                    continue  # read-only: Django ignores what is posted
                field = field.__deepcopy__({})
                field.queryset = field.queryset.model._default_manager.all()
                multiple = isinstance(field, forms.ModelMultipleChoiceField)
                for value in (HUGE, JUST_OVER, "-" + HUGE, "9" * 5000, "²"):
                    with pytest.raises(forms.ValidationError) as refused:
                        field.clean([value] if multiple else value)
                    # Django's own code for what is not an id at all (« ² », 5,000 digits)
                    assert refused.value.code in {"invalid_choice", "invalid_pk_value"}, (
                        form_class,
                        name,
                    )
                checked += 1
        return checked

    if database == "sqlite":
        with on_sqlite():
            assert clean_all(project_form_classes()) > 30
            assert clean_all(admin_form_classes()) > 0
    else:
        assert clean_all(project_form_classes()) > 30


def url_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_no_url_pattern_takes_an_unbounded_integer():
    unbounded = [
        route
        for route, entry in url_patterns()
        if any(isinstance(c, IntConverter) for c in entry.pattern.converters.values())
    ]
    assert unbounded == []


@BOTH
@pytest.mark.parametrize("database", ["default", "sqlite"])
def test_a_30_digit_id_in_a_url_is_a_404(client, database):
    routes = [
        ("meetings:detail", [1]),
        ("campaigns:detail", [1]),
        ("trainings:session_detail", [1]),
        ("communes:drive_detail", [1]),
        ("meetings:document", [1, 1]),
        ("communes:drive_answer", [1, "22093"]),  # a foreign key's `=`: OverflowError on SQLite
    ]
    with on_sqlite() if database == "sqlite" else nullcontext():
        commune = CommuneFactory(insee_code="22093")
        client.force_login(ReferentFactory(epci=commune.epci))
        for name, args in routes:
            path = reverse(name, args=args).replace("/1/", f"/{HUGE}/")
            assert HUGE in path
            assert client.get(path).status_code == 404, path


@BOTH
def test_the_dossier_page_answers_out_of_range_requests_without_a_server_error(client):
    with on_sqlite():
        commune = CommuneFactory()
        referent = ReferentFactory(epci=commune.epci)
        request = request_of(agent_of(commune))
        client.force_login(referent)
        base = reverse("requests_relay:dossier_create")

        only_huge = client.get(f"{base}?requests={HUGE}&requests={'9' * 5000}&requests=²")
        assert only_huge.status_code == 302  # back to the inbox: « Aucune demande n'est cochée »

        url = f"{base}?requests={request.pk}&requests={HUGE}"
        assert client.get(url).status_code == 200
        response = client.post(url, {"requests": [request.pk, HUGE], "title": "T", "summary": "S"})
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in response.content.decode()


@BOTH
def test_a_drive_with_an_out_of_range_commune_is_refused_on_the_form_on_sqlite(client):
    from communes.drives.models import Drive
    from communes.models import Service

    with on_sqlite():
        commune = CommuneFactory()
        service = Service.objects.create(code="parapheur", name="Parapheur", is_active=True)
        client.force_login(ReferentFactory(epci=commune.epci))
        response = client.post(
            reverse("communes:drive_create"),
            {
                "service": service.pk,
                "title": "Adhésion groupée",
                "message": "Le parapheur pour toutes.",
                "deadline": "2099-01-01",
                "communes": [commune.pk, HUGE],
            },
        )
        assert "Sélectionnez un choix valide" in response.content.decode()
        assert not Drive.objects.exists()


@BOTH
@pytest.mark.parametrize("database", ["default", "sqlite"])
def test_the_api_answers_an_out_of_range_or_odd_id_with_a_json_404(client, database):
    from rest_framework.authtoken.models import Token

    with on_sqlite() if database == "sqlite" else nullcontext():
        referent = ReferentFactory(epci=CommuneFactory().epci)
        key = Token.objects.create(user=referent).key
        for endpoint in ("adoptions", "meetings", "training-sessions"):
            for odd in (HUGE, JUST_OVER, "²", "-1"):
                response = client.get(
                    f"/api/v1/{endpoint}/{odd}/", headers={"Authorization": f"Token {key}"}
                )
                assert response.status_code == 404, (endpoint, odd)
                assert response.json()["error"] == "not_found"


@BOTH
@pytest.mark.parametrize("database", ["default", "sqlite"])
@pytest.mark.parametrize("value", [" ", "abc", HUGE, "²"])
def test_an_admin_autocomplete_shows_an_odd_id_back_as_an_invalid_choice(client, database, value):
    """The admin's autocomplete widgets query the posted ids to show them again: a blank or a
    word was a ValueError, a huge id an OverflowError on SQLite (found by tests/fuzz)."""
    from communes.models import Commune

    with on_sqlite() if database == "sqlite" else nullcontext():
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        response = client.post(
            reverse("admin:communes_commune_add"),
            {"insee_code": "22093", "name": "Lamballe-Armor", "epci": value, "population": "1"},
        )
        assert response.status_code == 200
        assert "Sélectionnez un choix valide" in response.content.decode()
        assert not Commune.objects.exists()
