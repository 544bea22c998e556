"""The API's Swagger UI (/api/docs/) loads in Chromium under the portal's CSP: the schema is
rendered, nothing is refused by the policy, and axe finds nothing to fix in what is ours.

What axe found in Swagger UI, and what became of it:
- colour contrast of the method badges, version stamps, links and Authorize button: fixed by
  our stylesheet (referent_portal/api/static/api/docs.css);
- a link nested in each operation's button (nested-interactive): deep links turned off;
- two <main> landmarks: our page wraps Swagger UI in a <div>, Swagger UI has its own <main>.
Two axe rules stay off for this page only, both « best-practice » in axe, neither a WCAG 2.1
success criterion, and both about Swagger UI's own markup that only a fork would change:
- heading-order: Swagger UI titles the page with <h1> and each group of operations with <h3>;
- region: Swagger UI renders the schema's title block outside its own <main> landmark.
"""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SWAGGER_UI_MARKUP = {"heading-order": {"enabled": False}, "region": {"enabled": False}}


def test_the_api_docs_load_under_the_csp_and_are_accessible(page, axe):
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    # Every refusal of the CSP fires this event on the document: report it in the console.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )

    response = page.goto("/api/docs/")

    assert response.status == 200
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    title = page.get_by_role("heading", name="Portail du référent e-administration — API")
    expect(title).to_be_visible()
    expect(page.get_by_text("/api/v1/dossiers/{reference}/answer/")).to_be_visible()
    answer = page.get_by_role(
        "button", name="POST /api/v1/dossiers/{reference}/answer/ Répondre à un dossier"
    )
    answer.click()  # the operation opens: its description and the body it takes
    expect(page.get_by_text("Le même effet que « Répondre aux communes »")).to_be_visible()
    assert not [line for line in console if "CSP" in line or "Content Security" in line], console
    assert not [line for line in console if line.startswith(("error", "pageerror"))], console

    results = axe.run(page, options={"resultTypes": ["violations"], "rules": SWAGGER_UI_MARKUP})
    assert results.violations_count == 0, results.generate_report()
