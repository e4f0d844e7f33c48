"""Admin of the catalogue side, under the rule of ``partners.admin`` (every write audited):

* the catalogue's **offerings** are programme data, edited here and audited;
* **customers, sites, assets, contracts** are written in the portal and the API through
  their services: read-only here, except HP's arbitration of a serial number claimed by
  two partners, which goes through ``asset_claim_assign`` / ``asset_claim_reject``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contracts.models import (
    Asset,
    AssetRegistration,
    Contract,
    ContractAsset,
    CreditEntry,
    Customer,
    Offering,
    Site,
)
from contracts.services import asset_claim_assign, asset_claim_reject
from partners.admin import AuditedModelAdmin, ReadOnlyAdmin, ReadOnlyInline
from servicone.access import is_programme_manager
from servicone.errors import DomainError


@admin.register(Offering)
class OfferingAdmin(AuditedModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "coverage",
        "response_hours",
        "onsite_hours",
        "onsite_next_business_day",
        "resolution_hours",
        "duration_months",
        "list_price_eur",
        "tier_to_sell",
        "tier_to_deliver",
        "is_active",
    ]
    list_filter = ["kind", "coverage", "is_active", "tier_to_sell", "tier_to_deliver"]
    list_select_related = ["tier_to_sell", "tier_to_deliver"]
    search_fields = ["code", "name", "name_en"]
    filter_horizontal = ["product_lines"]


class SiteInline(ReadOnlyInline):
    model = Site
    fields = ("name", "address", "postal_code", "city", "region", "timezone")
    readonly_fields = fields
    show_change_link = False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """Created with its sites in the portal or the API (``customer_create_with_sites``)."""

    list_display = ["name", "partner", "siren"]
    list_select_related = ["partner"]
    search_fields = ["name", "partner__name", "siren"]
    inlines = [SiteInline]


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    """Registered in the portal or the API (``asset_create``); HP arbitrates the held ones
    here or on « Équipements à vérifier »."""

    list_display = [
        "serial_number",
        "vendor",
        "product_line",
        "customer",
        "site",
        "registration",
        "registration_decided_at",
    ]
    list_filter = ["registration", "vendor", "product_line"]
    list_select_related = ["product_line", "customer", "site"]
    search_fields = ["serial_number", "customer__name", "customer__partner__name"]
    actions = ["assign_claims", "reject_claims"]

    def has_arbitrate_permission(self, request: HttpRequest) -> bool:
        return is_programme_manager(request.user)

    def _decide(self, request: HttpRequest, queryset: QuerySet[Asset], decide: Any) -> None:
        decided = 0
        for asset in queryset.select_related("customer__partner"):
            if asset.registration != AssetRegistration.HELD:
                continue
            try:
                decide(asset=asset, actor=request.user)
            except DomainError as error:  # decided meanwhile
                self.message_user(request, f"{asset}: {error.message}", level=messages.ERROR)
            else:
                decided += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d enregistrement tranché ; les partenaires sont notifiés.",
                "%(n)d enregistrements tranchés ; les partenaires sont notifiés.",
                decided,
            )
            % {"n": decided},
        )

    @admin.action(
        description=_("Attribuer l'équipement au demandeur (enregistrements en attente)"),
        permissions=["arbitrate"],
    )
    def assign_claims(self, request: HttpRequest, queryset: QuerySet[Asset]) -> None:
        self._decide(request, queryset, asset_claim_assign)

    @admin.action(
        description=_("Refuser la demande (enregistrements en attente)"),
        permissions=["arbitrate"],
    )
    def reject_claims(self, request: HttpRequest, queryset: QuerySet[Asset]) -> None:
        self._decide(request, queryset, asset_claim_reject)


class ContractAssetInline(ReadOnlyInline):
    model = ContractAsset
    fields = ("asset", "kind", "starts_on", "ends_on", "is_active")
    readonly_fields = fields
    show_change_link = False


class CreditEntryInline(ReadOnlyInline):
    model = CreditEntry
    fields = ("at", "kind", "credits", "balance_after", "actor", "reference")
    readonly_fields = fields
    show_change_link = False


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    """Selling, cancelling and renewing go through the audited services."""

    list_display = [
        "number",
        "partner",
        "customer",
        "offering",
        "status",
        "starts_on",
        "ends_on",
        "price_eur",
        "delivery_mode",
    ]
    list_filter = ["status", "delivery_mode", "offering__kind"]
    list_select_related = ["partner", "customer", "offering"]
    search_fields = ["number", "partner__name", "customer__name"]
    date_hierarchy = "ends_on"
    inlines = [ContractAssetInline, CreditEntryInline]
