"""Suggestions pages: the referent's tabs and actions, the agent's answer, and the 404s."""

import html

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from communes.models import Service, Suggestion
from communes.suggestions.selectors import commune_suggestions, suggestions_to_answer
from communes.suggestions.services import suggestion_answer, suggestion_create
from referent_portal.outbox.models import OutgoingEmail
from tests.communes.suggestions.helpers import adopt, emails_to, proposed, trained_on
from tests.factories import CommuneFactory, ReferentFactory, SyndicatFactory

pytestmark = pytest.mark.django_db

Status = Suggestion.Status
LIST_URL = reverse("communes:suggestion_list")


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def answer_url(suggestion):
    return reverse("communes:suggestion_answer", args=[suggestion.pk])


@pytest.fixture
def sent(referent, henon, agent_henon):
    return suggestion_create(
        by=referent,
        commune=henon,
        service=Service.objects.get(code="parapheur"),
        title="Essayer le parapheur électronique",
        body="Vos élus signent tout sur papier : le parapheur leur ferait gagner du temps.",
    )


# --- the referent --------------------------------------------------------------------------


def test_the_referent_sees_pending_proposed_and_answered_suggestions_in_tabs(
    client, referent, henon, brehand, agent_henon, sent
):
    waiting = proposed(brehand)
    answered = suggestion_create(by=referent, commune=henon, title="Un point ?", body="…")
    suggestion_answer(suggestion=answered, by=agent_henon, answer=Status.DECLINED, comment="Non")
    proposed(CommuneFactory(name="Ailleurs"))  # another EPCI
    client.force_login(referent)

    pending = client.get(LIST_URL)
    assert [s.title for s in pending.context["suggestions"]] == [sent.title]
    assert [tab["count"] for tab in pending.context["tabs"]] == [1, 1, 1]

    portal = client.get(LIST_URL, {"onglet": "proposees"})
    assert list(portal.context["suggestions"]) == [waiting]
    body = portal.content.decode()
    assert reverse("communes:suggestion_confirm", args=[waiting.pk]) in body
    assert reverse("communes:suggestion_dismiss", args=[waiting.pk]) in body
    assert "Archivage électronique après la télétransmission des actes" in body  # the rule

    answers = client.get(LIST_URL, {"onglet": "reponses"})
    assert list(answers.context["suggestions"]) == [answered]
    assert "Déclinée" in answers.content.decode()


def test_the_referent_writes_a_suggestion_from_the_form(client, referent, henon, agent_henon):
    client.force_login(referent)
    form = client.get(reverse("communes:suggestion_create"), {"commune": "22076"})
    assert form.context["form"].initial["commune"] == henon.pk

    response = client.post(
        reverse("communes:suggestion_create"),
        {
            "commune": henon.pk,
            "service": Service.objects.get(code="archivage").pk,
            "title": "Archiver vos actes",
            "body": "Ils sont déjà numériques.",
        },
        follow=True,
    )

    suggestion = Suggestion.objects.get()
    assert (suggestion.status, suggestion.commune) == (Status.SENT, henon)
    assert "Suggestion envoyée à Hénon : 1 agent(s) la reçoivent par courriel." in (
        response.content.decode()
    )
    assert len(emails_to(agent_henon.email)) == 1


def test_the_referent_is_warned_when_nobody_at_the_commune_can_receive_it(
    client, referent, brehand
):
    client.force_login(referent)
    response = client.post(
        reverse("communes:suggestion_create"),
        {"commune": brehand.pk, "service": "", "title": "Un point ?", "body": "Parlons-en."},
        follow=True,
    )
    assert "aucun agent de la commune n'a de compte" in text_of(response)


def test_the_referent_cannot_write_to_a_commune_of_another_epci(client, referent):
    other = CommuneFactory(name="Quimper")  # another EPCI
    client.force_login(referent)
    response = client.post(
        reverse("communes:suggestion_create"),
        {"commune": other.pk, "title": "Intrus", "body": "…"},
    )
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    assert not Suggestion.objects.exists()


def test_envoyer_sends_the_proposed_suggestion_and_ecarter_sets_it_aside(
    client, referent, henon, brehand, agent_henon
):
    to_send, to_dismiss = proposed(henon), proposed(brehand)
    client.force_login(referent)

    response = client.post(reverse("communes:suggestion_confirm", args=[to_send.pk]))
    assert response.status_code == 302
    to_send.refresh_from_db()
    assert to_send.status == Status.SENT
    [email] = OutgoingEmail.objects.filter(kind="suggestions.sent")
    assert email.to == agent_henon.email

    client.post(reverse("communes:suggestion_dismiss", args=[to_dismiss.pk]))
    to_dismiss.refresh_from_db()
    assert to_dismiss.status == Status.DISMISSED

    # Twice is harmless: a message, no second e-mail.
    response = client.post(reverse("communes:suggestion_confirm", args=[to_send.pk]), follow=True)
    assert "n'est plus à envoyer" in text_of(response)
    assert OutgoingEmail.objects.filter(kind="suggestions.sent").count() == 1


def test_confirm_and_dismiss_are_404_for_an_agent_or_another_referent(client, henon, agent_henon):
    suggestion = proposed(henon)
    for user in [agent_henon, ReferentFactory()]:
        client.force_login(user)
        for name in ["communes:suggestion_confirm", "communes:suggestion_dismiss"]:
            assert client.post(reverse(name, args=[suggestion.pk])).status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROPOSED


def test_the_rules_page_describes_each_rule_in_plain_language(client, referent, settings):
    settings.SUGGESTION_NO_CONTACT_DAYS = 400
    client.force_login(referent)
    body = client.get(reverse("communes:suggestion_rules")).content.decode()
    assert "Archivage électronique après la télétransmission des actes" in body
    assert "sans aucun échange depuis 400 jours" in body
    assert "Former les agents à un service adopté" in body
    assert "Désactivée" not in body  # every rule is on since the trainings record attendance


def test_applying_the_rules_now_proposes_for_the_referents_epci(client, referent, henon):
    adopt(henon, "actes")
    trained_on(henon, "actes")  # only the archiving rule applies
    client.force_login(referent)
    response = client.post(reverse("communes:suggestion_propose_now"), follow=True)
    assert [s.commune for s in response.context["suggestions"]] == [henon]
    assert Suggestion.objects.get().status == Status.PROPOSED


def test_referent_pages_are_forbidden_to_agents(client, agent_henon):
    client.force_login(agent_henon)
    for name in ["communes:suggestion_create", "communes:suggestion_rules"]:
        assert client.get(reverse(name)).status_code == 403


# --- the agent -----------------------------------------------------------------------------


def test_the_agent_answers_later_with_a_comment(client, referent, agent_henon, sent):
    client.force_login(agent_henon)
    page = client.get(answer_url(sent))
    assert page.status_code == 200
    assert "Vos élus signent tout sur papier" in page.content.decode()

    response = client.post(
        answer_url(sent), {"answer": "later", "comment": "Après le budget."}, follow=True
    )

    sent.refresh_from_db()
    assert (sent.status, sent.answer_comment) == (Status.LATER, "Après le budget.")
    body = response.content.decode()
    assert "votre réponse est transmise au référent" in body
    assert "Changer de réponse" in body  # « plus tard » can still become a yes or a no
    assert len(emails_to(referent.email)) == 1


def test_an_answer_without_a_choice_comes_back_with_what_was_typed(client, agent_henon, sent):
    client.force_login(agent_henon)
    response = client.post(answer_url(sent), {"comment": "Je ne sais pas encore."})
    assert response.status_code == 400
    assert "Je ne sais pas encore." in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == Status.SENT


def test_an_agent_of_another_commune_gets_a_404_on_the_answer_page(client, agent_brehand, sent):
    client.force_login(agent_brehand)
    assert client.get(answer_url(sent)).status_code == 404
    assert client.post(answer_url(sent), {"answer": "accepted"}).status_code == 404
    sent.refresh_from_db()
    assert sent.status == Status.SENT


def test_a_proposed_suggestion_does_not_exist_for_the_commune(client, henon, agent_henon):
    suggestion = proposed(henon)
    client.force_login(agent_henon)
    assert client.get(answer_url(suggestion)).status_code == 404


def test_a_final_answer_is_shown_without_a_form(client, agent_henon, sent):
    suggestion_answer(suggestion=sent, by=agent_henon, answer=Status.ACCEPTED)
    client.force_login(agent_henon)
    response = client.get(answer_url(sent))
    assert response.context["form"] is None
    assert "Acceptée" in response.content.decode()
    response = client.post(answer_url(sent), {"answer": "declined"}, follow=True)
    assert "déjà reçu une réponse" in text_of(response)
    sent.refresh_from_db()
    assert sent.status == Status.ACCEPTED


def test_the_agent_list_shows_their_communes_suggestions(client, agent_henon, sent, brehand):
    proposed(brehand)
    client.force_login(agent_henon)
    response = client.get(LIST_URL)
    assert response.context["suggestions"] == [sent]
    assert "Votre réponse est attendue" in response.content.decode()


# --- the partials' selectors ---------------------------------------------------------------


def test_the_partials_render_with_their_selectors(client, referent, henon, agent_henon, sent):
    html = render_to_string(
        "communes/suggestions/_agent_section.html",
        {"suggestions": suggestions_to_answer(agent_henon)},
    )
    assert "Une suggestion attend votre réponse" in html
    assert answer_url(sent) in html

    html = render_to_string(
        "communes/suggestions/_commune_section.html",
        {"commune": henon, "user": referent, "suggestions": commune_suggestions(referent, henon)},
    )
    assert "Essayer le parapheur électronique" in html
    assert "?commune=22076" in html
    assert (
        render_to_string("communes/suggestions/_agent_section.html", {"suggestions": []}).strip()
        == ""
    )


# --- admin site ----------------------------------------------------------------------------


def test_the_syndicat_reads_suggestions_and_networks_in_the_admin_site(
    client, referent, henon, sent
):
    proposed(henon)
    client.force_login(SyndicatFactory(is_superuser=True))

    changelist = client.get(reverse("admin:communes_suggestion_changelist"), {"regle": "referent"})
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [sent]
    by_rule = client.get(
        reverse("admin:communes_suggestion_changelist"), {"regle": "archivage_apres_actes"}
    )
    assert [s.rule for s in by_rule.context["cl"].result_list] == ["archivage_apres_actes"]
    assert (
        client.get(reverse("admin:communes_suggestion_change", args=[sent.pk])).status_code == 200
    )
    assert client.get(reverse("admin:communes_network_changelist")).status_code == 200
