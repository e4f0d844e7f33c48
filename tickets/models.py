"""On-site tickets: routing between partner and CDS, lifecycle, timeline, SLA targets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts.models import Asset, Contract, Customer, Offering, Site
from partners.models import Engineer, Partner


class Status(models.TextChoices):
    OPENED = "opened", _("Ouvert")
    OWNED = "owned", _("Pris en charge")
    DISPATCHED = "dispatched", _("Ingénieur dépêché")
    ON_SITE = "on_site", _("Sur site")
    PAUSED = "paused", _("En pause")
    RESOLVED = "resolved", _("Résolu")
    CLOSED = "closed", _("Clos")


OPEN_STATUSES = (Status.OPENED, Status.OWNED, Status.DISPATCHED, Status.ON_SITE, Status.PAUSED)


class Kind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    PREVENTIVE = "preventive", _("Préventif")
    INSTALLATION = "installation", _("Installation")
    RELOCATION = "relocation", _("Déménagement")


class Organisation(models.TextChoices):
    PARTNER = "partner", _("Partenaire")
    CDS = "cds", _("CDS (HP)")


class PauseReason(models.TextChoices):
    AWAITING_CUSTOMER = "awaiting_customer", _("En attente client")
    AWAITING_PARTS = "awaiting_parts", _("En attente de pièces")


class RoutingReason(models.TextChoices):
    """Why routing chose who delivers (``tickets.routing``'s codes), labelled for people."""

    CONTRACT_DELIVERY_CDS = (
        "contract_delivery_cds",
        _("Le contrat prévoit la délivrance par le CDS"),
    )
    COMPLEX_REQUIRES_EXPERT = (
        "complex_requires_expert",
        _("Gamme complexe ou non HP : niveau expert requis"),
    )
    COMPLEX_NO_CERTIFIED_ENGINEER = (
        "complex_no_certified_engineer",
        _("Gamme complexe : aucun ingénieur certifié"),
    )
    TIER_NOT_AUTHORISED = (
        "tier_not_authorised",
        _("Niveau du partenaire insuffisant pour délivrer l'offre"),
    )
    NO_CERTIFIED_ENGINEER = "no_certified_engineer", _("Aucun ingénieur certifié sur la gamme")
    OUTSIDE_DELIVERY_AREA = (
        "outside_delivery_area",
        _("Site hors de la zone d'intervention du partenaire"),
    )
    OUTSIDE_STAFFED_HOURS = (
        "outside_staffed_hours",
        _("Ouvert hors des heures ouvrées du partenaire"),
    )
    PRODUCT_LINE_DECLINED = "product_line_declined", _("Gamme refusée par le partenaire")
    CAPACITY_REACHED = "capacity_reached", _("Capacité du partenaire atteinte")
    PARTNER_CO_DELIVERY = "partner_co_delivery", _("Co-délivrance : le partenaire intervient")
    PARTNER_AUTHORISED = "partner_authorised", _("Le partenaire est habilité et intervient")


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def cds_queue(self) -> TicketQuerySet:
        """What CDS works: its own tickets and partner tickets flagged for backup."""
        return self.open().filter(
            models.Q(delivered_by=Organisation.CDS) | models.Q(cds_backup=True)
        )


class Ticket(models.Model):
    """An on-site support request on a covered asset."""

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("partenaire")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("client")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("site")
    )
    asset = models.ForeignKey(
        Asset, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("équipement")
    )
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("contrat")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="+", verbose_name=_("niveau de service")
    )
    credits_contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="preventive_tickets",
        verbose_name=_("contrat Proactive Select"),
    )
    severity = models.PositiveSmallIntegerField(
        _("sévérité"), choices=[(i, str(i)) for i in range(1, 5)]
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices, default=Kind.INCIDENT)
    summary = models.CharField(_("résumé"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.OPENED
    )
    status_before_pause = models.CharField(
        max_length=10, choices=Status.choices, blank=True, default=""
    )
    pause_reason = models.CharField(
        _("motif de pause"), max_length=20, choices=PauseReason.choices, blank=True, default=""
    )
    delivered_by = models.CharField(_("délivré par"), max_length=8, choices=Organisation.choices)
    routing_reason = models.CharField(
        _("motif du routage"), max_length=40, choices=RoutingReason.choices
    )
    routing_messages = models.JSONField(_("explication du routage"), default=dict)
    escalation_level = models.PositiveSmallIntegerField(_("niveau d'escalade"), default=1)
    # HP guarantees every service: a breach on a partner ticket flags CDS to back it up.
    cds_backup = models.BooleanField(_("renfort CDS demandé"), default=False)
    assigned_engineer = models.ForeignKey(
        Engineer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("ingénieur partenaire"),
    )
    assigned_cds_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cds_tickets",
        verbose_name=_("ingénieur CDS"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("ouvert le"), default=timezone.now)
    ownership_due_at = models.DateTimeField(
        _("prise en charge attendue avant"), null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("dépêché le"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrivé sur site le"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("transféré au CDS le"), null=True, blank=True)
    fell_back_at = models.DateTimeField(_("basculé au CDS le"), null=True, blank=True)
    # Taken by CDS outside the partner's staffed hours: when it goes back to the partner
    # (its next opening), and when it did. The hand-back sweep reads the first.
    hand_back_at = models.DateTimeField(_("retour au partenaire prévu le"), null=True, blank=True)
    handed_back_at = models.DateTimeField(_("rendu au partenaire le"), null=True, blank=True)
    # Bumped whenever deadlines are recomputed: a timer carrying an older version does nothing.
    sla_version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=4), name="ticket_severity_1_to_4"
            ),
            models.CheckConstraint(
                condition=models.Q(escalation_level__gte=1, escalation_level__lte=3),
                name="ticket_escalation_1_to_3",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paused") | ~models.Q(pause_reason=""),
                name="ticket_pause_has_reason",
            ),
        ]
        indexes = [
            # Partner queue: a partner's open tickets, newest first.
            models.Index(
                fields=["partner", "-opened_at"],
                name="ticket_partner_open_idx",
                condition=models.Q(
                    status__in=["opened", "owned", "dispatched", "on_site", "paused"]
                ),
            ),
            # CDS queue: open tickets CDS delivers or backs up.
            models.Index(
                fields=["delivered_by", "-opened_at"],
                name="ticket_cds_queue_idx",
                condition=models.Q(
                    status__in=["opened", "owned", "dispatched", "on_site", "paused"]
                ),
            ),
            # « Tickets » for HP staff: every partner's open tickets, newest first (an index
            # scan that stops at the page, where ordering the table's open tickets sorted them).
            models.Index(
                fields=["-opened_at", "-id"],
                name="ticket_open_newest_idx",
                condition=models.Q(
                    status__in=["opened", "owned", "dispatched", "on_site", "paused"]
                ),
            ),
            # Scorecards: a partner's tickets opened in a month (any status).
            models.Index(fields=["partner", "opened_at"], name="ticket_partner_opened_idx"),
            # Programme dashboard: every ticket opened in a month.
            models.Index(fields=["opened_at"], name="ticket_opened_idx"),
            # Hand-back sweep: CDS tickets to return to the partner at its opening.
            models.Index(
                fields=["hand_back_at"],
                name="ticket_hand_back_due_idx",
                condition=models.Q(hand_back_at__isnull=False, handed_back_at__isnull=True),
            ),
            # Ownership fallback sweep: partner tickets not yet owned, by due time.
            models.Index(
                fields=["ownership_due_at"],
                name="ticket_ownership_due_idx",
                condition=models.Q(status="opened", delivered_by="partner"),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEventKind(models.TextChoices):
    """What a line of the timeline records; the label is its title on the ticket page."""

    OPENED = "opened", _("Ticket ouvert")
    ROUTED = "routed", _("Routage")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("timeline", "Prise en charge")
    DISPATCHED = "dispatched", _("Ingénieur dépêché")
    ARRIVED = "arrived", _("Arrivée sur site")
    RESOLVED = "resolved", _("Remise en service")
    CLOSED = "closed", _("Ticket clos")
    PAUSED = "paused", _("Mise en pause")
    RESUMED = "resumed", _("Reprise")
    ESCALATED = "escalated", _("Escalade")
    HANDED_OVER = "handed_over", _("Transfert au CDS")
    FELL_BACK = "fell_back", _("Bascule automatique au CDS")
    HANDED_BACK = "handed_back", _("Retour au partenaire à l'ouverture")
    HAND_BACK_CANCELLED = "hand_back_cancelled", _("Retour au partenaire annulé")
    SLA_WARNED = "sla_warned", _("Alerte avant dépassement")
    SLA_BREACHED = "sla_breached", _("Dépassement du délai")
    CDS_BACKUP_FLAGGED = "cds_backup_flagged", _("Renfort CDS demandé")
    CREDITS_CONSUMED = "credits_consumed", _("Crédits Proactive Select consommés")


class TicketEvent(models.Model):
    """One line of a ticket's timeline: who did what, when."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    event = models.CharField(max_length=40, choices=TicketEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "partner", "cds" or "system" (timers): who acted when no user did.
    organisation = models.CharField(max_length=8, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("événement de ticket")
        verbose_name_plural = _("chronologie des tickets")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.event}"


class SegmentReason(models.TextChoices):
    """Why an organisation started holding the ticket."""

    OPENED = "opened", _("à l'ouverture")
    HANDOVER = "handover", _("transfert par le partenaire")
    FALLBACK = "fallback", _("bascule automatique (prise en charge non faite à temps)")
    HAND_BACK = "hand_back", _("retour au partenaire à l'ouverture de ses heures ouvrées")


class OwnershipSegment(models.Model):
    """Which organisation held the ticket from when to when (one customer clock)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="segments")
    organisation = models.CharField(max_length=8, choices=Organisation.choices)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=SegmentReason.choices)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ended_at__isnull=True),
                name="segment_one_open_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.organisation}"


class TicketPause(models.Model):
    """A period the SLA clock did not run (awaiting customer or parts)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=20, choices=PauseReason.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ended_at__isnull=True),
                name="pause_one_open_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.reason}"


class SlaState(models.TextChoices):
    RUNNING = "running", _("En cours")
    PAUSED = "paused", _("En pause")
    WARNED = "warned", _("Alerte")
    MET = "met", _("Respecté")
    BREACHED = "breached", _("Dépassé")


class SlaTargetKind(models.TextChoices):
    RESPONSE = "response", _("Prise en charge")
    ONSITE = "onsite", _("Intervention sur site")
    RESOLUTION = "resolution", _("Remise en service")


class SlaTarget(models.Model):
    """One commitment on a ticket (response, on-site, resolution), its deadline and state."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_targets")
    target = models.CharField(max_length=12, choices=SlaTargetKind.choices)
    hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    next_business_day = models.BooleanField(default=False)
    # A target shown but not enforced (resolution of severity 3-4): no warning, no breach.
    enforced = models.BooleanField(default=True)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.RUNNING)
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    # The next instant a timer must act (warning, then breach); NULL when nothing is pending.
    next_event_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["ticket", "target"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target"], name="sla_target_once_per_ticket"),
        ]
        indexes = [
            # The sweep: pending timer events by due instant (partial: idle rows cost nothing).
            models.Index(
                fields=["next_event_at"],
                name="sla_target_next_event_idx",
                condition=models.Q(next_event_at__isnull=False),
            ),
            # The CDS queue's order: a ticket's earliest pending deadline, read from the
            # index alone (tickets.selectors.cds_queue_tickets filters exactly these rows).
            models.Index(
                fields=["ticket", "due_at"],
                name="sla_target_pending_due_idx",
                condition=models.Q(
                    enforced=True,
                    met_at__isnull=True,
                    due_at__isnull=False,
                    state__in=["running", "warned", "breached"],
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target}"


class SlaEventKind(models.TextChoices):
    WARNED = "warned", _("Alerte avant dépassement")
    BREACHED = "breached", _("Dépassement du délai")


class SlaEvent(models.Model):
    """A warning or breach that happened: the unique key makes each happen exactly once."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_events")
    target = models.CharField(max_length=12, choices=SlaTargetKind.choices)
    event = models.CharField(max_length=10, choices=SlaEventKind.choices)
    version = models.PositiveIntegerField()
    due_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "target", "event", "version"], name="sla_event_exactly_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.target} {self.event}"


class TicketMute(models.Model):
    """Someone who asked to hear no more about a ticket: it notifies no one who muted it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_tickets"
    )
    created_at = models.DateTimeField(_("depuis le"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket en sourdine")
        verbose_name_plural = _("tickets en sourdine")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticket_mute_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} muted by {self.user_id}"
