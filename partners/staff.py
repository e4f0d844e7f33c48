"""HP staff groups and what each may change in the admin.

Called after every ``migrate`` (see ``PartnersConfig.ready``), idempotent: the
groups and their permissions are infrastructure, not demo data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from servicone.access import StaffRole

# App labels whose models a programme manager edits in the admin (tiers,
# thresholds, courses, catalogue; login lock-outs to see and reset: "axes"; webhook
# endpoints to see and disable: "webhooks");
# CDS roles work in the portal, not the admin.
PROGRAMME_MANAGER_APPS = ("partners", "contracts", "servicone", "axes", "webhooks")


def ensure_staff_groups(**_: Any) -> None:
    for role in StaffRole:
        Group.objects.get_or_create(name=role.value)
    manager = Group.objects.get(name=StaffRole.PROGRAMME_MANAGER.value)
    perms = Permission.objects.filter(content_type__app_label__in=PROGRAMME_MANAGER_APPS)
    manager.permissions.add(*perms)
