from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from communes.models import Contact
from referent_portal.accounts.models import User
from tests.factories import (
    CommuneFactory,
    ContactFactory,
    EpciFactory,
    ReferentFactory,
    UserFactory,
    agent_of,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:communes_epci_changelist",
    "admin:communes_commune_changelist",
    "admin:communes_contact_changelist",
    "admin:accounts_user_changelist",
    "admin:communes_service_changelist",
]


@pytest.fixture
def syndicat(client):
    call_command("seed_demo", stdout=StringIO())
    officer = User.objects.get(username="syndicat")
    client.force_login(officer)
    return officer


@pytest.fixture
def more_rows(syndicat):
    """Another EPCI with enough communes, contacts and users that a query per row would show."""
    epci = EpciFactory()
    communes = [CommuneFactory(epci=epci) for _ in range(12)]
    for index, commune in enumerate(communes):
        ContactFactory(epci=epci, communes=[commune, communes[index - 1]])
        agent_of(commune)
    ReferentFactory(epci=epci)


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_the_change_lists_load_for_the_syndicat_with_a_bounded_number_of_queries(
    client, more_rows, changelist, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = client.get(reverse(changelist))
    assert response.status_code == 200


@pytest.mark.parametrize("changelist", CHANGELISTS[:4])
def test_the_change_lists_answer_a_search(client, syndicat, changelist):
    response = client.get(reverse(changelist), {"q": "Lamballe"})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("changelist", CHANGELISTS[1:4])
def test_the_epci_filter_takes_a_siren_or_a_part_of_the_name(client, syndicat, changelist):
    by_siren = client.get(reverse(changelist), {"epci": "200069391"})
    by_name = client.get(reverse(changelist), {"epci": "lamballe"})
    assert by_siren.status_code == by_name.status_code == 200
    assert by_siren.context["cl"].result_count == by_name.context["cl"].result_count > 0


def test_the_epci_filter_is_a_search_box_that_finds_the_communes_of_an_epci(client, syndicat):
    CommuneFactory()  # a commune of another EPCI
    url = reverse("admin:communes_commune_changelist")
    page = client.get(url, {"epci": "200069391"}).content.decode()
    assert "38 communes" in page
    assert 'name="epci" value="200069391"' in page
    by_name = client.get(url, {"epci": "lamballe terre", "departement": "22"}).content.decode()
    assert "38 communes" in by_name
    assert 'type="hidden" name="departement" value="22"' in by_name


def test_the_epci_list_counts_communes_and_links_to_them(client, syndicat):
    page = client.get(reverse("admin:communes_epci_changelist"), {"q": "200069391"})
    html = page.content.decode()
    assert "CA Lamballe Terre et Mer" in html
    assert '?epci=200069391">38</a>' in html


def test_contacts_filter_by_function_and_commune(client, syndicat):
    url = reverse("admin:communes_contact_changelist")
    page = client.get(url, {"function__exact": "maire", "commune": "Lamballe-Armor"})
    assert page.context["cl"].result_count == 1
    assert page.context["cl"].result_list[0].function == Contact.Function.MAIRE
    insee = client.get(url, {"commune": "22093"})
    assert insee.context["cl"].result_count >= 3


def test_the_contact_form_uses_autocomplete_for_communes_epci_and_user(client, syndicat):
    contact = Contact.objects.filter(user__username="agent").get()
    page = client.get(reverse("admin:communes_contact_change", args=[contact.pk])).content.decode()
    for field in ["epci", "communes", "user"]:
        assert f'id="id_{field}"' in page
    assert page.count("admin-autocomplete") >= 3


def test_users_are_searchable_and_filtered_by_role(client, syndicat):
    url = reverse("admin:accounts_user_changelist")
    page = client.get(url, {"role__exact": "agent"})
    assert {u.username for u in page.context["cl"].result_list} == {"agent", "acheteur"}
    found = client.get(url, {"q": "Le Goff"})
    assert [u.username for u in found.context["cl"].result_list] == ["referent"]


def test_the_syndicat_cannot_make_anyone_superuser(client, syndicat):
    page = client.get(reverse("admin:accounts_user_change", args=[syndicat.pk])).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page
    assert 'name="role"' in page and 'name="epci"' in page


def test_the_syndicat_cannot_change_a_superuser(client, syndicat):
    admin = UserFactory(is_superuser=True, is_staff=True)
    url = reverse("admin:accounts_user_change", args=[admin.pk])
    response = client.post(url, {"username": "pirate"})
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.username != "pirate"


def test_the_syndicat_creates_a_referent_in_the_admin_site(client, syndicat):
    epci = EpciFactory()
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nouveau-referent",
            "usable_password": "true",
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
            "first_name": "Klervi",
            "last_name": "Le Dantec",
            "email": "klervi@epci.example.org",
            "language": "fr",
            "role": "referent",
            "epci": epci.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(username="nouveau-referent").epci == epci


@pytest.mark.parametrize("make_user", [agent_of, ReferentFactory])
def test_portal_users_cannot_reach_the_admin_site(client, make_user):
    user = make_user(CommuneFactory()) if make_user is agent_of else make_user()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:communes_contact_changelist")).status_code == 302


def test_communes_are_found_by_postal_code_and_insee_code(client, syndicat):
    url = reverse("admin:communes_commune_changelist")
    by_postal_code = client.get(url, {"q": "22510"}).context["cl"].result_list
    assert {c.name for c in by_postal_code} >= {"Moncontour", "Saint-Glen", "Penguily"}
    by_insee = client.get(url, {"q": "22093"}).context["cl"].result_list
    assert [c.name for c in by_insee] == ["Lamballe-Armor"]
