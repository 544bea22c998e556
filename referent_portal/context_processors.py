from django.conf import settings


def portal(request):
    user = getattr(request, "user", None)
    epci = getattr(user, "epci", None) if user is not None and user.is_authenticated else None
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SYNDICAT_NAME": settings.SYNDICAT_NAME,
        "current_epci": epci,
    }
