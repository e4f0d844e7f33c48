"""Admin: programme managers edit the catalogue; sales data is read here, written in the portal."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from contracts.models import Asset, Contract, ContractAsset, CreditEntry, Customer, Offering, Site


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
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


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "siren"]
    list_select_related = ["partner"]
    search_fields = ["name", "partner__name", "siren"]
    autocomplete_fields = ["partner"]
    inlines = [SiteInline]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "vendor", "product_line", "customer", "site"]
    list_filter = ["vendor", "product_line"]
    list_select_related = ["product_line", "customer", "site"]
    search_fields = ["serial_number", "customer__name"]
    raw_id_fields = ["customer", "site"]


class ContractAssetInline(admin.TabularInline):
    model = ContractAsset
    extra = 0
    raw_id_fields = ["asset"]
    readonly_fields = ["kind", "starts_on", "ends_on", "is_active"]


class CreditEntryInline(admin.TabularInline):
    model = CreditEntry
    extra = 0
    readonly_fields = ["at", "kind", "credits", "balance_after", "actor", "reference"]
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    """Read-only: selling, cancelling and renewing go through the audited services."""

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

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
