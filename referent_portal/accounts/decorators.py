"""Role checks for views. Objects are still scoped by selectors (another commune's is a 404);
these only keep a role off the pages of another (a 403 page that says so)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def _role_required(attribute: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not getattr(request.user, attribute):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# The referent's pages; the syndicat mixte works in the admin site.
referent_required = _role_required("is_referent")
# The commune agent's pages.
agent_required = _role_required("is_agent")
