"""The history of the objects that matter: who changed what, and when, in the admin site."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from communes.models import Service
from meetings.models import Meeting
from requests_relay.models import Dossier, Status
from requests_relay.services import dossier_apply_answer, dossier_create, dossier_relay
from tests.factories import CommuneFactory, ReferentFactory, SyndicatFactory, agent_of, request_of
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def officer():
    user = SyndicatFactory(username="erwan.guillou", first_name="Erwan", last_name="Guillou")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["communes", "requests_relay"])
    )
    return user


def test_an_edit_of_the_catalogue_in_the_admin_is_in_its_history(client):
    editor = officer()
    service = Service.objects.get(code="parapheur")
    service.save()  # the catalogue as it stood (`manage.py populate_history --auto` in production)
    client.force_login(editor)
    url = reverse("admin:communes_service_change", args=[service.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["is_active"] = "on" if data["is_active"] else ""
    data["description"] = "Signer en ligne délibérations et arrêtés."

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = service.history.first()
    assert latest.history_user == editor
    assert latest.history_type == "~"
    assert [change.field for change in latest.diff_against(latest.prev_record).changes] == [
        "description"
    ]
    page = client.get(reverse("admin:communes_service_history", args=[service.pk]))
    assert "Erwan Guillou" in page.content.decode() or "erwan.guillou" in page.content.decode()


def test_a_dossier_s_history_tells_who_relayed_and_who_answered():
    commune = CommuneFactory()
    referent = ReferentFactory(epci=commune.epci)
    request = request_of(agent_of(commune))
    dossier = dossier_create(
        by=referent, requests=[request], title="Parapheur", summary="Deux signataires."
    )
    dossier_relay(dossier=dossier, by=referent)
    answerer = officer()

    dossier_apply_answer(
        dossier=Dossier.objects.get(pk=dossier.pk),
        action="resolve",
        message="Corrigé dans la version 5.2.",
        author=answerer,
    )

    statuses = [(h.status, h.history_user) for h in dossier.history.order_by("history_date")]
    assert statuses[-2:] == [(Status.RELAYED, referent), (Status.RESOLVED, answerer)]


def test_a_meeting_moved_from_the_portal_records_the_referent(client):
    referent = ReferentFactory()
    meeting = MeetingFactory(created_by=referent, status=Meeting.Status.DRAFT)
    client.force_login(referent)
    form = client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["reminder_days"] = "7, 1"
    data["chase_staff"] = "on"
    data["place"] = "Mairie de Hénon"

    client.post(reverse("meetings:edit", args=[meeting.pk]), data)

    latest = meeting.history.first()
    assert latest.place == "Mairie de Hénon"
    assert latest.history_user == referent


def test_a_read_only_object_cannot_be_reverted_through_its_history(client):
    """The EPCIs' campaigns are read-only in the admin site; the « revert » form of a past
    version (shown without its button) must not save it back either."""
    from tests.meetings.campaign_factories import draft

    editor = SyndicatFactory(username="lecteur")
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="meetings"))
    campaign = draft(ReferentFactory(), document=False, subject="Campagne d'origine")
    campaign.subject = "Campagne corrigée par le référent"
    campaign.save()
    first = campaign.history.order_by("history_id").first()
    client.force_login(editor)
    url = reverse("admin:meetings_campaign_simple_history", args=[campaign.pk, first.history_id])

    response = client.post(url, {})

    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.subject == "Campagne corrigée par le référent"
    assert campaign.history.count() == 2
