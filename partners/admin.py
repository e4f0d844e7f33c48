"""Admin for HP programme managers: the programme (tiers, requirements, courses) is data."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from partners.models import (
    Accreditation,
    Certification,
    Course,
    Engineer,
    Membership,
    Partner,
    ProductLine,
    Tier,
    TierPeriod,
    TierRequirement,
)
from partners.services import partner_set_declared_revenue
from servicone.errors import DomainError
from servicone.models import AuditEvent, Notification


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class TierPeriodInline(admin.TabularInline):
    """The partner's tier history, as the tier decisions wrote it: read-only."""

    model = TierPeriod
    extra = 0
    can_delete = False
    fields = ("tier", "started_on", "ended_on")
    readonly_fields = fields
    ordering = ("-started_on",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TierRequirementInline(admin.TabularInline):
    model = TierRequirement
    fk_name = "tier"
    extra = 0
    autocomplete_fields = ["course"]


@admin.register(ProductLine)
class ProductLineAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "is_hp", "is_complex"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["rank", "code", "name", "name_en", "requires_approval"]
    ordering = ["rank"]
    inlines = [TierRequirementInline]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "product_line", "validity_months", "is_advanced"]
    list_filter = ["product_line", "is_advanced"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "siren",
        "city",
        "tier",
        "grace_until",
        "declared_revenue_12m_eur",
        "is_active",
    ]
    list_filter = ["tier", "is_active", "legacy_programme"]
    list_select_related = ["tier"]
    search_fields = ["name", "siren", "city"]
    # The tier moves only through the evaluation and accreditations, never by hand.
    readonly_fields = [
        "tier",
        "tier_since",
        "pending_tier",
        "grace_until",
        "evaluated_on",
        "created_at",
    ]
    inlines = [MembershipInline, TierPeriodInline]

    def save_model(self, request: Any, obj: Partner, form: Any, change: bool) -> None:
        # The declared revenue goes through the audited service; the rest saves normally.
        amount = form.cleaned_data.get("declared_revenue_12m_eur")
        if change and "declared_revenue_12m_eur" in form.changed_data:
            original = Partner.objects.get(pk=obj.pk).declared_revenue_12m_eur
            obj.declared_revenue_12m_eur = original
            super().save_model(request, obj, form, change)
            try:
                partner_set_declared_revenue(partner=obj, amount_eur=amount, actor=request.user)
            except DomainError as error:
                self.message_user(request, str(error.message), level=messages.ERROR)
            return
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "partner__name"]
    autocomplete_fields = ["user", "partner"]


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0
    readonly_fields = ["expires_on"]


@admin.register(Engineer)
class EngineerAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "email", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["partner"]
    search_fields = ["name", "email", "partner__name"]
    autocomplete_fields = ["partner", "user"]
    inlines = [CertificationInline]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["engineer", "course", "passed_on", "expires_on"]
    list_filter = ["course"]
    list_select_related = ["engineer", "course"]
    search_fields = ["engineer__name", "engineer__partner__name"]
    date_hierarchy = "expires_on"


@admin.register(Accreditation)
class AccreditationAdmin(admin.ModelAdmin):
    """Read-only here: decisions go through the approval queue, which audits them."""

    list_display = [
        "partner",
        "tier",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "valid_until",
    ]
    list_filter = ["status", "tier"]
    list_select_related = ["partner", "tier", "decided_by"]
    search_fields = ["partner__name"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "action", "partner", "actor", "object_type", "object_id"]
    list_filter = ["action"]
    list_select_related = ["partner", "actor"]
    search_fields = ["partner__name", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "read_at", "email_sent_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__username"]


admin.site.index_title = _("Programme ServiceOne")
