"""Catalogue (offerings), end customers with sites and assets, contracts, credit ledger."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.departments import department_of_postal_code
from partners.models import Partner, ProductLine, Tier


class Coverage(models.TextChoices):
    H24X7 = "24x7", _("24x7 (tous les jours, 24 h/24, jours fériés compris)")
    H13X5 = "13x5", _("13x5 (lundi–vendredi 8 h–21 h, hors jours fériés)")
    H9X5 = "9x5", _("9x5 (lundi–vendredi 8 h–17 h, hors jours fériés)")


class OfferingKind(models.TextChoices):
    CARE_PACK = "care_pack", _("Care Pack")
    CONTRACT = "contract", _("Formule contractuelle")
    PROACTIVE_CREDITS = "proactive_credits", _("Crédits Proactive Select")


class OfferingQuerySet(models.QuerySet["Offering"]):
    def active(self) -> OfferingQuerySet:
        return self.filter(is_active=True)


class Offering(models.Model):
    """Something a partner sells: a care pack, a service contract or Proactive Select credits.

    Its service level (coverage window and targets) drives the SLA of tickets
    opened under contracts of this offering.
    """

    code = models.CharField(_("référence (SKU)"), max_length=40, unique=True)
    name = models.CharField(_("nom (français)"), max_length=200)
    name_en = models.CharField(_("nom (anglais)"), max_length=200, blank=True, default="")
    kind = models.CharField(_("type"), max_length=20, choices=OfferingKind.choices)
    product_lines = models.ManyToManyField(
        ProductLine, related_name="offerings", verbose_name=_("gammes couvertes")
    )
    coverage = models.CharField(_("plage de couverture"), max_length=5, choices=Coverage.choices)
    response_hours = models.PositiveSmallIntegerField(_("délai de prise en charge (heures)"))
    onsite_hours = models.PositiveSmallIntegerField(
        _("délai d'intervention sur site (heures)"), null=True, blank=True
    )
    onsite_next_business_day = models.BooleanField(_("intervention J+1 ouvré"), default=False)
    resolution_hours = models.PositiveSmallIntegerField(
        _("délai de remise en service (heures)"), null=True, blank=True
    )
    # The resolution target binds severity 1 and 2; for 3 and 4 only when this says so.
    resolution_binds_all_severities = models.BooleanField(
        _("remise en service engageante pour toutes les sévérités"), default=False
    )
    warning_ratio = models.DecimalField(
        _("seuil d'alerte"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        help_text=_("Part du délai à laquelle l'alerte avant dépassement part (0,80 = 80 %)."),
    )
    duration_months = models.PositiveSmallIntegerField(
        _("durée (mois)"), validators=[MinValueValidator(1)]
    )
    list_price_eur = models.DecimalField(_("prix catalogue (EUR)"), max_digits=12, decimal_places=2)
    credits = models.PositiveIntegerField(_("crédits inclus"), default=0)
    tier_to_sell = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("niveau requis pour vendre"),
    )
    tier_to_deliver = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("niveau requis pour délivrer"),
    )
    description = models.TextField(_("description"), blank=True, default="")
    is_active = models.BooleanField(_("au catalogue"), default=True)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        verbose_name = _("offre")
        verbose_name_plural = _("offres du catalogue")
        ordering = ["kind", "code"]
        constraints = [
            # On-site is either a number of hours or next business day, never both.
            models.CheckConstraint(
                condition=(
                    models.Q(onsite_next_business_day=True, onsite_hours__isnull=True)
                    | models.Q(onsite_next_business_day=False)
                ),
                name="offering_onsite_hours_or_nbd",
            ),
            # NBD has a meaning only with a business-hours window.
            models.CheckConstraint(
                condition=~models.Q(onsite_next_business_day=True, coverage="24x7"),
                name="offering_nbd_needs_business_hours",
            ),
            models.CheckConstraint(
                condition=models.Q(list_price_eur__gte=0), name="offering_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(warning_ratio__gt=0, warning_ratio__lt=1),
                name="offering_warning_ratio_between_0_and_1",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="proactive_credits") | models.Q(credits__gt=0),
                name="offering_credits_for_proactive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.display_name}"

    @property
    def display_name(self) -> str:
        if (get_language() or "fr").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def covers_assets(self) -> bool:
        return self.kind in (OfferingKind.CARE_PACK, OfferingKind.CONTRACT)


def validate_region(value: str) -> None:
    from holidays.countries.france import France

    if value and value not in France.subdivisions:
        raise ValidationError(
            _("Région inconnue : %(value)s (codes possibles : %(codes)s)."),
            params={"value": value, "codes": ", ".join(France.subdivisions)},
            code="invalid_region",
        )


# French postal codes: five digits. Metropolitan France (Corsica included) runs from 01 to
# 95; overseas, 971 Guadeloupe (with Saint-Barthélemy and Saint-Martin), 972 Martinique,
# 973 Guyane, 974 La Réunion, 975 Saint-Pierre-et-Miquelon, 976 Mayotte, 977-978; then
# 980 Monaco (La Poste's), 984 Terres australes, 986 Wallis-et-Futuna, 987 Polynésie
# française, 988 Nouvelle-Calédonie. Cedex codes have the same shape.
_POSTAL_CODE = re.compile(r"(?:0[1-9]|[1-8]\d|9[0-5])\d{3}|97[1-8]\d{2}|98[04678]\d{2}")
_SPACES = re.compile(r"\s+")


def normalise_postal_code(value: str) -> str:
    """``" 57 000 "`` → ``"57000"``: people type the space some addresses print."""
    return _SPACES.sub("", value or "")


def validate_postal_code(value: str) -> None:
    """A French postal code (metropolitan or overseas), or nothing (it is optional)."""
    if value and not _POSTAL_CODE.fullmatch(value):
        raise ValidationError(
            _(
                "Code postal invalide : « %(value)s ». Un code postal français compte 5 "
                "chiffres : de 01000 à 95999 en métropole, 97xxx ou 98xxx outre-mer."
            ),
            params={"value": value[:20]},
            code="invalid_postal_code",
        )


def validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(
            _("Fuseau horaire inconnu : %(value)s."),
            params={"value": value},
            code="invalid_timezone",
        )


def _timezones() -> set[str]:
    global _TZ_CACHE
    if _TZ_CACHE is None:
        _TZ_CACHE = available_timezones()
    return _TZ_CACHE


_TZ_CACHE: set[str] | None = None


class Customer(models.Model):
    """An end customer of a partner."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="customers", verbose_name=_("partenaire")
    )
    name = models.CharField(_("raison sociale"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("client final")
        verbose_name_plural = _("clients finaux")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "name"], name="customer_name_unique_per_partner"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """Where assets stand: its region picks the public holidays, its time zone the clock."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="sites", verbose_name=_("client")
    )
    name = models.CharField(_("nom du site"), max_length=200)
    address = models.CharField(_("adresse"), max_length=300, blank=True, default="")
    postal_code = models.CharField(
        _("code postal"),
        max_length=10,
        blank=True,
        default="",
        validators=[validate_postal_code],
        help_text=_("5 chiffres : métropole ou outre-mer (57000, 97400, 98800…)."),
    )
    city = models.CharField(_("ville"), max_length=120)
    region = models.CharField(
        _("région (jours fériés)"),
        max_length=5,
        blank=True,
        default="",
        validators=[validate_region],
        help_text=_("Vide pour la métropole ; 57 Moselle, 6AE Alsace, 974 La Réunion…"),
    )
    timezone = models.CharField(
        _("fuseau horaire"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @property
    def department(self) -> str | None:
        """The site's département (``2A``/``2B`` in Corsica, ``971``… overseas), from its
        postal code; ``None`` without one."""
        return department_of_postal_code(self.postal_code)


class Vendor(models.TextChoices):
    HP = "hp", _("HP")
    OTHER = "other", _("Autre constructeur")


class AssetRegistration(models.TextChoices):
    """Where an asset's registration stands: the rule for a serial claimed by two partners.

    A serial number (per vendor) is *confirmed* for one customer at a time. A partner that
    registers a serial another partner already holds is not refused (that would tell it
    who has the asset, and let whoever registers first block the real maintainer): its
    registration is accepted and *held* until HP staff arbitrate, with an answer that says
    nothing of the other partner. A held asset cannot be covered, so no ticket opens on it.
    HP staff then confirm the claim (the former holder's registration is *rejected*: its
    coverage ends that day, its contracts stay for the record) or reject it; both partners
    are notified, and every step is audited (``contracts.services.claims``).
    """

    CONFIRMED = "confirmed", _("Enregistré")
    HELD = "held", _("En attente de vérification HP")
    REJECTED = "rejected", _("Non retenu par HP")


class AssetQuerySet(models.QuerySet["Asset"]):
    def confirmed(self) -> AssetQuerySet:
        return self.filter(registration=AssetRegistration.CONFIRMED)

    def held(self) -> AssetQuerySet:
        return self.filter(registration=AssetRegistration.HELD)


class Asset(models.Model):
    """A piece of equipment at a customer site, known by its serial number.

    Only a *confirmed* asset may be covered (``AssetRegistration`` says why a registration
    may be held or rejected): at most one per vendor and serial number, a database fact.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="assets", verbose_name=_("client")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="assets", verbose_name=_("site")
    )
    serial_number = models.CharField(_("numéro de série"), max_length=64)
    vendor = models.CharField(
        _("constructeur"), max_length=5, choices=Vendor.choices, default=Vendor.HP
    )
    product_line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, related_name="assets", verbose_name=_("gamme")
    )
    model = models.CharField(_("modèle"), max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # A database default too: the release before this column keeps inserting assets
    # (confirmed, as it always did) while a new one is rolled out.
    registration = models.CharField(
        _("enregistrement"),
        max_length=10,
        choices=AssetRegistration.choices,
        default=AssetRegistration.CONFIRMED,
        db_default=AssetRegistration.CONFIRMED,
    )
    registration_decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    registration_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )

    objects = AssetQuerySet.as_manager()

    class Meta:
        verbose_name = _("équipement")
        verbose_name_plural = _("équipements")
        ordering = ["serial_number", "id"]
        constraints = [
            # One confirmed registration per serial number and vendor, whoever claims it.
            models.UniqueConstraint(
                fields=["vendor", "serial_number"],
                condition=models.Q(registration="confirmed"),
                name="asset_serial_confirmed_once_per_vendor",
            ),
            # A customer registers a serial once (a rejected claim stays for the record).
            models.UniqueConstraint(
                fields=["customer", "vendor", "serial_number"],
                condition=~models.Q(registration="rejected"),
                name="asset_serial_once_per_customer",
            ),
        ]
        indexes = [
            # Entitlement look-up by serial number, whatever the vendor.
            models.Index(fields=["serial_number"], name="asset_serial_idx"),
            # HP's review list: registrations held for arbitration, oldest first.
            models.Index(
                fields=["created_at"],
                name="asset_held_idx",
                condition=models.Q(registration="held"),
            ),
        ]

    def __str__(self) -> str:
        return self.serial_number

    @property
    def is_confirmed(self) -> bool:
        return self.registration == AssetRegistration.CONFIRMED


class ContractQuerySet(models.QuerySet["Contract"]):
    def counting_as_revenue(self) -> ContractQuerySet:
        return self.filter(status__in=[Contract.Status.ACTIVE, Contract.Status.EXPIRED])

    def in_force_on(self, day: date) -> ContractQuerySet:
        return self.filter(status=Contract.Status.ACTIVE, starts_on__lte=day, ends_on__gte=day)


class DeliveryMode(models.TextChoices):
    PARTNER = "partner", _("Délivré par le partenaire")
    CO_DELIVERY = "co_delivery", _("Co-délivré avec HP")
    CDS = "cds", _("Confié au CDS (HP)")


# Why a contract is delivered as it is (``Contract.delivery_reason``, written at sale time in
# the seller's language): the partner's choice where its tier may deliver, else CDS.
DELIVERY_CHOSEN = {
    DeliveryMode.PARTNER: _("Choix du partenaire : délivré par ses ingénieurs."),
    DeliveryMode.CO_DELIVERY: _("Choix du partenaire : co-délivré avec HP."),
    DeliveryMode.CDS: _("Choix du partenaire : confié au CDS."),
}
DELIVERY_TIER_REQUIRED = _(
    "Le niveau %(tier)s est requis pour délivrer cette offre : elle est confiée au CDS (HP)."
)


class Contract(models.Model):
    """A sale: an offering sold by a partner to its customer, covering assets for a period."""

    class Status(models.TextChoices):
        QUOTE = "quote", _("Devis")
        ACTIVE = "active", _("Actif")
        EXPIRED = "expired", _("Expiré")
        CANCELLED = "cancelled", _("Annulé")

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("partenaire")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("client")
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("offre")
    )
    assets: models.ManyToManyField[Asset, ContractAsset] = models.ManyToManyField(
        Asset,
        through="ContractAsset",
        related_name="contracts",
        verbose_name=_("équipements couverts"),
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    price_eur = models.DecimalField(_("prix (EUR)"), max_digits=12, decimal_places=2)
    delivery_mode = models.CharField(
        _("mode de délivrance"), max_length=12, choices=DeliveryMode.choices
    )
    delivery_reason = models.CharField(
        _("motif du mode de délivrance"), max_length=300, blank=True, default=""
    )
    booked_on = models.DateField(_("date de vente"), null=True, blank=True)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    renewed_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewal",
        verbose_name=_("renouvelle"),
    )
    credits_balance = models.PositiveIntegerField(_("solde de crédits"), default=0)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(price_eur__gte=0), name="contract_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(credits_balance__gte=0),
                name="contract_credit_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["active", "expired"])
                | models.Q(booked_on__isnull=False),
                name="contract_sold_has_booking_date",
            ),
        ]
        indexes = [
            # Revenue in the trailing 12 months, per partner (eligibility).
            models.Index(
                fields=["partner", "booked_on"],
                name="contract_revenue_idx",
                condition=models.Q(status__in=["active", "expired"]),
            ),
            # Renewal reminders and expiry: active contracts by end date.
            models.Index(
                fields=["ends_on"],
                name="contract_active_end_idx",
                condition=models.Q(status="active"),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ContractAsset(models.Model):
    """An asset covered by a contract, with the coverage period copied for overlap checks."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="coverages")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="coverages")
    kind = models.CharField(max_length=20, choices=OfferingKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("couverture d'équipement")
        verbose_name_plural = _("couvertures d'équipements")
        constraints = [
            models.UniqueConstraint(fields=["contract", "asset"], name="contract_asset_once"),
        ]
        indexes = [
            # Entitlement look-up and overlap check: an asset's active coverages by date.
            models.Index(
                fields=["asset", "ends_on"],
                name="coverage_asset_active_idx",
                condition=models.Q(is_active=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.asset_id}"


class CreditEntry(models.Model):
    """One line of a Proactive Select credit ledger; the balance lives on the contract."""

    class Kind(models.TextChoices):
        PURCHASED = "purchased", _("Achat")
        CONSUMED = "consumed", _("Consommation (service préventif délivré)")
        EXPIRED = "expired", _("Expiration")

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="credit_entries", verbose_name=_("contrat")
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    credits = models.IntegerField(_("crédits"))
    balance_after = models.PositiveIntegerField(_("solde après"))
    at = models.DateTimeField(_("date"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(_("référence"), max_length=120, blank=True, default="")
    # One consumption per delivered preventive service (a ticket id, set by the tickets app).
    dedup_key = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        verbose_name = _("mouvement de crédits")
        verbose_name_plural = _("grand livre des crédits")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="purchased", credits__gt=0)
                    | models.Q(kind__in=["consumed", "expired"], credits__lt=0)
                ),
                name="credit_entry_sign_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["contract", "dedup_key"],
                condition=~models.Q(dedup_key=""),
                name="credit_entry_once_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.kind} {self.credits}"
