from django.contrib import admin

from partners.models import Membership, Partner


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "siren", "city", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "siren", "city"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "partner__name"]
    autocomplete_fields = ["user", "partner"]
