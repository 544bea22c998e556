"""Reading a JSON body that anyone may send: a size limit, a nesting limit, stable error codes.

The JSON endpoints (the API, the signed inbound call) share this reader, so each answers bad
bodies the same way, with a code a client can rely on and never the text of a Python
exception. The codes, with their HTTP status:

- ``too_large`` (413): the body is longer than the endpoint's limit or than
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``;
- ``malformed_body`` (400): not UTF-8, or not JSON;
- ``too_nested`` (400): arrays and objects nested deeper than ``MAX_DEPTH``.
"""

import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_DEPTH = 32

TOO_LARGE = "too_large"
MALFORMED_BODY = "malformed_body"
TOO_NESTED = "too_nested"

MESSAGES = {
    TOO_LARGE: _("Le corps de la requête dépasse la taille autorisée."),
    MALFORMED_BODY: _("Le corps de la requête n'est pas un document JSON valide (UTF-8)."),
    TOO_NESTED: _("Le document JSON est trop imbriqué (%(max)s niveaux au plus)."),
}

# What the nesting scan stops at: an escape (a backslash and the character it escapes, one
# token), a quote, a bracket; everything else is skipped by the regex engine.
_TOKEN = re.compile(r'\\.|["\[\]{}]', re.DOTALL)
# JSON bodies carry text and codes, never files: far below the forms' upload limit.
JSON_BODY_LIMIT = 256 * 1024


class BodyError(Exception):
    """A body the endpoint refuses: `code` is one of the module's codes, `status` its HTTP
    status."""

    def __init__(self, code: str, status: int = 400):
        super().__init__(code)
        self.code = code
        self.status = status

    @property
    def message(self) -> str:
        return gettext(MESSAGES[self.code]) % {"max": MAX_DEPTH}

    def as_json(self) -> dict:
        return {"error": self.code, "detail": self.message}


def body_limit() -> int:
    return min(JSON_BODY_LIMIT, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or JSON_BODY_LIMIT)


def read_body(request, *, limit: int | None = None) -> bytes:
    """The raw body of a Django request, refused (413) above `limit` or the project's limit,
    before it is read when the client announced its length."""
    limits = [n for n in (limit, body_limit()) if n is not None]
    ceiling = min(limits) if limits else None
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BodyError(MALFORMED_BODY) from None
    if ceiling is not None and announced > ceiling:
        raise BodyError(TOO_LARGE, 413)
    try:
        body = request.body
    except RequestDataTooBig:
        raise BodyError(TOO_LARGE, 413) from None
    if ceiling is not None and len(body) > ceiling:
        raise BodyError(TOO_LARGE, 413)
    return body


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings not counted).
    One pass over the text, whatever it holds (unclosed strings, runs of escapes), without
    recursion, so it can run before the parser does."""
    depth = deepest = 0
    in_string = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if in_string:
            in_string = token != '"'  # an escaped quote is a two-character token
        elif token == '"':
            in_string = True
        elif token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def _not_json(constant: str):
    """NaN and Infinity are Python's extension, not JSON (and PostgreSQL's jsonb refuses them)."""
    raise ValueError(constant)


def loads(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `body`, or BodyError (malformed_body, too_nested)."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BodyError(MALFORMED_BODY) from None
    if nesting_depth(body) > max_depth:
        raise BodyError(TOO_NESTED)
    try:
        return json.loads(body, parse_constant=_not_json)
    except RecursionError:  # the scan above should make this unreachable; never a 500
        raise BodyError(TOO_NESTED) from None
    except ValueError:
        raise BodyError(MALFORMED_BODY) from None
