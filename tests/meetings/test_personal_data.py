"""The RGPD export and anonymisation reach the copies kept by meetings and campaigns."""

import pytest

from communes.contacts.services import contact_anonymise, contact_export_json
from meetings.models import Campaign, CampaignRecipient, Invitation
from tests.factories import CommuneFactory, ContactFactory, ReferentFactory
from tests.meetings.factories import InvitationFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent():
    return ReferentFactory()


@pytest.fixture
def maire(referent):
    commune = CommuneFactory(epci=referent.epci, name="Hénon")
    return ContactFactory(
        epci=referent.epci,
        first_name="Yvon",
        last_name="Le Bihan",
        function="maire",
        email="yvon.lebihan@henon.example.org",
        communes=[commune],
    )


@pytest.fixture
def invited(referent, maire):
    meeting = MeetingFactory(created_by=referent, title="Réunion sur le parapheur")
    invitation = InvitationFactory(
        meeting=meeting,
        contact=maire,
        commune=maire.communes.get(),
        name="Yvon Le Bihan",
        email=maire.email,
        function="Maire",
        response=Invitation.Response.ACCEPTED,
        attended=True,
    )
    campaign = Campaign.objects.create(
        epci=referent.epci, subject="Campagne archivage", body="…", created_by=referent
    )
    receipt = CampaignRecipient.objects.create(
        campaign=campaign, contact=maire, name="Yvon Le Bihan", email=maire.email
    )
    return invitation, receipt


def test_the_export_lists_invitations_attendance_and_campaigns(maire, invited):
    data = contact_export_json(contact=maire)

    (invitation,) = data["meeting_invitations"]
    assert invitation["meeting"] == "Réunion sur le parapheur"
    assert invitation["response"] == "accepted"
    assert invitation["attended"] is True
    assert [c["campaign"] for c in data["campaigns_received"]] == ["Campagne archivage"]


def test_anonymisation_scrubs_the_copies_and_keeps_the_attendance(referent, maire, invited):
    invitation, receipt = invited

    contact_anonymise(contact=maire, by=referent)

    invitation.refresh_from_db()
    receipt.refresh_from_db()
    assert "Le Bihan" not in invitation.name and invitation.email == ""
    assert invitation.attended is True
    assert invitation.response == Invitation.Response.ACCEPTED
    assert "Le Bihan" not in receipt.name
    assert receipt.email.endswith(".invalid")


def test_another_person_s_rows_at_the_same_address_stay_theirs(referent, maire, invited):
    # The secrétaire was invited when the mairie's mailbox was hers; it is the maire's now.
    secretaire = ContactFactory(epci=referent.epci, first_name="Anne", last_name="Rault")
    hers = InvitationFactory(
        meeting=MeetingFactory(created_by=referent),
        contact=secretaire,
        name="Anne Rault",
        email=maire.email,
    )
    colleague = InvitationFactory(
        meeting=MeetingFactory(created_by=referent),
        contact=None,
        name="Remplaçant",
        email=maire.email,
    )

    exported = contact_export_json(contact=maire)["meeting_invitations"]
    contact_anonymise(contact=maire, by=referent)

    assert "Anne Rault" not in [row["name"] for row in exported]
    hers.refresh_from_db()
    colleague.refresh_from_db()
    assert hers.name == "Anne Rault"
    assert colleague.email == ""  # nobody's record, at the person's address: theirs
