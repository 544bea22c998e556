"""Property-based run of the API against its own OpenAPI schema (schemathesis): whatever the
parameters and bodies, no server error, and every answer is documented (status, Content-Type)
and matches its schema.

Authenticated with a token as each role of the API: the syndicat mixte's officer (sees what
was relayed, may answer dossiers), a referent and a commune agent (their scope; the answer
operation is refused to them), on a small seeded territory. Each generated call of a detail
operation is also made with the code of a seeded object, so that the 200 answers are checked
too, not only the 404s.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from referent_portal.wsgi import application
from tests.api.conftest import auth, make_side, officer, token_for

# Loaded eagerly (RECIPES.md: schemathesis.pytest.from_fixture fails with pytest 9). The schema
# is public, so loading it touches no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

# No server error; every answer's status is one the schema documents, with the documented
# Content-Type and body.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(params=["officer", "referent", "agent"])
def seeded(request, transactional_db, settings):
    settings.SYNDICAT_WEBHOOK_URL = ""
    side = make_side(
        siren="200069391",
        name="Lamballe Terre et Mer",
        insee=[("22093", "Lamballe-Armor"), ("22076", "Hénon")],
        departement="22",
    )
    make_side(
        siren="200067981",
        name="Ploërmel Communauté",
        insee=[("56165", "Ploërmel")],
        departement="56",
    )
    known = {
        "siren": side.epci.siren,
        "insee": side.communes[0].insee_code,
        "code": "actes",
        "reference": side.dossier.reference,
    }
    user = {"officer": officer, "referent": lambda: side.referent, "agent": lambda: side.agent}
    return {"headers": auth(token_for(user[request.param]())), "known": known, "side": side}


def known_ids(case, side) -> dict:
    """The seeded object of the operation's kind, by its path parameter."""
    ids = {
        "adoptions": side.adoption.pk,
        "meetings": side.meeting.pk,
        "training-sessions": side.session.pk,
    }
    for segment, pk in ids.items():
        if f"/{segment}/" in case.path:
            return {"id": pk}
    return {}


@schema.parametrize()
@hypothesis_settings(
    # The number of examples comes from the profile (tests/conftest.py: more in `make fuzz`).
    deadline=None,
    database=None,  # no .hypothesis/ folder in the working tree
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the seeded data is shared by the examples
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_as_its_schema_says(case, seeded):
    case.call_and_validate(headers=seeded["headers"], checks=CHECKS)
    if case.path_parameters:
        known = {**seeded["known"], **known_ids(case, seeded["side"])}
        case.path_parameters = {
            name: known.get(name, value) for name, value in case.path_parameters.items()
        }
        case.call_and_validate(headers=seeded["headers"], checks=CHECKS)
