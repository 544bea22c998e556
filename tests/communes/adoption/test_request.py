"""A commune's membership request becomes an adoption status change, in one step."""

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from communes.adoption.models import Adoption, AdoptionEvent
from communes.adoption.selectors import adoption_request_action
from communes.adoption.services import adoption_from_request, adoption_set_status
from communes.models import TimelineEntry
from referent_portal.outbox.models import OutgoingEmail
from requests_relay.models import Message, Status
from requests_relay.services import request_resolve_locally
from tests.factories import agent_of, request_of

pytestmark = pytest.mark.django_db

AdoptionStatus = Adoption.Status


@pytest.fixture
def agent(henon):
    return agent_of(henon, username="anne.rault", first_name="Anne", last_name="Rault")


@pytest.fixture
def membership(agent, parapheur):
    return request_of(
        agent,
        category="membership",
        service=parapheur,
        subject="Adhésion au parapheur",
        description="Le conseil municipal a délibéré pour adhérer au parapheur.",
    )


def url(request_obj):
    return reverse("communes:adoption_from_request", args=[request_obj.reference])


def test_the_referent_sets_the_adoption_and_tells_the_commune_in_the_thread(
    referent, henon, parapheur, membership
):
    OutgoingEmail.objects.all().delete()

    adoption = adoption_from_request(
        request=membership,
        status=AdoptionStatus.CHARTER_SIGNED,
        by=referent,
        reason="Charte reçue le 3 mars.",
    )

    assert adoption.commune == henon and adoption.service == parapheur
    assert adoption.status == AdoptionStatus.CHARTER_SIGNED
    event = adoption.history.get()
    assert event.source == AdoptionEvent.Source.REQUEST
    assert event.changed_by == referent
    assert event.reason == f"Demande {membership.reference} : Charte reçue le 3 mars."
    message = Message.objects.get(request=membership)
    assert message.author == referent
    assert not message.internal
    assert message.body == (
        "L'adhésion de Hénon au service « Parapheur et signature électronique » est maintenant : "
        "Charte signée.\n\nCharte reçue le 3 mars."
    )
    # The commune hears of it; the request itself keeps its status.
    assert OutgoingEmail.objects.filter(to="anne.rault@example.org").count() == 1
    membership.refresh_from_db()
    assert membership.status == Status.NEW
    assert TimelineEntry.objects.filter(commune=henon, kind="adoption").count() == 1


def test_only_a_membership_request_can_become_an_adoption(referent, agent):
    setup = request_of(agent)  # « assistance au paramétrage »

    with pytest.raises(ValidationError, match="n'est pas une demande d'adhésion"):
        adoption_from_request(request=setup, status=AdoptionStatus.ACTIVE, by=referent)

    assert not Adoption.objects.exists()


def test_a_closed_request_cannot_become_an_adoption(referent, membership):
    request_resolve_locally(request=membership, by=referent, body="Déjà fait.")

    with pytest.raises(ValidationError, match="n'est plus en cours de traitement"):
        adoption_from_request(request=membership, status=AdoptionStatus.ACTIVE, by=referent)

    assert not Adoption.objects.exists()


def test_the_referent_of_another_epci_cannot_convert_it(other_referent, membership):
    with pytest.raises(ValidationError, match="Seul le référent de l'EPCI"):
        adoption_from_request(request=membership, status=AdoptionStatus.ACTIVE, by=other_referent)

    assert not Adoption.objects.exists()
    assert not Message.objects.filter(request=membership).exists()


def test_a_no_op_writes_no_message_either(referent, henon, parapheur, membership):
    adoption_set_status(commune=henon, service=parapheur, status=AdoptionStatus.ACTIVE, by=referent)

    with pytest.raises(ValidationError):
        adoption_from_request(request=membership, status=AdoptionStatus.ACTIVE, by=referent)

    assert not Message.objects.filter(request=membership).exists()


# -- the action on the request page ----------------------------------------------------------------


def test_the_action_is_offered_to_the_referent_on_an_open_membership_request_only(
    referent, other_referent, agent, membership
):
    assert adoption_request_action(user=referent, request_obj=membership) is not None
    assert adoption_request_action(user=other_referent, request_obj=membership) is None
    assert adoption_request_action(user=agent, request_obj=membership) is None
    assert adoption_request_action(user=referent, request_obj=request_of(agent)) is None


def test_the_partial_shows_the_current_status_and_posts_to_the_view(rf, referent, membership):
    action = adoption_request_action(user=referent, request_obj=membership)
    http_request = rf.get("/")
    http_request.user = referent

    html = render_to_string(
        "communes/adoption/_request_action.html", {"action": action}, request=http_request
    )

    assert "Mettre à jour l'adhésion" in html
    assert "<strong>Non adhérente</strong>" in html
    assert f'action="{url(membership)}"' in html
    assert 'name="adoption-status"' in html


def test_the_view_converts_and_returns_to_the_request(client, referent, membership):
    client.force_login(referent)

    response = client.post(
        url(membership), {"adoption-status": "active", "adoption-reason": "Mise en service."}
    )

    assert response.status_code == 302
    assert response.url == reverse("requests_relay:detail", args=[membership.reference])
    assert Adoption.objects.get().status == AdoptionStatus.ACTIVE


def test_the_view_shows_errors_and_keeps_what_was_typed(client, referent, membership):
    client.force_login(referent)

    response = client.post(
        url(membership), {"adoption-status": "not_adopted", "adoption-reason": "Texte"}
    )

    assert response.status_code == 200
    assert response.context["action"].form.errors["status"]
    body = response.content.decode()
    assert "Texte" in body
    assert "<h1>Mettre à jour l'adhésion</h1>" in body
    assert not Adoption.objects.exists()


def test_the_view_is_404_for_another_epcis_referent_and_for_the_agent(
    client, other_referent, agent, membership
):
    for user in (other_referent, agent):
        client.force_login(user)
        assert client.post(url(membership), {"adoption-status": "active"}).status_code == 404
    assert not Adoption.objects.exists()


def test_the_view_only_takes_posts(client, referent, membership):
    client.force_login(referent)

    assert client.get(url(membership)).status_code == 405
