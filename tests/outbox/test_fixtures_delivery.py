"""The delivery fixtures themselves: what other apps' delivery tests rely on."""

import smtplib

import pytest
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend


def send(subject="Essai"):
    EmailMessage(
        subject=subject,
        body="Corps",
        from_email="portail@example.org",
        to=["maire@mairie.example.org"],
        bcc=["archives@example.org"],
    ).send()


def test_the_default_mailer_sends_to_the_smtp_server_for_the_test(smtp_server):
    mailer = mailers.default
    assert isinstance(mailer, EmailBackend)
    assert (mailer.host, mailer.port) == ("127.0.0.1", smtp_server.port)

    send()
    [received] = smtp_server.wait_for(1)
    assert received.subject == "Essai"
    assert received.text.strip() == "Corps"
    assert received.mail_from == "portail@example.org"
    assert received.rcpt_tos == ("maire@mairie.example.org", "archives@example.org")
    assert "archives@example.org" not in received.raw.decode()  # Bcc is envelope only


def test_the_smtp_server_can_go_down_and_come_back_on_the_same_port(smtp_server):
    port = smtp_server.port
    smtp_server.stop()
    with pytest.raises(ConnectionRefusedError):
        send()
    smtp_server.start()
    assert smtp_server.port == port
    send("Après la panne")
    assert [m.subject for m in smtp_server.expect_exactly(1, settle=0.2)] == ["Après la panne"]


def test_waiting_for_a_message_that_never_comes_fails(smtp_server):
    with pytest.raises(AssertionError, match="received 0 message"):
        smtp_server.wait_for(1, timeout=0.2)


def test_the_smtp_server_answers_what_the_test_asks(smtp_server):
    smtp_server.data_reply = "451 4.3.0 Try again later"
    with pytest.raises(smtplib.SMTPDataError):
        send()
    assert smtp_server.messages == []
