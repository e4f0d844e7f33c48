"""The tenant (``Partner``), who belongs to it, and the ServiceOne programme as data.

Tiers and their requirements are rows a programme manager edits, never code.
The eligibility engine (``partners/eligibility.py``) reads them through
``partners/selectors.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.departments import CODES, label
from servicone.access import PartnerRole
from servicone.presenters import is_english

siren_validator = RegexValidator(r"^\d{9}$", _("Le SIREN compte exactement 9 chiffres."))
code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$", _("Code : lettres minuscules, chiffres, - et _ uniquement.")
)


def department_choices() -> list[tuple[str, str]]:
    """The départements and overseas regions as form and model choices (``"59 — Nord"``)."""
    return [(code, label(code)) for code in CODES]


class BilingualNameMixin(models.Model):
    """Programme data is shown in French or English, per the user's language."""

    name = models.CharField(_("nom (français)"), max_length=120)
    name_en = models.CharField(_("nom (anglais)"), max_length=120, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if is_english() and self.name_en:
            return self.name_en
        return self.name


class ProductLine(BilingualNameMixin):
    """A family of products a partner may be authorised on (ProLiant, 3PAR, …)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    is_hp = models.BooleanField(_("produit HP"), default=True)
    is_complex = models.BooleanField(
        _("offre complexe"),
        default=False,
        help_text=_(
            "Infrastructures convergées, non-HP : délivrées par le CDS sauf partenaire expert."
        ),
    )

    class Meta:
        verbose_name = _("gamme de produits")
        verbose_name_plural = _("gammes de produits")
        ordering = ["name"]


class Tier(BilingualNameMixin):
    """A level of the programme; ``rank`` orders them (0 = Registered)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    rank = models.PositiveSmallIntegerField(_("rang"), unique=True)
    requires_approval = models.BooleanField(_("validation HP requise"), default=False)
    description = models.TextField(_("description"), blank=True, default="")

    class Meta:
        verbose_name = _("niveau du programme")
        verbose_name_plural = _("niveaux du programme")
        ordering = ["rank"]

    @property
    def min_revenue_eur(self) -> Decimal | None:
        for requirement in self.requirements.all():
            if requirement.kind == TierRequirement.Kind.MIN_REVENUE:
                return requirement.amount_eur
        return None


class Course(BilingualNameMixin):
    """A training course; passing it certifies an engineer for ``validity_months``."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    product_line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, related_name="courses", verbose_name=_("gamme")
    )
    validity_months = models.PositiveSmallIntegerField(
        _("validité (mois)"), validators=[MinValueValidator(1)]
    )
    is_advanced = models.BooleanField(_("certification avancée"), default=False)

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        ordering = ["product_line__name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(validity_months__gte=1), name="course_validity_positive"
            ),
        ]


class TierRequirement(models.Model):
    """One criterion of a tier: a revenue floor, certified engineers, a previous tier, approval."""

    class Kind(models.TextChoices):
        MIN_REVENUE = "min_revenue", _("Chiffre d'affaires services minimum (12 mois glissants)")
        COURSE = "course", _("Ingénieurs certifiés sur une formation")
        PREVIOUS_TIER = "previous_tier", _("Niveau précédent atteint")
        APPROVAL = "approval", _("Validation par HP")

    tier = models.ForeignKey(
        Tier, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("niveau")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    amount_eur = models.DecimalField(
        _("montant (EUR)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("formation")
    )
    min_engineers = models.PositiveSmallIntegerField(_("ingénieurs certifiés minimum"), default=1)
    previous_tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("niveau précédent"),
    )

    class Meta:
        verbose_name = _("critère d'éligibilité")
        verbose_name_plural = _("critères d'éligibilité")
        ordering = ["tier__rank", "kind", "id"]
        constraints = [
            # Each kind carries exactly its own parameter.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="min_revenue",
                        amount_eur__gte=0,
                        course__isnull=True,
                        previous_tier__isnull=True,
                    )
                    | models.Q(
                        kind="course",
                        course__isnull=False,
                        min_engineers__gte=1,
                        amount_eur__isnull=True,
                        previous_tier__isnull=True,
                    )
                    | models.Q(
                        kind="previous_tier",
                        previous_tier__isnull=False,
                        course__isnull=True,
                        amount_eur__isnull=True,
                    )
                    | models.Q(
                        kind="approval",
                        course__isnull=True,
                        amount_eur__isnull=True,
                        previous_tier__isnull=True,
                    )
                ),
                name="tier_requirement_parameters_match_kind",
            ),
            models.UniqueConstraint(
                fields=["tier", "course"],
                condition=models.Q(kind="course"),
                name="tier_requirement_course_once",
            ),
            models.UniqueConstraint(
                fields=["tier", "kind"],
                condition=models.Q(kind__in=["min_revenue", "previous_tier", "approval"]),
                name="tier_requirement_single_kinds_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.get_kind_display()}"


class LegacyProgramme(models.TextChoices):
    NONE = "", _("Aucun")
    ASP = "asp", _("ASP (ancien programme)")
    PSP = "psp", _("PSP (ancien programme)")


class Partner(models.Model):
    """A services partner of the programme: the tenant every partner-owned row points to."""

    name = models.CharField(_("raison sociale"), max_length=200)
    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, default="", validators=[siren_validator]
    )
    city = models.CharField(_("ville"), max_length=120, blank=True, default="")
    is_active = models.BooleanField(_("actif"), default=True)
    legacy_programme = models.CharField(
        _("ancien programme"), max_length=3, blank=True, default="", choices=LegacyProgramme.choices
    )
    declared_revenue_12m_eur = models.DecimalField(
        _("chiffre d'affaires services déclaré (12 mois)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_(
            "Chiffre d'affaires réalisé hors portail ; modifiable par HP uniquement, chaque changement est tracé."
        ),
    )
    tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("niveau actuel"),
    )
    tier_since = models.DateField(_("niveau depuis le"), null=True, blank=True)
    # A downgrade waits for the grace period: the tier it will fall to, and when.
    pending_tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("niveau après la période de grâce"),
    )
    grace_until = models.DateField(_("fin de la période de grâce"), null=True, blank=True)
    evaluated_on = models.DateField(_("dernière évaluation"), null=True, blank=True)
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
            models.CheckConstraint(
                condition=models.Q(declared_revenue_12m_eur__gte=0),
                name="partner_declared_revenue_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(grace_until__isnull=True, pending_tier__isnull=True)
                    | models.Q(grace_until__isnull=False, pending_tier__isnull=False)
                ),
                name="partner_grace_has_a_target_tier",
            ),
        ]
        indexes = [
            # Nightly job and the programme overview: partners in grace, by end date.
            models.Index(
                fields=["grace_until"],
                name="partner_grace_until_idx",
                condition=models.Q(grace_until__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TierPeriod(models.Model):
    """A stretch of days a partner held a tier: the history behind "partners per tier over time".

    Written by the tier decision service whenever the tier changes; the open
    period (``ended_on`` empty) is the current tier. A partner held ``tier`` on
    every day ``d`` with ``started_on <= d`` and (``ended_on`` empty or ``d < ended_on``).
    """

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="tier_periods", verbose_name=_("partenaire")
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("niveau")
    )
    started_on = models.DateField(_("depuis le"))
    ended_on = models.DateField(_("jusqu'au (exclu)"), null=True, blank=True)

    class Meta:
        verbose_name = _("période de niveau")
        verbose_name_plural = _("historique des niveaux")
        ordering = ["partner", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"],
                condition=models.Q(ended_on__isnull=True),
                name="tier_period_one_open_per_partner",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="tier_period_ends_after_start",
            ),
        ]
        indexes = [
            # Partners per tier on a date: periods by start, the open ones first to read.
            models.Index(fields=["started_on", "ended_on"], name="tier_period_dates_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.tier_id} {self.started_on}"


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


class Engineer(models.Model):
    """A partner's engineer, who holds certifications (and may have a portal login)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="engineers", verbose_name=_("partenaire")
    )
    name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True, default="")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="engineer",
        verbose_name=_("compte portail"),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    # Where the engineer starts from: dispatch prefers the site's département or a neighbour.
    home_department = models.CharField(
        _("département de rattachement"),
        max_length=3,
        blank=True,
        default="",
        choices=department_choices(),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ingénieur")
        verbose_name_plural = _("ingénieurs")
        ordering = ["partner", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=~models.Q(email=""),
                name="engineer_email_unique_per_partner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CertificationQuerySet(models.QuerySet["Certification"]):
    def valid_on(self, day: date) -> CertificationQuerySet:
        return self.filter(passed_on__lte=day, expires_on__gte=day)

    def expiring_between(self, start: date, end: date) -> CertificationQuerySet:
        return self.filter(expires_on__gte=start, expires_on__lte=end)


class Certification(models.Model):
    """An engineer passed a course on ``passed_on``; valid through ``expires_on`` inclusive."""

    engineer = models.ForeignKey(
        Engineer,
        on_delete=models.CASCADE,
        related_name="certifications",
        verbose_name=_("ingénieur"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="certifications", verbose_name=_("formation")
    )
    passed_on = models.DateField(_("obtenue le"))
    expires_on = models.DateField(_("expire le"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("passed_on")),
                name="certification_expires_after_pass",
            ),
            models.UniqueConstraint(
                fields=["engineer", "course", "passed_on"], name="certification_unique_pass"
            ),
        ]
        indexes = [
            # Expiry reminders and the scorecard: certifications expiring in a date range.
            models.Index(fields=["expires_on"], name="certification_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.engineer} — {self.course}"

    def is_valid_on(self, day: date) -> bool:
        return self.passed_on <= day <= self.expires_on


class AccreditationQuerySet(models.QuerySet["Accreditation"]):
    def open(self) -> AccreditationQuerySet:
        return self.filter(status__in=[Accreditation.Status.DRAFT, Accreditation.Status.SUBMITTED])


class Accreditation(models.Model):
    """An application for a tier that needs HP approval (Expert)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumise")
        APPROVED = "approved", _("Validée")
        REJECTED = "rejected", _("Refusée")
        WITHDRAWN = "withdrawn", _("Retirée")

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="accreditations",
        verbose_name=_("partenaire"),
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("niveau")
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    eligibility_snapshot = models.JSONField(_("évaluation à la soumission"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidée par"),
    )
    decision_comment = models.TextField(_("commentaire de décision"), blank=True, default="")
    decision_snapshot = models.JSONField(_("évaluation à la décision"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)

    objects = AccreditationQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande d'accréditation")
        verbose_name_plural = _("demandes d'accréditation")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "tier"],
                condition=models.Q(status__in=["draft", "submitted"]),
                name="accreditation_one_open_per_partner_tier",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(valid_until__isnull=False),
                name="accreditation_approved_has_validity",
            ),
        ]
        indexes = [
            # HP approval queue: submitted applications, oldest first.
            models.Index(
                fields=["submitted_at"],
                name="accreditation_queue_idx",
                condition=models.Q(status="submitted"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.tier} ({self.get_status_display()})"

    @staticmethod
    def days_waiting(submitted_at: datetime | None, on: date) -> int:
        """How long an application has waited for HP on ``on``: whole days since the day
        (Paris time) it was submitted; 0 for one not submitted. The one definition the
        home page, the approval queue, the review page and the dashboard show."""
        if submitted_at is None:
            return 0
        return max(0, (on - timezone.localdate(submitted_at)).days)


# The delivery policy and engineers' availability live in their own module (this one is
# long enough); imported here so that ``partners.models`` names every model.
from partners.models.delivery import (  # noqa: E402, F401
    AvailabilityKind,
    DeliveryPolicy,
    EngineerAvailability,
    StaffedCoverage,
)
