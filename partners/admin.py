"""Admin for HP programme managers. One rule per model, every write audited:

* **Programme data** (product lines, tiers with their requirements, courses; the catalogue's
  offerings in ``contracts.admin``) has no page of its own: it is edited here, and each
  add, change and delete writes an audit row naming the fields (``AuditedModelAdmin``).
  So are the logins (Django's users), with usernames unique whatever their case.
* **Records with services** (partners, engineers, certifications, members' roles) are
  written through those services (``ServiceModelAdmin``): the same rules, audit rows and
  tier re-evaluations as the portal and the API, and the services' refusals shown on the
  form. What no service writes is read-only here.
* **Decisions and history** (accreditations, tier periods, the audit trail, notifications)
  are read-only: they are written by the workflows that own them. So are API keys, which
  the admin may only revoke.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners import services
from partners.models import (
    Accreditation,
    Certification,
    Course,
    DeliveryPolicy,
    Engineer,
    EngineerAvailability,
    Membership,
    Partner,
    ProductLine,
    Tier,
    TierPeriod,
    TierRequirement,
)
from servicone import apikeys
from servicone.audit import audit
from servicone.errors import DomainError
from servicone.forms import add_domain_error
from servicone.models import ApiKey, AuditEvent, Notification, NotificationPreference

# Never copied into an audit row, whatever form shows them.
SECRET_FIELDS = frozenset({"password", "password1", "password2"})


def _shown(value: Any) -> Any:
    """A form value as the audit trail keeps it: JSON, short."""
    if isinstance(value, QuerySet | list | tuple | set):
        return [str(item)[:200] for item in value]
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)[:200]


def _changes(form: forms.BaseForm) -> dict[str, Any]:
    return {
        field: "***" if field in SECRET_FIELDS else _shown(form.cleaned_data.get(field))
        for field in form.changed_data
    }


def _audit_admin(
    request: HttpRequest, verb: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> None:
    partner = getattr(obj, "partner", None)
    audit(
        action=f"admin.{verb}",
        actor=request.user,
        partner=partner if isinstance(partner, Partner) else None,
        obj=obj,
        model=obj._meta.label_lower,
        object=str(obj)[:200],
        changes=changes or {},
    )


class ReadOnlyInline(admin.TabularInline):
    """Shown for context; written elsewhere."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Consulted here, written by the workflow that owns it."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Edited here: every add, change and delete (inlines too) leaves an audit row."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _audit_admin(request, "change" if change else "add", obj, _changes(form))

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            _audit_admin(request, "add", obj)
        for obj, fields in formset.changed_objects:
            _audit_admin(request, "change", obj, {f: _shown(getattr(obj, f, "")) for f in fields})
        for obj in formset.deleted_objects:
            # Deleted: the row keeps what it was, not its (gone) id.
            audit(
                action="admin.delete",
                actor=request.user,
                partner=None,
                model=obj._meta.label_lower,
                object=str(obj)[:200],
            )

    def delete_model(self, request: Any, obj: Any) -> None:
        _audit_admin(request, "delete", obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            _audit_admin(request, "delete", obj)
        super().delete_queryset(request, queryset)


class ServiceModelAdmin(admin.ModelAdmin):
    """Writes through a service, ``write(request, original, data)`` (``original`` is
    ``None`` when adding; ``data`` the form's cleaned data), which returns the saved row.

    The form first runs the service in a savepoint rolled back at once (its audit rows and
    queued tasks go with it), so that a refusal shows on the form like any other error;
    saving runs it for real.
    """

    write: Callable[..., models.Model]

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(base):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                cleaned: dict[str, Any] = super().clean()
                if not self.errors:
                    try:
                        with transaction.atomic():
                            model_admin.write(request, model_admin.original(obj), cleaned)
                            transaction.set_rollback(True)
                    except DomainError as error:
                        add_domain_error(self, error)
                return cleaned

        return ServiceForm

    def original(self, obj: Any) -> Any:
        return None if obj is None else type(obj)._default_manager.get(pk=obj.pk)

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        saved = self.write(request, self.original(obj) if change else None, form.cleaned_data)
        # The admin goes on with this instance (its history entry, the redirect).
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting bypasses the services unless a subclass writes ``delete_model`` with one.
        return False

    def delete_queryset(self, request: Any, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


# --- Programme data ---------------------------------------------------------------------------


class TierRequirementInline(admin.TabularInline):
    model = TierRequirement
    fk_name = "tier"
    extra = 0
    autocomplete_fields = ["course"]


@admin.register(ProductLine)
class ProductLineAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "name_en", "is_hp", "is_complex"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Tier)
class TierAdmin(AuditedModelAdmin):
    list_display = ["rank", "code", "name", "name_en", "requires_approval"]
    ordering = ["rank"]
    inlines = [TierRequirementInline]


@admin.register(Course)
class CourseAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "product_line", "validity_months", "is_advanced"]
    list_filter = ["product_line", "is_advanced"]
    search_fields = ["code", "name", "name_en"]


# --- Partners and their people (through the services) ---------------------------------------

PARTNER_FIELDS = ("name", "siren", "city", "is_active", "legacy_programme")


class MembershipInline(ReadOnlyInline):
    """Users are created by the partner's admin (portal, API) or HP (API); roles below."""

    model = Membership
    fields = ("user", "role", "created_at")
    readonly_fields = fields


class TierPeriodInline(ReadOnlyInline):
    """The partner's tier history, as the tier decisions wrote it."""

    model = TierPeriod
    fields = ("tier", "started_on", "ended_on")
    readonly_fields = fields
    ordering = ("-started_on",)
    show_change_link = False


@admin.register(Partner)
class PartnerAdmin(ServiceModelAdmin):
    """``partner_create`` / ``partner_update`` (the declared revenue audited on its own)."""

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
    fields = [*PARTNER_FIELDS, "declared_revenue_12m_eur", *readonly_fields]
    inlines = [MembershipInline, TierPeriodInline]

    def write(self, request: Any, original: Partner | None, data: dict[str, Any]) -> Partner:
        given = {field: data[field] for field in PARTNER_FIELDS if field in data}
        revenue = data.get("declared_revenue_12m_eur")
        if original is None:
            return services.partner_create(
                actor=request.user, declared_revenue_12m_eur=revenue, **given
            )
        return services.partner_update(
            partner=original, actor=request.user, declared_revenue_12m_eur=revenue, **given
        )


@admin.register(Membership)
class MembershipAdmin(ServiceModelAdmin):
    """A user's role at its partner (``membership_set_role``); users are created elsewhere."""

    list_display = ["user", "partner", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "partner"]
    search_fields = ["user__username", "partner__name"]
    fields = ["user", "partner", "role"]
    readonly_fields = ["user", "partner"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def write(self, request: Any, original: Membership | None, data: dict[str, Any]) -> Membership:
        assert original is not None  # no adding here
        return services.membership_set_role(
            membership=original, role=data["role"], actor=request.user
        )


class CertificationInline(ReadOnlyInline):
    """The engineer's certifications; recorded through « Certifications » (the service
    computes the expiry date and re-evaluates the tier)."""

    model = Certification
    fields = ("course", "passed_on", "expires_on")
    readonly_fields = fields


class AvailabilityInline(ReadOnlyInline):
    """The engineer's absences and on-call periods; recorded on the team page."""

    model = EngineerAvailability
    fields = ("kind", "starts_at", "ends_at", "note")
    readonly_fields = fields


@admin.register(DeliveryPolicy)
class DeliveryPolicyAdmin(ReadOnlyAdmin):
    """Versions are written by the partner's admins (page or API), never edited."""

    list_display = [
        "partner",
        "effective_from",
        "staffed_coverage",
        "hand_back_at_opening",
        "max_open_tickets_per_engineer",
        "created_at",
    ]
    list_filter = ["staffed_coverage", "hand_back_at_opening"]
    list_select_related = ["partner"]
    search_fields = ["partner__name"]
    date_hierarchy = "effective_from"


@admin.register(Engineer)
class EngineerAdmin(ServiceModelAdmin):
    """``engineer_create`` / ``engineer_update``."""

    list_display = ["name", "partner", "email", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["partner"]
    search_fields = ["name", "email", "partner__name"]
    autocomplete_fields = ["partner", "user"]
    inlines = [CertificationInline, AvailabilityInline]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        # The home département is set on the team page (audited there).
        return ["partner", "home_department"] if obj is not None else ["home_department"]

    def write(self, request: Any, original: Engineer | None, data: dict[str, Any]) -> Engineer:
        if original is None:
            engineer = services.engineer_create(
                partner=data["partner"],
                name=data["name"],
                email=data.get("email", ""),
                actor=request.user,
            )
            if data.get("is_active") is False or data.get("user") is not None:
                engineer = services.engineer_update(
                    engineer=engineer,
                    actor=request.user,
                    is_active=data.get("is_active"),
                    user=data.get("user"),
                )
            return engineer
        return services.engineer_update(
            engineer=original,
            actor=request.user,
            name=data["name"],
            email=data.get("email", ""),
            is_active=data.get("is_active"),
            user=data.get("user"),
            clear_user=data.get("user") is None,
        )


@admin.register(Certification)
class CertificationAdmin(ServiceModelAdmin):
    """Recorded with ``certification_create`` (expiry computed, audited, tier re-evaluated);
    a certification entered by mistake is deleted with ``certification_delete``."""

    list_display = ["engineer", "course", "passed_on", "expires_on"]
    list_filter = ["course"]
    list_select_related = ["engineer", "course"]
    search_fields = ["engineer__name", "engineer__partner__name"]
    date_hierarchy = "expires_on"
    autocomplete_fields = ["engineer", "course"]
    fields = ["engineer", "course", "passed_on", "expires_on"]
    readonly_fields = ["expires_on"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_delete_permission(self, request, obj)

    def write(
        self, request: Any, original: Certification | None, data: dict[str, Any]
    ) -> Certification:
        return services.certification_create(
            engineer=data["engineer"],
            course=data["course"],
            passed_on=data["passed_on"],
            actor=request.user,
        )

    def delete_model(self, request: Any, obj: Certification) -> None:
        services.certification_delete(certification=obj, actor=request.user)


# --- Decisions and history (read-only) ---------------------------------------------------------


@admin.register(Accreditation)
class AccreditationAdmin(ReadOnlyAdmin):
    """Decisions go through the approval queue, which audits them."""

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


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "partner", "actor", "object_type", "object_id"]
    list_filter = ["action"]
    list_select_related = ["partner", "actor"]
    search_fields = ["partner__name", "action"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Written by the services that notify, sent by the outbox."""

    list_display = ["created_at", "recipient", "kind", "subject", "read_at", "email_sent_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__username"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Each person chooses on « Envoi des notifications »: consulted here (who gets digests)."""

    list_display = ["user", "email_frequency", "updated_at"]
    list_filter = ["email_frequency"]
    list_select_related = ["user"]
    search_fields = ["user__username"]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    """Created by partner admins and programme managers in the portal (the key is shown there
    once); read-only here, with one action: revoke (through the service: audited)."""

    list_display = [
        "name",
        "partner",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["partner", "created_by"]
    search_fields = ["name", "prefix", "partner__name"]
    exclude = ["key_hash"]  # a hash only, but nobody needs to see it
    actions = ["revoke"]

    @admin.action(description=_("Révoquer les clés choisies"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            try:
                apikeys.api_key_revoke(key=key, actor=request.user)
            except DomainError as error:
                self.message_user(request, str(error.message), level=messages.ERROR)
                return
            revoked += 1
        self.message_user(
            request,
            ngettext("%(n)s clé révoquée.", "%(n)s clés révoquées.", revoked) % {"n": revoked},
        )


# --- Logins ------------------------------------------------------------------------------------


class _UsernameIgnoringCase:
    """Refuses a username another login has in any case, without saying whose."""

    instance: Any
    cleaned_data: dict[str, Any]

    def clean_username(self) -> str:
        username: str = self.cleaned_data.get("username") or ""
        except_id = self.instance.pk if self.instance and self.instance.pk else None
        if username and services.username_taken(username, except_user_id=except_id):
            raise forms.ValidationError(services.USERNAME_UNAVAILABLE, code="unique")
        return username


class PortalUserCreationForm(_UsernameIgnoringCase, AdminUserCreationForm):
    pass


class PortalUserChangeForm(_UsernameIgnoringCase, UserChangeForm):
    pass


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(AuditedModelAdmin, UserAdmin):
    """Django's user admin, audited (never a password), usernames unique whatever the case."""

    form = PortalUserChangeForm
    add_form = PortalUserCreationForm


admin.site.index_title = _("Programme ServiceOne")
