"""The v1 router every app registers its viewsets on (see ``servicone/api/urls.py``)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
