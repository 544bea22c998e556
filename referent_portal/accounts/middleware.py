"""What a logged-in person saw stays out of the browser's cache."""

from django.utils.cache import add_never_cache_headers


def private_pages(get_response):
    """Every response to a logged-in user is `no-store`: after logout, the back button or
    another person on the same computer (a mairie's shared PC) gets the login page, not a
    copy of the last page. Responses that already forbid storage are left as they are."""

    def middleware(request):
        # Read before the view runs: logging out turns request.user anonymous.
        authenticated = request.user.is_authenticated
        response = get_response(request)
        if authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response

    return middleware
