"""Demo data for ``make run``: one login per role, then each capability's data.

Idempotent: everything is looked up by a natural key before being created, so
running ``seed_demo`` twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from django.db.models import F, Max

from contracts.demo import seed_contracts_demo
from partners.demo import seed_programme_demo
from partners.models import Membership, Partner
from partners.staff import ensure_staff_groups
from servicone.access import PartnerRole, StaffRole
from servicone.models import Notification
from tickets.demo import seed_tickets_demo

DEMO_PASSWORD = "ServiceOne-2026"  # noqa: S105 - demo logins, printed by make run


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str


DEMO_PARTNER = {"name": "Ovesys", "siren": "412345670", "city": "Lyon"}
# Demo databases seeded before the SIREN got its valid Luhn key hold this one.
_OLD_DEMO_SIREN = "412345678"
# Ovesys piloted Proactive Select: a former PSP member, well over the Sell threshold.
# Its engineers and certifications (Deliver, one CI-MASE engineer short of Expert) are
# seeded by partners.demo.
DEMO_PARTNER_PROGRAMME = {
    "legacy_programme": "psp",
    "declared_revenue_12m_eur": Decimal("86400.00"),
}

DEMO_LOGINS = (
    DemoLogin("ovesys.admin", "partner admin", "administrateur du partenaire Ovesys"),
    DemoLogin("ovesys.sales", "partner sales", "commercial Ovesys"),
    DemoLogin("ovesys.engineer", "partner engineer", "ingénieur Ovesys"),
    DemoLogin("hp.programme", "HP programme manager", "responsable programme HP"),
    DemoLogin("cds.dispatch", "CDS dispatcher", "répartiteur CDS"),
    DemoLogin("cds.engineer", "CDS engineer", "ingénieur CDS"),
    DemoLogin("admin", "superuser", "administrateur technique (admin Django)"),
)


def _user(
    username: str, *, first: str, last: str, staff: bool = False, superuser: bool = False
) -> AbstractUser:
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.servicone.local",
            "is_staff": staff or superuser,
            "is_superuser": superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_logins() -> Partner:
    ensure_staff_groups()
    Partner.objects.filter(siren=_OLD_DEMO_SIREN).update(siren=DEMO_PARTNER["siren"])
    partner, _ = Partner.objects.get_or_create(
        siren=DEMO_PARTNER["siren"],
        defaults={"name": DEMO_PARTNER["name"], "city": DEMO_PARTNER["city"]},
    )
    # Fill in the programme data of an Ovesys seeded before it existed; never overwrite it.
    if Partner.objects.filter(
        pk=partner.pk, legacy_programme="", declared_revenue_12m_eur=0
    ).update(**DEMO_PARTNER_PROGRAMME):
        partner.refresh_from_db()
    for username, first, last, role in (
        ("ovesys.admin", "Claire", "Martin", PartnerRole.ADMIN),
        ("ovesys.sales", "Julien", "Bernard", PartnerRole.SALES),
        ("ovesys.engineer", "Sophie", "Petit", PartnerRole.ENGINEER),
    ):
        user = _user(username, first=first, last=last)
        Membership.objects.get_or_create(user=user, defaults={"partner": partner, "role": role})
    for username, first, last, staff_role in (
        ("hp.programme", "Jean-Paul", "Alibert", StaffRole.PROGRAMME_MANAGER),
        ("cds.dispatch", "Nadia", "Roux", StaffRole.CDS_DISPATCHER),
        ("cds.engineer", "Marc", "Lefebvre", StaffRole.CDS_ENGINEER),
    ):
        user = _user(username, first=first, last=last, staff=True)
        user.groups.add(Group.objects.get(name=staff_role.value))
    _user("admin", first="Admin", last="ServiceOne", superuser=True)
    return partner


def seed_all() -> None:
    # Notifications written while seeding tell of the demo's past (tiers granted, this
    # week's calls handed to CDS…): shown in the portal, never e-mailed at first start.
    last_before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    _seed_everything()
    Notification.objects.filter(pk__gt=last_before, email_sent_at__isnull=True).update(
        email_sent_at=F("created_at")
    )


def _seed_everything() -> None:
    ovesys = seed_logins()
    seed_programme_demo(
        ovesys=ovesys,
        programme_manager=get_user_model().objects.get(username="hp.programme"),
    )
    # Sales need tiers (set by the programme demo); tickets need contracts.
    seed_contracts_demo()
    seed_tickets_demo()
