"""What the ticket serializers share: fields built once per class, instants in the site's zone."""

from __future__ import annotations

import copy
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from rest_framework import serializers


class FieldsBuiltOnce:
    """A model serializer's fields introspected once per class, copied for each instance.

    DRF builds a ModelSerializer's fields from the model on every instance (2 ms for a
    ticket, paid by every answer): the built fields are kept as a template and deep-copied,
    as DRF itself copies declared fields.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        template: dict[str, serializers.Field] | None = cls.__dict__.get("_fields_template")
        if template is None:
            template = super().get_fields()  # type: ignore[misc]
            cls._fields_template = template  # type: ignore[attr-defined]
        return copy.deepcopy(template)


class SiteTimeSerializerMixin:
    """Render every datetime of the object in its site's time zone (nested ones too)."""

    def zone_of(self, instance: Any) -> str:
        raise NotImplementedError

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # DRF renders an aware datetime in the *current* time zone: make it the site's.
        with timezone.override(ZoneInfo(self.zone_of(instance))):
            # (A mixin: the serializer it is mixed into has to_representation.)
            return super().to_representation(instance)  # type: ignore[misc]
