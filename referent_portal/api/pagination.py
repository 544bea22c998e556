from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """?limit=&offset=, 50 by default and never more than 200 rows a page."""

    default_limit = 50
    max_limit = 200
