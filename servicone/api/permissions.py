"""Role permissions for the API (see ``servicone.access``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from servicone.access import is_hp_staff

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from servicone.access import AnyUser


class IsHPStaff(BasePermission):
    message = "Only HP staff may do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_hp_staff(request.user)


class WritesAfterTenantLookup(BasePermission):
    """Reads for whoever sees the rows; writes for the users ``allowed`` accepts.

    On a detail route the decision waits for ``has_object_permission``, i.e. after
    the tenant lookup, so another partner's id stays a 404 rather than a 403.
    Subclasses set ``message`` and ``allowed``; ``check_objects = False`` leaves
    detail actions to decide for themselves.
    """

    check_objects = True

    def allowed(self, user: AnyUser) -> bool:
        raise NotImplementedError

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS or getattr(view, "detail", False):
            return True
        return self.allowed(request.user)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if not self.check_objects:
            return True
        return request.method in SAFE_METHODS or self.allowed(request.user)
