"""The OpenAPI schema and the Swagger UI page: public, valid, every answer a component, and
a page that Django's CSP lets run (no inline script or style)."""

import re

import pytest
import yaml
from django.urls import reverse
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_public_valid_openapi_3_and_lists_every_endpoint(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert sorted(schema["paths"]) == [
        "/api/v1/adoptions/",
        "/api/v1/adoptions/{id}/",
        "/api/v1/communes/",
        "/api/v1/communes/{insee}/",
        "/api/v1/dossiers/",
        "/api/v1/dossiers/{reference}/",
        "/api/v1/dossiers/{reference}/answer/",
        "/api/v1/epcis/",
        "/api/v1/epcis/{siren}/",
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/",
        "/api/v1/services/",
        "/api/v1/services/{code}/",
        "/api/v1/training-sessions/",
        "/api/v1/training-sessions/{id}/",
    ]
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_every_answer_of_every_operation_is_a_component(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"200", "401", "403"} <= set(operation["responses"]), (path, method)
            for code, response in operation["responses"].items():
                body = response["content"]["application/json"]["schema"]
                assert set(body) == {"$ref"}, (path, method, code)
                name = body["$ref"].rsplit("/", 1)[1]
                assert name in schema["components"]["schemas"]


def test_the_answer_operation_documents_its_request_and_refusals(schema):
    operation = schema["paths"]["/api/v1/dossiers/{reference}/answer/"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "413", "415"}
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    answer = schema["components"]["schemas"][request.rsplit("/", 1)[1]]
    assert answer["required"] == ["action"]


def test_the_docs_page_has_no_inline_script_nor_style_and_its_script_is_served(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 3
    assert all(" src=" in tag for tag in scripts)
    assert "<style" not in html and " style=" not in html
    assert '<html lang="fr">' in html
    for src in re.findall(r'<script src="([^"]+)"', html):
        src = src.replace("&amp;", "&")
        asset = client.get(src)
        asset.close()  # a file response: close the file it streams
        assert asset.status_code == 200, src
        assert "javascript" in asset.headers["Content-Type"], src
    init = client.get(reverse("api:docs"), {"script": ""}).content.decode()
    assert 'url: "/api/schema/"' in init


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v2/communes/")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "detail": "Cette adresse n'existe pas dans l'API.",
    }


def test_the_signed_relay_endpoint_still_answers_under_api(client, settings):
    settings.SYNDICAT_INBOUND_SECRET = ""
    response = client.post(reverse("relay_inbound"), b"{}", content_type="application/json")
    assert reverse("relay_inbound") == "/api/relay/events/"
    assert response.status_code == 503
    assert response.json() == {"error": "not_configured"}
