"""What a partner delivers itself (its delivery policy) and when its engineers can go.

A delivery policy is versioned: each change is a new row with an effective date, never an
edit of an old one, so the routing of a ticket can always be explained by the version that
was in force when it was opened (``partners.selectors.policy_in_force``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Engineer, Partner, ProductLine


class StaffedCoverage(models.TextChoices):
    """The partner's staffed hours, as one of the SLA clock's calendars (PRODUCT.md)."""

    H24X7 = "24x7", _("24x7 : tous les jours, 24 h sur 24")
    H13X5 = "13x5", _("13x5 : du lundi au vendredi, 8 h – 21 h")
    H9X5 = "9x5", _("9x5 : du lundi au vendredi, 8 h – 17 h")


class DeliveryPolicy(models.Model):
    """One version of a partner's delivery policy, in force from ``effective_from``.

    The version in force at an instant is the latest created among those whose effective
    date has come (a same-day change applies from its creation on).
    """

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="delivery_policies",
        verbose_name=_("partenaire"),
    )
    effective_from = models.DateField(_("en vigueur à partir du"))
    # Codes of ``partners.departments`` (départements and overseas regions).
    departments = models.JSONField(_("départements d'intervention"), default=list)
    staffed_coverage = models.CharField(
        _("heures ouvrées"), max_length=4, choices=StaffedCoverage.choices
    )
    hand_back_at_opening = models.BooleanField(
        _("reprendre à l'ouverture"),
        default=False,
        help_text=_(
            "Un ticket pris par le CDS hors des heures ouvrées revient au partenaire à "
            "l'ouverture suivante."
        ),
    )
    product_lines_declined = models.ManyToManyField(
        ProductLine,
        blank=True,
        related_name="+",
        verbose_name=_("gammes refusées"),
    )
    max_open_tickets_per_engineer = models.PositiveSmallIntegerField(
        _("tickets ouverts au plus par ingénieur certifié"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("enregistrée le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("politique de délivrance")
        verbose_name_plural = _("politiques de délivrance")
        ordering = ["partner", "-effective_from", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_open_tickets_per_engineer__isnull=True)
                | models.Q(max_open_tickets_per_engineer__gte=1),
                name="delivery_policy_capacity_at_least_one",
            ),
        ]
        indexes = [
            # The version in force: a partner's versions by effective date, then creation.
            models.Index(
                fields=["partner", "-effective_from", "-created_at"],
                name="delivery_policy_in_force_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.effective_from}"


class AvailabilityKind(models.TextChoices):
    ABSENCE = "absence", _("Absence")
    ON_CALL = "on_call", _("Astreinte")


class EngineerAvailability(models.Model):
    """A period an engineer is away (absence) or on call outside the staffed hours."""

    engineer = models.ForeignKey(
        Engineer,
        on_delete=models.CASCADE,
        related_name="availability",
        verbose_name=_("ingénieur"),
    )
    kind = models.CharField(_("type"), max_length=8, choices=AvailabilityKind.choices)
    starts_at = models.DateTimeField(_("du"))
    ends_at = models.DateTimeField(_("au"))
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("absence ou astreinte")
        verbose_name_plural = _("absences et astreintes")
        ordering = ["engineer", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="engineer_availability_ends_after_start",
            ),
        ]
        indexes = [
            # Dispatch: the periods of a partner's engineers that cover now.
            models.Index(fields=["engineer", "ends_at"], name="engineer_availability_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.engineer_id} {self.kind} {self.starts_at:%Y-%m-%d}"
