"""Webhook endpoints and their deliveries in the v1 API (``API.md``, Webhooks).

* ``partner`` is read-only: a partner administrator's endpoints are its partner's, HP
  staff's are programme-wide (``null``) and receive every partner's events.
* ``secret`` (``whsec_…``) is in the answers to create and ``rotate-secret/`` only.
* ``events`` lists event types to receive (at least one); ``ping`` needs no subscription.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from webhooks.models import SUBSCRIBABLE_CHOICES, Delivery, DisabledReason, Endpoint, EventType


class WebhookEndpointSerializer(serializers.ModelSerializer):
    partner = serializers.IntegerField(
        source="partner_id",
        read_only=True,
        allow_null=True,
        help_text="The partner whose events it receives; null: programme-wide (HP staff), "
        "every partner's events.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_CHOICES),
        help_text="Event types sent to this endpoint.",
    )
    previous_secret_expires_at = serializers.DateTimeField(
        source="previous_secret_until",
        read_only=True,
        allow_null=True,
        help_text="Until then deliveries carry a second signature, with the secret before "
        "the last rotation.",
    )
    disabled_reason = serializers.ChoiceField(
        choices=DisabledReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why it was disabled: by a person, or failing for 5 days; empty while active.",
    )

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "active",
            "partner",
            "created_at",
            "updated_at",
            "disabled_at",
            "disabled_reason",
            "last_success_at",
            "failing_since",
            "previous_secret_expires_at",
        ]
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """The endpoint with its signing secret: shown once, at creation and rotation."""

    secret = serializers.CharField(
        read_only=True,
        help_text="whsec_…: verify each delivery's webhook-signature with it. Shown once.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields

    def to_representation(self, instance: Any) -> dict[str, Any]:
        endpoint, secret = instance
        data = super().to_representation(endpoint)
        data["secret"] = secret
        return data


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=500,
        help_text="https:// (http:// only on a development server); must not resolve to a "
        "private, loopback, link-local, multicast or reserved address.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_CHOICES),
        min_length=1,
        max_length=len(EventType),
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE_CHOICES),
        min_length=1,
        max_length=len(EventType),
        required=False,
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(
        required=False,
        help_text="false stops the deliveries; true turns them back on, past failures forgotten.",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(
        source="event.uid",
        read_only=True,
        help_text="The webhook-id header: the same on every retry; receivers deduplicate on it.",
    )
    type = serializers.ChoiceField(source="event.type", choices=EventType.choices, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "type",
            "attempt",
            "status",
            "response_status",
            "latency_ms",
            "response_excerpt",
            "error",
            "next_attempt_at",
            "last_attempt_at",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields
