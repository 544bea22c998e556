from django.urls import include, path, register_converter

from . import views


class InseeCodeConverter:
    """An INSEE commune code: five characters, « 2A »/« 2B » for Corsica (22093, 2A004)."""

    regex = "[0-9][0-9AB][0-9]{3}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(InseeCodeConverter, "insee")

app_name = "communes"

urlpatterns = [
    path("", views.commune_list, name="list"),
    path("adhesions/", include("communes.adoption.urls")),
    path("demarches/", include("communes.drives.urls")),
    path("reseaux/", include("communes.networks.urls")),
    path("suggestions/", include("communes.suggestions.urls")),
    path("contacts/", include("communes.contacts.urls")),
    path("<insee:insee_code>/", views.commune_detail, name="detail"),
    # The commune's own sub-pages (views take insee_code).
    path("<insee:insee_code>/", include("communes.timeline.urls")),
]
