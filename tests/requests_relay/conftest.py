import pytest

from tests.requests_relay.receiver import SECRET, Receiver


@pytest.fixture
def receiver(settings):
    """The syndicat mixte's endpoint, configured as the portal's webhook target."""
    server = Receiver().start()
    settings.SYNDICAT_WEBHOOK_URL = server.url
    settings.SYNDICAT_WEBHOOK_SECRET = SECRET
    settings.SYNDICAT_INBOUND_SECRET = SECRET
    yield server
    server.stop()
