"""The tenant (``Partner``) and who belongs to it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.roles import PartnerRole

siren_validator = RegexValidator(r"^\d{9}$", _("Le SIREN compte exactement 9 chiffres."))


class Partner(models.Model):
    """A services partner of the programme: the tenant every partner-owned row points to."""

    name = models.CharField(_("raison sociale"), max_length=200)
    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, default="", validators=[siren_validator]
    )
    city = models.CharField(_("ville"), max_length=120, blank=True, default="")
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["siren"],
                condition=~models.Q(siren=""),
                name="partner_siren_unique_when_set",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Gives a user one partner and one role in it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("utilisateur"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partenaire")
    )
    role = models.CharField(_("rôle"), max_length=20, choices=PartnerRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["partner", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=PartnerRole.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"
