"""Personal links in e-mails: never stored, made when the message is sent.

A login, password-reset, RSVP or survey link is a key: whoever reads it is, for the portal,
its recipient. The outbox therefore stores a message with a placeholder where each such link
goes, and the app that sends the kind registers a *link provider* that makes the links at
send time from the row the message is about (`OutgoingEmail.secret_ref`). The admin site, the
exports and every page show the placeholder; only the copy handed to the SMTP server carries
the links. « Resend » makes them again: a fresh login or reset token for the recipient, not a
replay of the old one.

A lower layer unaware of the higher ones: the outbox only knows kinds and providers.
"""

import html
import re
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

# [[lien:name]]: nothing in it is escaped by Django's autoescape, so the same marker stands in
# the text and the HTML bodies.
PLACEHOLDER = "[[lien:{name}]]"
_PLACEHOLDER_RE = re.compile(r"\[\[lien:([a-z_]+)\]\]")

REDACTED = _("[lien personnel, créé à l'envoi pour le destinataire seul]")

# provider(ref, email) -> {name: absolute URL}; raises LinkUnavailable when the links can no
# longer be made for this recipient (account gone, deactivated, address changed).
LinkProvider = Callable[[str, object], dict[str, str]]
_providers: dict[str, LinkProvider] = {}


class LinkUnavailable(Exception):
    """The personal links of a message cannot be made any more: a permanent failure."""


def link_placeholder(name: str) -> str:
    """What a template prints where the personal link `name` goes."""
    return PLACEHOLDER.format(name=name)


def link_placeholders(*names: str) -> dict[str, str]:
    return {name: link_placeholder(name) for name in names}


def register_link_provider(*kinds: str, provider: LinkProvider) -> None:
    """Declare that messages of `kinds` carry personal links made by `provider`."""
    for kind in kinds:
        existing = _providers.get(kind)
        if existing is not None and existing is not provider:
            raise ValueError(f"A link provider is already registered for {kind!r}.")
        _providers[kind] = provider


def carries_personal_links(kind: str) -> bool:
    return kind in _providers


def has_placeholders(text: str) -> bool:
    return bool(_PLACEHOLDER_RE.search(text))


def redact(text: str) -> str:
    """The text as anyone but the recipient reads it: each link placeholder spelt out."""
    return _PLACEHOLDER_RE.sub(lambda _m: str(REDACTED), text)


def reveal(email) -> tuple[str, str]:
    """The text and HTML bodies of `email` with its personal links made now.

    Raises LinkUnavailable when the message has placeholders its kind cannot fill.
    """
    text, body_html = email.body_text, email.body_html
    if not (has_placeholders(text) or has_placeholders(body_html)):
        return text, body_html
    provider = _providers.get(email.kind)
    if provider is None or not email.secret_ref:
        raise LinkUnavailable(f"No personal links can be made for a {email.kind} message.")
    links = provider(email.secret_ref, email)

    def fill(escape):
        def substitute(match):
            name = match.group(1)
            if name not in links:
                raise LinkUnavailable(f"No link {name!r} for a {email.kind} message.")
            return escape(links[name])

        return substitute

    return (
        _PLACEHOLDER_RE.sub(fill(str), text),
        _PLACEHOLDER_RE.sub(fill(lambda url: html.escape(url, quote=True)), body_html),
    )
