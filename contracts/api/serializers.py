"""Representations of the catalogue side in the v1 API (field names are the contract: ``API.md``).

Decisions documented here and in the schema:

* ``offerings/``: ``name`` follows the request's language; ``product_lines`` are codes;
  ``tier_to_sell`` / ``tier_to_deliver`` are tier codes (their names beside them);
  ``may_sell`` / ``may_deliver`` answer for the calling partner's tier, ``null`` for HP staff.
* ``assets/``: ``product_line`` is a code in and out; ``coverage`` lists the coverage in
  force today. Serial numbers are stored upper-case.
* ``contracts/``: ``offering`` is accepted as an id or a code; ``partner``, ``customer``,
  ``offering``, ``assets`` and ``renewed_from`` are ids on output.
* Ids of another partner's customer, site or assets inside a body answer 404 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail

from contracts.models import (
    Asset,
    AssetRegistration,
    Contract,
    ContractAsset,
    CreditEntry,
    Customer,
    DeliveryMode,
    Offering,
    Site,
)
from contracts.selectors import Entitlement
from partners.api.serializers import IdOrCodeRelatedField
from partners.models import Partner, ProductLine, Tier
from servicone.api.ids import ApiIdField
from servicone.api.tenancy import ScopedPrimaryKeyRelatedField, scope_queryset


def _money() -> serializers.DecimalField:
    """An amount in euros, read only (the width of the models' price columns)."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)


class ScopedIdListField(serializers.ListField):
    """A list of ids looked up inside the caller's tenant, in one query.

    Any id the caller cannot see (another partner's, or no such row) answers 404
    naming the field, like ``ScopedPrimaryKeyRelatedField`` for a single id.
    Duplicates are dropped; the order given is kept.
    """

    def __init__(self, *, queryset: Any, tenant_field: str, **kwargs: Any) -> None:
        self.queryset = queryset
        self.tenant_field = tenant_field
        super().__init__(child=ApiIdField(), **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        ids = list(dict.fromkeys(super().to_internal_value(data)))
        if not ids:
            return []
        request = self.context.get("request")
        visible: dict[int, Any] = {}
        if request is not None:
            scoped = scope_queryset(self.queryset.all(), request.user, self.tenant_field)
            visible = scoped.in_bulk(ids)
        missing = [pk for pk in ids if pk not in visible]
        if missing:
            raise exceptions.NotFound(
                {
                    self.field_name or "": [
                        ErrorDetail(
                            f"No such object: {', '.join(map(str, missing))}", code="not_found"
                        )
                    ]
                }
            )
        return [visible[pk] for pk in ids]

    def to_representation(self, data: Any) -> list[int]:
        return [getattr(item, "pk", item) for item in data]


# --- Catalogue -------------------------------------------------------------------------------------


class OfferingSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    product_lines: serializers.SlugRelatedField[ProductLine] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    onsite_hours = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="On-site target in hours; null when on-site is next business day.",
    )
    list_price_eur = _money()
    tier_to_sell: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    tier_to_sell_name = serializers.CharField(source="tier_to_sell.display_name", read_only=True)
    tier_to_deliver: serializers.SlugRelatedField[Tier] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    tier_to_deliver_name = serializers.CharField(
        source="tier_to_deliver.display_name", read_only=True
    )
    may_sell = serializers.SerializerMethodField(
        help_text="Whether the calling partner's tier may sell it (null for HP staff)."
    )
    may_deliver = serializers.SerializerMethodField(
        help_text="Whether the calling partner's tier may deliver it (null for HP staff); "
        "otherwise CDS delivers what the partner sells."
    )

    class Meta:
        model = Offering
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "product_lines",
            "coverage",
            "response_hours",
            "onsite_hours",
            "onsite_next_business_day",
            "resolution_hours",
            "duration_months",
            "list_price_eur",
            "credits",
            "description",
            "tier_to_sell",
            "tier_to_sell_name",
            "tier_to_deliver",
            "tier_to_deliver_name",
            "may_sell",
            "may_deliver",
        ]
        read_only_fields = fields

    def _rank(self) -> int | None:
        # Set by the view: the caller's tier rank, -1 without a tier, None for HP staff.
        return self.context.get("partner_rank")

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_may_sell(self, offering: Offering) -> bool | None:
        rank = self._rank()
        return None if rank is None else rank >= offering.tier_to_sell.rank

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_may_deliver(self, offering: Offering) -> bool | None:
        rank = self._rank()
        return None if rank is None else rank >= offering.tier_to_deliver.rank


# --- Customers, sites, assets ------------------------------------------------------------------


class SiteSerializer(serializers.ModelSerializer):
    """A customer site; ``region`` and ``timezone`` are checked by the model's validators."""

    # Checked by the service once its spaces are dropped ("57 000" is 57000).
    postal_code = serializers.CharField(
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        help_text="A French postal code, metropolitan or overseas (57000, 97400, 98800…); "
        "spaces are dropped. Anything else: 400 `invalid_postal_code`.",
    )

    class Meta:
        model = Site
        fields = ["id", "name", "address", "postal_code", "city", "region", "timezone"]
        extra_kwargs = {
            "region": {
                "help_text": 'Public-holiday subdivision of France: "" (metropolitan), '
                '"57" Moselle, "6AE" Alsace, "974" La Réunion, …'
            },
            "timezone": {"help_text": "An IANA time zone name (default Europe/Paris)."},
        }


class CustomerSerializer(serializers.ModelSerializer):
    partner = ScopedPrimaryKeyRelatedField(
        queryset=Partner.objects.all(),
        tenant_field="pk",
        required=False,
        help_text="HP staff name the partner; a partner user's customers are its own.",
    )
    siren = serializers.RegexField(
        r"^\d{9}$",
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid": _("Le SIREN compte 9 chiffres.")},
    )
    sites = SiteSerializer(
        many=True, required=False, help_text="Sites created with the customer (all or nothing)."
    )
    assets_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "partner", "name", "siren", "sites", "assets_count", "created_at"]
        read_only_fields = ["created_at"]
        # Uniqueness of the name per partner is the service's rule (case-insensitive).
        validators: list[Any] = []


class CoverageSerializer(serializers.ModelSerializer):
    """A coverage in force: the contract and offering it comes from."""

    contract = serializers.IntegerField(source="contract_id", read_only=True)
    number = serializers.CharField(source="contract.number", read_only=True)
    offering = serializers.CharField(source="contract.offering.code", read_only=True)

    class Meta:
        model = ContractAsset
        fields = ["contract", "number", "offering", "kind", "starts_on", "ends_on"]


class AssetSerializer(serializers.ModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all(), tenant_field="partner")
    site = ScopedPrimaryKeyRelatedField(
        queryset=Site.objects.all(), tenant_field="customer__partner"
    )
    product_line = serializers.SlugRelatedField(
        slug_field="code", queryset=ProductLine.objects.all(), help_text="Product line code."
    )
    covered = serializers.SerializerMethodField(help_text="Under coverage in force today.")
    coverage = serializers.SerializerMethodField(help_text="The coverages in force today.")
    registration = serializers.ChoiceField(
        choices=AssetRegistration.choices,
        read_only=True,
        help_text="confirmed: usable. held: the serial number is being checked by HP before "
        "it may be covered (no coverage, no ticket until then). rejected: not retained by HP.",
    )

    class Meta:
        model = Asset
        fields = [
            "id",
            "serial_number",
            "vendor",
            "product_line",
            "model",
            "customer",
            "site",
            "covered",
            "coverage",
            "registration",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {
            "serial_number": {
                "help_text": "As on the label: spaces are dropped and letters upper-cased "
                "(`czj 999 0001` is stored `CZJ9990001`). 3 to 40 characters: letters and "
                "digits for HP; other vendors' may also hold `-` `/` `.` between them "
                "(else 400 `invalid_serial`)."
            }
        }
        # Serial numbers are the service's rule: a serial another partner holds is held
        # for HP's arbitration, and no answer ever says whose it is.
        validators: list[Any] = []

    @staticmethod
    def _coverage(asset: Asset) -> list[ContractAsset]:
        # Prefetched by the view (``coverage_in_force``); a new asset has none.
        return list(getattr(asset, "coverage_in_force", []))

    @extend_schema_field(serializers.BooleanField())
    def get_covered(self, asset: Asset) -> bool:
        return bool(self._coverage(asset))

    @extend_schema_field(CoverageSerializer(many=True))
    def get_coverage(self, asset: Asset) -> list[dict[str, Any]]:
        return list(CoverageSerializer(self._coverage(asset), many=True).data)


# --- Serial numbers claimed by two partners (HP programme managers) -------------------------------


class IdNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ClaimRegistrationSerializer(serializers.Serializer):
    """One registration of the serial number: whose, where, since when."""

    id = serializers.IntegerField(read_only=True)
    partner = IdNameSerializer(source="customer.partner", read_only=True)
    customer = IdNameSerializer(read_only=True)
    site = serializers.CharField(source="site.name", read_only=True)
    registered_at = serializers.DateTimeField(source="created_at", read_only=True)
    registration = serializers.CharField(read_only=True)


class HolderSerializer(ClaimRegistrationSerializer):
    contracts_in_force = serializers.SerializerMethodField(
        help_text="Numbers of the holder's contracts covering the asset today (they end if "
        "the claim is assigned)."
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_contracts_in_force(self, asset: Asset) -> list[str]:
        return [c.contract.number for c in getattr(asset, "in_force", [])]


class AssetClaimSerializer(ClaimRegistrationSerializer):
    """A registration held for HP's decision, with the confirmed one it competes with."""

    serial_number = serializers.CharField(read_only=True)
    vendor = serializers.CharField(read_only=True)
    product_line = serializers.CharField(source="product_line.code", read_only=True)
    holders = serializers.SerializerMethodField()

    @extend_schema_field(HolderSerializer(many=True))
    def get_holders(self, asset: Asset) -> list[dict[str, Any]]:
        holders = self.context.get("holders", {}).get(asset.pk, [])
        return list(HolderSerializer(holders, many=True).data)


class ClaimDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Kept in the audit trail; never sent to the partners.",
    )


# --- Entitlements ------------------------------------------------------------------------------------


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class EntitlementSerializer(serializers.Serializer):
    """Coverage in force on an asset, with the service level it gives."""

    contract = serializers.IntegerField(source="contract_id")
    contract_number = serializers.CharField(source="contract.number")
    offering = serializers.IntegerField(source="contract.offering_id")
    offering_code = serializers.CharField(source="contract.offering.code")
    offering_name = serializers.CharField(source="contract.offering.display_name")
    kind = serializers.CharField()
    coverage = serializers.CharField(source="contract.offering.coverage")
    response_hours = serializers.IntegerField(source="contract.offering.response_hours")
    onsite_hours = serializers.IntegerField(
        source="contract.offering.onsite_hours", allow_null=True
    )
    onsite_next_business_day = serializers.BooleanField(
        source="contract.offering.onsite_next_business_day"
    )
    resolution_hours = serializers.IntegerField(
        source="contract.offering.resolution_hours", allow_null=True
    )
    delivery_mode = serializers.CharField(source="contract.delivery_mode")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    asset = serializers.IntegerField(source="asset_id")
    serial_number = serializers.CharField(source="asset.serial_number")
    vendor = serializers.CharField(source="asset.vendor")
    product_line = serializers.CharField(source="asset.product_line.code")
    customer = CustomerRefSerializer(source="contract.customer")
    site = SiteSerializer(source="asset.site")


def entitlement_data(row: Entitlement) -> dict[str, Any]:
    """``EntitlementSerializer``'s representation of a flat row, built directly.

    The serial look-up is the API's hot path: DRF's field-by-field machinery cost more
    than the query. ``EntitlementSerializer`` still documents the shape (the schema) and
    ``tests/contracts/test_api.py`` checks that both give the same JSON.
    """
    return {
        "contract": row.contract_id,
        "contract_number": row.contract_number,
        "offering": row.offering_id,
        "offering_code": row.offering_code,
        "offering_name": row.offering_name,
        "kind": row.kind,
        "coverage": row.coverage,
        "response_hours": row.response_hours,
        "onsite_hours": row.onsite_hours,
        "onsite_next_business_day": row.onsite_next_business_day,
        "resolution_hours": row.resolution_hours,
        "delivery_mode": row.delivery_mode,
        "starts_on": row.starts_on.isoformat(),
        "ends_on": row.ends_on.isoformat(),
        "asset": row.asset_id,
        "serial_number": row.serial_number,
        "vendor": row.vendor,
        "product_line": row.product_line,
        "customer": {"id": row.customer_id, "name": row.customer_name},
        "site": {
            "id": row.site_id,
            "name": row.site_name,
            "address": row.site_address,
            "postal_code": row.site_postal_code,
            "city": row.site_city,
            "region": row.site_region,
            "timezone": row.site_timezone,
        },
    }


# --- Contracts --------------------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    offering_code = serializers.CharField(source="offering.code", read_only=True)
    offering_name = serializers.CharField(source="offering.display_name", read_only=True)
    kind = serializers.CharField(source="offering.kind", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assets: serializers.PrimaryKeyRelatedField[Asset] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    price_eur = _money()

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "partner",
            "status",
            "customer",
            "customer_name",
            "offering",
            "offering_code",
            "offering_name",
            "kind",
            "assets",
            "starts_on",
            "ends_on",
            "price_eur",
            "delivery_mode",
            "delivery_reason",
            "booked_on",
            "credits_balance",
            "renewed_from",
            "cancelled_at",
            "created_at",
        ]
        read_only_fields = fields


class ContractSellSerializer(serializers.Serializer):
    """A sale (or a quote): checked against the partner's tier at this moment."""

    offering = IdOrCodeRelatedField(
        queryset=Offering.objects.active().select_related("tier_to_sell", "tier_to_deliver"),
        help_text="Offering id or code (e.g. CP-PL-4H-24X7).",
    )
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all(), tenant_field="partner")
    assets = ScopedIdListField(
        queryset=Asset.objects.all(),
        tenant_field="customer__partner",
        required=False,
        default=list,
        help_text="Ids of the customer's assets to cover (none for Proactive Select credits).",
    )
    starts_on = serializers.DateField(
        required=False, help_text="First covered day; today when omitted. Never in the past."
    )
    delivery_mode = serializers.ChoiceField(
        choices=DeliveryMode.choices,
        required=False,
        allow_null=True,
        help_text="The partner's choice where its tier may deliver the offering; "
        "otherwise CDS (and asking for another mode is 400 delivery_mode_not_allowed).",
    )
    quote = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Create a quote (no coverage, no revenue) to activate later.",
    )

    def to_representation(self, instance: Contract) -> dict[str, Any]:
        return ContractSerializer(instance, context=self.context).data


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the contract is cancelled.")


class CreditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditEntry
        fields = ["id", "at", "kind", "credits", "balance_after", "reference"]


class ConsumeSerializer(serializers.Serializer):
    credits = serializers.IntegerField(min_value=1)
    reference = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="The preventive service delivered (e.g. a ticket number).",
    )
