from rest_framework.pagination import PageNumberPagination as DRFPageNumberPagination

from servicone.paging import EstimatedCountPaginator


class PageNumberPagination(DRFPageNumberPagination):
    """``{"count", "next", "previous", "results"}`` with ``?page=`` and ``?page_size=`` (max 200).

    ``count`` is exact up to 10,000 results and the database's estimate past that
    (``servicone.paging``): a million tickets are not counted again on every page.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = EstimatedCountPaginator

    def get_paginated_response_schema(self, schema: dict) -> dict:
        described = super().get_paginated_response_schema(schema)
        described["properties"]["count"]["description"] = (
            "How many results: exact up to 10,000, the database's estimate past that."
        )
        return described
