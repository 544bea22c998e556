"""The API's JSON parser: the size and nesting limits of referent_portal.jsonbody, and errors
with a stable code instead of the JSON library's own words."""

from rest_framework.exceptions import APIException
from rest_framework.parsers import BaseParser

from referent_portal import jsonbody


class BodyRefused(APIException):
    """A body the API cannot read: `too_large` (413), `malformed_body` or `too_nested` (400)."""

    def __init__(self, error: jsonbody.BodyError):
        self.status_code = error.status
        super().__init__(detail=error.message, code=error.code)


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = jsonbody.body_limit()
        try:
            body = stream.read() if limit is None else stream.read(limit + 1)
            if limit is not None and len(body) > limit:
                raise jsonbody.BodyError(jsonbody.TOO_LARGE, 413)
            return jsonbody.loads(body)
        except jsonbody.BodyError as exc:
            raise BodyRefused(exc) from None
