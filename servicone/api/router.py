"""The v1 router every app registers its viewsets on (see ``servicone/api/urls.py``)."""

from rest_framework import routers

from servicone.api.scopes import EVERY_KEY


class APIRootView(routers.APIRootView):
    """The browsable index of the v1 endpoints: any API key may read it."""

    api_area = EVERY_KEY


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()
