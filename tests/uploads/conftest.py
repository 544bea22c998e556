"""A territory for the upload tests, and a media folder of each test's own."""

import pytest

from tests.factories import CommuneFactory, EpciFactory, ReferentFactory, agent_of


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every file a test stores lands here: what is on disk is what the test stored."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def epci(db):
    return EpciFactory(name="CA Lamballe Terre et Mer")


@pytest.fixture
def referent(epci):
    return ReferentFactory(epci=epci, first_name="Claire", last_name="Le Goff")


@pytest.fixture
def commune(epci):
    return CommuneFactory(epci=epci, name="Hénon")


@pytest.fixture
def agent(commune):
    return agent_of(commune)
