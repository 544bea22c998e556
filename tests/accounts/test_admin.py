from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from communes.models import Commune, Contact, Epci
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


def test_the_syndicat_cannot_make_anyone_superuser_staff_or_a_member_of_a_group(client, syndicat):
    agent = User.objects.get(username="agent")
    url = reverse("admin:accounts_user_change", args=[agent.pk])
    page = client.get(url).content.decode()
    for field in ["is_superuser", "user_permissions", "is_staff", "groups", "role", "epci"]:
        assert f'name="{field}"' not in page, field

    # A forged POST changes the rest, never the privileges.
    response = client.post(
        url,
        {
            "username": "agent",
            "first_name": "Yannick",
            "last_name": "Tanguy-Le Roux",
            "email": agent.email,
            "language": "fr",
            "role": "agent",
            "epci": agent.epci_id,
            "is_active": "on",
            "is_staff": "on",
            "groups": [Group.objects.get(name="Syndicat mixte").pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    agent.refresh_from_db()
    assert agent.last_name == "Tanguy-Le Roux"
    assert not agent.is_staff and not agent.groups.exists()


SYNDICAT_NEVER_DELETES = [
    ("communes", "epci", lambda: Epci.objects.get(siren="200069391")),
    ("communes", "commune", lambda: Commune.objects.get(insee_code="22093")),
    ("communes", "contact", lambda: Contact.objects.filter(user__username="agent").get()),
    ("accounts", "user", lambda: User.objects.get(username="agent")),
]


@pytest.mark.parametrize(("app", "model", "get"), SYNDICAT_NEVER_DELETES)
def test_the_syndicat_staff_deletes_no_territory_and_no_people(client, syndicat, app, model, get):
    obj = get()
    assert not syndicat.has_perm(f"{app}.delete_{model}")
    delete_url = reverse(f"admin:{app}_{model}_delete", args=[obj.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
    changelist = client.get(reverse(f"admin:{app}_{model}_changelist")).content.decode()
    assert "delete_selected" not in changelist
    change = client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).content.decode()
    assert delete_url not in change


def test_even_a_staff_member_given_the_delete_permission_cannot_delete(client, syndicat):
    syndicat.groups.get().permissions.add(*Permission.objects.filter(codename="delete_contact"))
    contact = Contact.objects.filter(user__username="agent").get()
    url = reverse("admin:communes_contact_delete", args=[contact.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_superuser_may_delete_a_contact(client, syndicat):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    # A contact with no history (the demo agent's seat in a training session keeps theirs).
    contact = Contact.objects.filter(user__username="agent").get()
    contact.training_enrolments.all().delete()
    url = reverse("admin:communes_contact_delete", args=[contact.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_populations_are_shown_with_a_thousands_separator(client, syndicat):
    epci_page = client.get(reverse("admin:communes_epci_changelist"), {"q": "200069391"})
    population = Epci.objects.get(siren="200069391").population
    assert population >= 1000
    grouped = f"{population:,}".replace(",", "\xa0")
    assert f'<td class="field-population_display">{grouped}</td>' in epci_page.content.decode()

    commune_page = client.get(reverse("admin:communes_commune_changelist"), {"q": "22093"})
    grouped = f"{Commune.objects.get(insee_code='22093').population:,}".replace(",", "\xa0")
    assert f'<td class="field-population_display">{grouped}</td>' in (commune_page.content.decode())


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
    created = User.objects.get(username="nouveau-referent")
    assert created.epci == epci and created.role == User.Role.REFERENT
    # The officer never knows the password: the referent chooses it (« mot de passe oublié »).
    assert not created.has_usable_password()


def test_the_syndicat_s_account_form_has_no_password(client, syndicat):
    page = client.get(reverse("admin:accounts_user_add")).content.decode()
    for field in ["password1", "password2", "usable_password"]:
        assert f'name="{field}"' not in page, field
    assert 'name="role"' in page and 'name="epci"' in page


@pytest.mark.parametrize("whose", ["own", "agent"])
def test_the_syndicat_changes_the_role_or_epci_of_no_existing_account(client, syndicat, whose):
    """Its own account made « référent » of an EPCI would read that EPCI's internal notes and
    write to its communes as the referent."""
    account = syndicat if whose == "own" else User.objects.get(username="agent")
    role, epci = account.role, account.epci_id
    other = EpciFactory()
    response = client.post(
        reverse("admin:accounts_user_change", args=[account.pk]),
        {
            "username": account.username,
            "first_name": account.first_name,
            "last_name": "Changé",
            "email": account.email,
            "language": "fr",
            "role": "referent",
            "epci": other.pk,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account.refresh_from_db()
    assert account.last_name == "Changé"
    assert (account.role, account.epci_id) == (role, epci)


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
