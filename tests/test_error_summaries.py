"""A page with several forms says, above the one that came back, which one failed: the error
summary's title names that form, never another form's (« La note n'est pas ajoutée. » above
a question that was not sent)."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import CommuneFactory, ReferentFactory, agent_of, request_of

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(r'data-error-summary>\s*<p class="fw-semibold mb-1">(.*?)</p>', re.DOTALL)


def summaries(response) -> list[str]:
    return [html.unescape(title).strip() for title in SUMMARY.findall(response.content.decode())]


@pytest.fixture
def referent_request(client):
    commune = CommuneFactory()
    referent = ReferentFactory(epci=commune.epci)
    request = request_of(agent_of(commune))
    client.force_login(referent)
    return request


@pytest.mark.parametrize(
    "route, title",
    [
        ("requests_relay:ask_information", "La question n'est pas envoyée."),
        ("requests_relay:resolve", "La réponse n'est pas envoyée."),
        ("requests_relay:note_add", "La note n'est pas ajoutée."),
        ("requests_relay:message_add", "Le message n'est pas envoyé."),
    ],
)
def test_the_request_page_names_the_form_that_failed(client, referent_request, route, title):
    response = client.post(reverse(route, args=[referent_request.reference]), {"body": " "})
    assert response.status_code == 200
    assert summaries(response) == [title]


def test_an_assignment_that_fails_is_named_too(client, referent_request):
    url = reverse("requests_relay:assign", args=[referent_request.reference])
    response = client.post(url, {"assign-assignee": "9" * 30})
    assert summaries(response) == ["L'attribution n'est pas enregistrée."]


INCLUDE = re.compile(
    r"{%\s*include\s+\"(includes/error_summary\.html|[^\"]*_form_errors\.html)\"(.*?)%}"
)


def test_every_error_summary_is_given_its_form_and_title_and_nothing_else_of_the_page():
    """`only`: a `title` set elsewhere on the page (another form's) cannot leak into it."""
    includes = []
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in Path(folder).rglob("*.html"):
            for name, args in INCLUDE.findall(path.read_text(encoding="utf-8")):
                includes.append((str(path.relative_to(folder)), name, args))
    assert len(includes) > 20
    wrong = [
        (path, name, args)
        for path, name, args in includes
        if name != "includes/error_summary.html"
        or not re.search(r"\bform=", args)
        or not re.search(r"\btitle=", args)
        or not args.rstrip().endswith(" only")
    ]
    assert wrong == []
