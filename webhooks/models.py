"""Webhooks: the endpoints that receive them, the event outbox, rendered bodies, deliveries.

Events are rows written by the services in the same transaction as the change they
describe (``webhooks.events``); the fan-out (``webhooks.fanout``) gives each event one
rendered body per audience and one delivery per subscribed endpoint; the delivery worker
(``webhooks.delivery``) sends them, signed (``webhooks.signing``), and logs each attempt
on its delivery row.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    TICKET_OPENED = "ticket.opened", _("Ticket ouvert")
    TICKET_UPDATED = "ticket.updated", _("Ticket modifié (statut, organisation, escalade)")
    TICKET_HANDED_OVER = "ticket.handed_over", _("Ticket transféré au CDS")
    SLA_WARNING = "sla.warning", _("Alerte avant dépassement d'un délai")
    SLA_BREACHED = "sla.breached", _("Dépassement d'un délai")
    CONTRACT_SOLD = "contract.sold", _("Contrat vendu")
    CONTRACT_CANCELLED = "contract.cancelled", _("Contrat annulé")
    CONTRACT_EXPIRING = "contract.expiring", _("Contrat bientôt échu")
    ACCREDITATION_SUBMITTED = "accreditation.submitted", _("Demande d'accréditation soumise")
    ACCREDITATION_DECIDED = "accreditation.decided", _("Demande d'accréditation décidée")
    TIER_CHANGED = "tier.changed", _("Changement de niveau")
    CERTIFICATION_EXPIRING = "certification.expiring", _("Certification bientôt expirée")
    PING = "ping", _("Test (ping)")


# Event types an endpoint subscribes to; ``ping`` goes to the endpoint it tests, always.
SUBSCRIBABLE = tuple(t for t in EventType if t != EventType.PING)
SUBSCRIBABLE_CHOICES = [(t.value, t.label) for t in SUBSCRIBABLE]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    DELIVERED = "delivered", _("Délivrée")
    FAILED = "failed", _("Échec")


class DisabledReason(models.TextChoices):
    MANUAL = "manual", _("Désactivé par un utilisateur")
    FAILING = "failing", _("Aucun succès depuis 5 jours")


class Audience(models.TextChoices):
    """Whose eyes a body is rendered for: the partner's administrators, or HP staff."""

    PARTNER = "partner", _("Partenaire")
    HP = "hp", _("HP")


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


class EndpointQuerySet(models.QuerySet["Endpoint"]):
    def active(self) -> EndpointQuerySet:
        return self.filter(active=True)


class Endpoint(models.Model):
    """A receiver of webhooks: a partner's (its administrators') or programme-wide (HP)."""

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("partenaire"),
        help_text=_("Vide : endpoint du programme (HP), qui reçoit les événements de tous."),
    )
    url = models.CharField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True, default="")
    events = models.JSONField(_("événements"), default=list)
    active = models.BooleanField(_("actif"), default=True)
    # The signing secrets: kept as they are, since an HMAC key cannot be stored hashed.
    # Never shown after creation or rotation, never in the admin nor the audit trail.
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_until = models.DateTimeField(
        _("ancien secret valable jusqu'au"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    disabled_at = models.DateTimeField(_("désactivé le"), null=True, blank=True)
    disabled_reason = models.CharField(
        _("motif de désactivation"),
        max_length=10,
        choices=DisabledReason.choices,
        blank=True,
        default="",
    )
    last_success_at = models.DateTimeField(_("dernier succès"), null=True, blank=True)
    # The first failure since the last success: 5 days later the endpoint is disabled.
    failing_since = models.DateTimeField(_("en échec depuis"), null=True, blank=True)
    # A worker delivering to this endpoint holds it until then (one delivery in flight).
    lease_until = models.DateTimeField(null=True, blank=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("endpoint de webhooks")
        verbose_name_plural = _("endpoints de webhooks")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class Event(models.Model):
    """Something that happened, written with the change (the outbox); fanned out later."""

    uid = models.CharField(_("identifiant"), max_length=40, unique=True, default=new_event_id)
    type = models.CharField(_("type"), max_length=40, choices=EventType.choices)
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    resource_id = models.BigIntegerField(_("ressource"))
    occurred_at = models.DateTimeField(_("date"), default=timezone.now)
    # Jobs that may run twice (reminders) name their event: the second insert is a no-op.
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["id"]
        indexes = [
            # The fan-out claims events not dispatched yet, oldest first.
            models.Index(
                fields=["id"],
                name="webhook_event_pending_idx",
                condition=models.Q(dispatched_at__isnull=True),
            ),
            # The retention purge: events older than a date.
            models.Index(fields=["occurred_at"], name="webhook_event_occurred_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.uid}"


class Payload(models.Model):
    """An event's body rendered once for an audience: every retry sends these bytes."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="payloads")
    audience = models.CharField(max_length=8, choices=Audience.choices)
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "audience"], name="webhook_payload_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.audience}"


class Delivery(models.Model):
    """An event for one endpoint, with the outcome of its latest attempt."""

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("événement")
    )
    payload = models.ForeignKey(Payload, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("statut"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("dernière tentative"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("code HTTP"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("durée (ms)"), null=True, blank=True)
    response_excerpt = models.TextField(_("extrait de la réponse"), blank=True, default="")
    error = models.CharField(_("erreur"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    delivered_at = models.DateTimeField(_("délivrée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("livraison de webhook")
        verbose_name_plural = _("livraisons de webhooks")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once"),
        ]
        indexes = [
            # The worker's next deliveries for an endpoint, and the sweep's due endpoints.
            models.Index(
                fields=["endpoint", "next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=models.Q(status="pending"),
            ),
            # An endpoint's delivery log, newest first.
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.event_id}"
