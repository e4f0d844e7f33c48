from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from partners.models import Membership, Partner
from servicone.access import PartnerRole

PASSWORD = "correct-horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Durand{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partenaire {n}")
    siren = factory.Sequence(lambda n: f"{500000000 + n:09d}")
    city = "Paris"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = PartnerRole.ADMIN


def partner_user(partner: Partner | None = None, role: str = PartnerRole.ADMIN, **user_kwargs):
    """A user who belongs to ``partner`` (a new one when None) with ``role``."""
    membership = MembershipFactory(
        partner=partner or PartnerFactory(), role=role, user=UserFactory(**user_kwargs)
    )
    return membership.user


def staff_user(role: str, **user_kwargs):
    user = UserFactory(is_staff=True, **user_kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


# --- Programme ----------------------------------------------------------------------

from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

from partners.models import Accreditation, Certification, Course, Engineer, Tier  # noqa: E402


class EngineerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engineer

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Ingénieur {n}")
    email = factory.Sequence(lambda n: f"engineer{n}@example.test")


def certify(
    partner,
    course_code: str,
    engineers: int = 1,
    *,
    passed_on: date,
    expires_on: date | None = None,
):
    """``engineers`` new engineers of ``partner`` certified on ``course_code``."""
    from partners.services import certification_expiry

    course = Course.objects.get(code=course_code)
    made = []
    for _ in range(engineers):
        engineer = EngineerFactory(partner=partner)
        made.append(
            Certification.objects.create(
                engineer=engineer,
                course=course,
                passed_on=passed_on,
                expires_on=expires_on or certification_expiry(course, passed_on),
            )
        )
    return made


def make_deliver_ready(partner, *, on: date, revenue: Decimal = Decimal("12000.00")):
    """Data meeting Sell and Deliver of the default programme."""
    partner.declared_revenue_12m_eur = revenue
    partner.save(update_fields=["declared_revenue_12m_eur"])
    certify(partner, "PL-ASE", 2, passed_on=on)
    certify(partner, "NET-ATP", 1, passed_on=on)


def make_expert_ready(partner, *, on: date):
    """Data meeting every Expert criterion but HP approval."""
    make_deliver_ready(partner, on=on)
    certify(partner, "3PAR-MASE", 2, passed_on=on)
    certify(partner, "CI-MASE", 1, passed_on=on)


def set_tier(partner, code: str):
    partner.tier = Tier.objects.get(code=code)
    partner.save(update_fields=["tier"])
    return partner


def submitted_application(partner, by, tier_code: str = "expert") -> Accreditation:
    from partners.services import accreditation_create, accreditation_submit

    application = accreditation_create(
        partner=partner, tier=Tier.objects.get(code=tier_code), actor=by
    )
    return accreditation_submit(accreditation=application, actor=by)


def delivery_policy(
    partner,
    *,
    departments=("59", "62"),
    staffed_coverage: str = "9x5",
    hand_back_at_opening: bool = False,
    declined=(),
    max_open_tickets_per_engineer: int | None = None,
    effective_from: date = date(2026, 1, 1),
    created_at=None,
):
    """A version of ``partner``'s delivery policy, in force since ``effective_from`` (and
    created then, unless ``created_at`` says otherwise): ``declined`` names product lines."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from partners.models import DeliveryPolicy, ProductLine

    policy = DeliveryPolicy.objects.create(
        partner=partner,
        departments=list(departments),
        staffed_coverage=staffed_coverage,
        hand_back_at_opening=hand_back_at_opening,
        max_open_tickets_per_engineer=max_open_tickets_per_engineer,
        effective_from=effective_from,
        created_at=created_at
        or datetime.combine(effective_from, time(0, 0), tzinfo=ZoneInfo("Europe/Paris")),
    )
    policy.product_lines_declined.set(ProductLine.objects.filter(code__in=declined))
    return policy
