import re

import pytest

from referent_portal.outbox.models import OutgoingEmail
from referent_portal.outbox.secrets import reveal
from tests.factories import CommuneFactory, agent_of

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory


@pytest.fixture
def agent(db):
    return agent_of(CommuneFactory(name="Saint-Glen"), email="agent.saint-glen@mairie.example.org")


def link_in(email: OutgoingEmail) -> str:
    """The path and query of the one portal link in an e-mail (the site is http://testserver)."""
    text, html = reveal(email)  # the message as sent: the row holds placeholders only
    links = re.findall(r"http://testserver(/\S+)", text)
    assert len(links) == 1, text
    assert f'href="http://testserver{links[0]}"' in html.replace("&amp;", "&")
    return links[0]


def without_tokens(response) -> str:
    """A page with its per-request values (CSRF token, CSP nonce) blanked, for comparisons."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', page)
    return re.sub(r'nonce="[^"]+"', "nonce", page)
