"""The viewset every tenant-owned resource starts from."""

from __future__ import annotations

from rest_framework import mixins, viewsets

from servicone.api.idempotency import IdempotentCreateMixin
from servicone.api.tenancy import TenantScopedMixin


class TenantScopedCreateViewSet(
    IdempotentCreateMixin,
    TenantScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve and create, scoped to the caller's partner first; a retried
    POST carrying ``Idempotency-Key`` returns the first response."""
