from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from partners.models import Membership, Partner
from partners.roles import PartnerRole

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
