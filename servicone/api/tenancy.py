"""Tenant scoping for every API view: the first filter applied to any queryset.

A partner user only ever gets rows of its own partner, so another partner's
object is simply absent: a 404, never a 403 that would reveal it exists.
HP staff (programme managers, CDS) see every partner's rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings

from servicone.access import is_hp_staff, partner_of, remembered_tenant_scope

if TYPE_CHECKING:
    from servicone.access import AnyUser


def scope_queryset(queryset: QuerySet[Any], user: AnyUser, tenant_field: str) -> QuerySet[Any]:
    """Rows of ``queryset`` that ``user`` may see; ``tenant_field`` leads to the partner."""
    scope = remembered_tenant_scope(user)
    if scope is not None:
        # The caller's token query brought the scope: no query for roles or membership.
        sees_all, partner_id = scope
        if sees_all:
            return queryset
        if partner_id is None:
            return queryset.none()
        return queryset.filter(**{"pk" if tenant_field == "pk" else tenant_field: partner_id})
    if is_hp_staff(user):
        return queryset
    partner = partner_of(user)
    if partner is None:
        return queryset.none()
    if tenant_field == "pk":
        return queryset.filter(pk=partner.pk)
    return queryset.filter(**{tenant_field: partner})


class TenantScopedMixin:
    """For (Generic)APIViews and ViewSets: ``tenant_field`` names the path to ``Partner``.

    ``get_queryset`` scopes first; subclasses refine with ``scope_for_staff`` (what
    an HP role may see) or by overriding ``get_queryset`` and calling ``super()``.
    """

    tenant_field: str = "partner"
    # DRF's Request; Any because Django's View, also in the MRO, declares an HttpRequest.
    request: Any

    def get_queryset(self) -> QuerySet[Any]:
        # A mixin: the generic view after it in the MRO defines get_queryset.
        queryset = super().get_queryset()  # type: ignore[misc]
        return scope_queryset(queryset, self.request.user, self.tenant_field)

    @property
    def tenant(self) -> Any:
        return partner_of(self.request.user)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in a request body, looked up inside the caller's tenant.

    Another partner's id answers exactly like an id that does not exist: 404,
    naming the field, with nothing changed.
    """

    def __init__(self, *, tenant_field: str = "partner", **kwargs: Any) -> None:
        self.tenant_field = tenant_field
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return scope_queryset(queryset, request.user, self.tenant_field)

    def to_internal_value(self, data: Any) -> Model:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            codes = error.get_codes()
            if "does_not_exist" in (codes if isinstance(codes, list) else [codes]):
                # With many=True this field is the child of a ManyRelatedField: name the list.
                # (Unnamed, it is a non-field error: the error format's field is then null.)
                name = (
                    self.field_name
                    or getattr(self.parent, "field_name", "")
                    or api_settings.NON_FIELD_ERRORS_KEY
                )
                raise exceptions.NotFound(
                    {name: [exceptions.ErrorDetail(f"No such object: {data}", code="not_found")]}
                ) from None
            raise
