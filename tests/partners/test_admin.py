"""The programme's admin, as programme managers and technical administrators use it:
records with services are written through them (their rules, audit rows, tier
re-evaluations); programme data is edited and audited; history is read-only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model

from partners.models import Certification, Course, Engineer, Partner, Tier
from servicone.access import PartnerRole
from servicone.models import AuditEvent, Notification
from tests.partners.admin_client import admin_post
from tests.partners.factories import (
    EngineerFactory,
    PartnerFactory,
    UserFactory,
    certify,
    partner_user,
    set_tier,
)

User = get_user_model()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-26 10:00 +01:00", tick=False):
        yield


@pytest.fixture(params=["programme_manager", "superuser"])
def hp_admin(request, client, db):
    """A programme manager (the admin's users), or a technical administrator."""
    if request.param == "superuser":
        user = UserFactory(username="root", is_staff=True, is_superuser=True)
    else:
        user = request.getfixturevalue("programme_manager")
    client.force_login(user)
    client.user = user
    return client


def audited(action: str, **filters) -> AuditEvent:
    return AuditEvent.objects.get(action=action, **filters)


# --- Certifications: the inline 500, and the service --------------------------------------------


def test_the_engineer_inline_no_longer_crashes_and_adds_nothing_behind_the_service(
    hp_admin, partner
):
    """Issue 13, finding 8: the inline's read-only expiry date made an add a 500."""
    engineer = EngineerFactory(partner=partner)
    course = Course.objects.get(code="PL-ASE")
    hp_admin.raise_request_exception = False

    response = admin_post(
        hp_admin,
        f"/admin/partners/engineer/{engineer.pk}/change/",
        {
            "certifications-TOTAL_FORMS": "1",
            "certifications-0-course": course.pk,
            "certifications-0-passed_on": "2026-01-05",
        },
    )

    assert response.status_code == 302
    assert not Certification.objects.exists()


def test_a_certification_added_in_the_admin_goes_through_the_service(
    hp_admin, partner, django_capture_on_commit_callbacks
):
    set_tier(partner, "sell")
    partner.declared_revenue_12m_eur = Decimal("12000.00")
    partner.save(update_fields=["declared_revenue_12m_eur"])
    certify(partner, "PL-ASE", 1, passed_on=date(2026, 1, 5))
    certify(partner, "NET-ATP", 1, passed_on=date(2026, 1, 5))
    second = EngineerFactory(partner=partner, name="Deuxième ingénieur")
    course = Course.objects.get(code="PL-ASE")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_post(
            hp_admin,
            "/admin/partners/certification/add/",
            {"engineer": second.pk, "course": course.pk, "passed_on": "2026-02-10"},
        )

    assert response.status_code == 302
    certification = Certification.objects.get(engineer=second)
    assert certification.expires_on == date(2028, 2, 9)  # computed by the service
    event = audited("certification.create", object_id=certification.pk)
    assert (event.actor, event.partner) == (hp_admin.user, partner)
    partner.refresh_from_db()
    assert partner.tier.code == "deliver"  # the tier re-evaluated


@pytest.mark.parametrize(
    ("passed_on", "message"),
    [
        ("2026-12-01", "La date d'obtention ne peut pas être dans le futur."),
        ("2026-11-01", "Cet ingénieur détient déjà une certification valide sur cette formation"),
    ],
)
def test_the_services_refusals_show_on_the_admin_form_and_nothing_is_written(
    hp_admin, partner, passed_on, message
):
    engineer = EngineerFactory(partner=partner)
    course = Course.objects.get(code="PL-ASE")
    Certification.objects.create(
        engineer=engineer, course=course, passed_on=date(2026, 1, 5), expires_on=date(2028, 1, 4)
    )
    before = AuditEvent.objects.count()

    response = admin_post(
        hp_admin,
        "/admin/partners/certification/add/",
        {"engineer": engineer.pk, "course": course.pk, "passed_on": passed_on},
    )

    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert Certification.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_a_certification_is_not_edited_in_the_admin_but_may_be_deleted_through_the_service(
    hp_admin, partner, django_capture_on_commit_callbacks
):
    engineer = EngineerFactory(partner=partner)
    certification = Certification.objects.create(
        engineer=engineer,
        course=Course.objects.get(code="PL-ASE"),
        passed_on=date(2026, 1, 5),
        expires_on=date(2028, 1, 4),
    )
    url = f"/admin/partners/certification/{certification.pk}/"

    assert hp_admin.post(f"{url}change/", {"passed_on": "2025-01-01"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = hp_admin.post(f"{url}delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Certification.objects.exists()
    event = audited("certification.delete", object_id=certification.pk)
    assert (event.actor, event.partner) == (hp_admin.user, partner)


# --- Partners, engineers, roles: through their services ---------------------------------------


def test_a_partner_added_in_the_admin_is_created_by_the_service(hp_admin):
    response = admin_post(
        hp_admin,
        "/admin/partners/partner/add/",
        {
            "name": "Nouvel Intégrateur",
            "siren": "732829320",
            "city": "Lyon",
            "is_active": "on",
            "legacy_programme": "",
            "declared_revenue_12m_eur": "15000.00",
        },
    )

    assert response.status_code == 302
    partner = Partner.objects.get(name="Nouvel Intégrateur")
    assert audited("partner.create", partner=partner).actor == hp_admin.user
    assert audited("partner.declared_revenue", partner=partner).data["after"] == "15000.00"
    assert partner.tier is not None  # evaluated on creation, like the API's


def test_a_partner_changed_in_the_admin_is_updated_by_the_service(hp_admin, partner):
    response = admin_post(
        hp_admin,
        f"/admin/partners/partner/{partner.pk}/change/",
        {"name": "Ovesys Renommé", "declared_revenue_12m_eur": "25000.00"},
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == "Ovesys Renommé"
    assert audited("partner.update", partner=partner).data["changes"]["name"] == [
        "Ovesys Test",
        "Ovesys Renommé",
    ]
    assert audited("partner.declared_revenue", partner=partner).data["after"] == "25000.00"


def test_a_siren_taken_is_a_form_error_in_the_admin(hp_admin, partner):
    PartnerFactory(siren="732829320")
    response = admin_post(
        hp_admin,
        "/admin/partners/partner/add/",
        {"name": "Doublon", "siren": "732829320", "declared_revenue_12m_eur": "0"},
    )

    assert response.status_code == 200
    assert not Partner.objects.filter(name="Doublon").exists()


def test_engineers_are_added_and_changed_through_the_services(
    hp_admin, partner, django_capture_on_commit_callbacks
):
    response = admin_post(
        hp_admin,
        "/admin/partners/engineer/add/",
        {
            "partner": partner.pk,
            "name": "Léa Martin",
            "email": "LEA@ovesys.test",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    engineer = Engineer.objects.get(name="Léa Martin")
    assert engineer.email == "lea@ovesys.test"  # the service's normalisation
    assert audited("engineer.create", object_id=engineer.pk).actor == hp_admin.user

    with django_capture_on_commit_callbacks() as queued:
        response = admin_post(
            hp_admin,
            f"/admin/partners/engineer/{engineer.pk}/change/",
            {"is_active": None},  # unticked
        )

    assert response.status_code == 302
    engineer.refresh_from_db()
    assert engineer.is_active is False
    assert audited("engineer.update", object_id=engineer.pk).data["changes"] == {
        "is_active": ["True", "False"]
    }
    assert queued  # the tier re-evaluation, once committed


def test_an_engineer_linked_to_another_partners_login_is_a_form_error(
    hp_admin, partner, other_admin
):
    engineer = EngineerFactory(partner=partner)

    response = admin_post(
        hp_admin,
        f"/admin/partners/engineer/{engineer.pk}/change/",
        {"user": other_admin.pk},
    )

    assert response.status_code == 200
    assert "Ce compte n&#x27;est pas un utilisateur de ce partenaire." in response.content.decode()
    engineer.refresh_from_db()
    assert engineer.user is None


def test_a_role_changed_in_the_admin_goes_through_the_service(hp_admin, partner):
    user = partner_user(partner, PartnerRole.SALES, username="j.vendeur")
    membership = user.membership

    response = admin_post(
        hp_admin, f"/admin/partners/membership/{membership.pk}/change/", {"role": "admin"}
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == PartnerRole.ADMIN
    event = audited("membership.role", object_id=membership.pk)
    assert (event.data["before"], event.data["after"], event.actor) == (
        "sales",
        "admin",
        hp_admin.user,
    )
    assert hp_admin.get("/admin/partners/membership/add/").status_code == 403


# --- Programme data: edited here, audited --------------------------------------------------------


def test_programme_data_edited_in_the_admin_is_audited(hp_admin):
    tier = Tier.objects.get(code="sell")
    page = hp_admin.get(f"/admin/partners/tier/{tier.pk}/change/").content.decode()
    assert "requirements-TOTAL_FORMS" in page

    response = admin_post(
        hp_admin, f"/admin/partners/tier/{tier.pk}/change/", {"name": "Vente (revu)"}
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    event = audited("admin.change", object_id=tier.pk, object_type="partners.tier")
    assert event.actor == hp_admin.user
    assert event.data["changes"]["name"] == "Vente (revu)"


def test_a_course_deleted_in_the_admin_leaves_an_audit_row(hp_admin):
    course = Course.objects.create(
        code="TMP-1",
        name="Temporaire",
        product_line=Course.objects.first().product_line,
        validity_months=24,
    )

    response = hp_admin.post(f"/admin/partners/course/{course.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    event = audited("admin.delete", object_type="partners.course")
    assert event.data["object"] == str(course)


# --- History: read-only ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["notification", "accreditation", "auditevent"])
def test_history_is_read_only_in_the_admin(hp_admin, partner_admin, model):
    Notification.objects.create(
        recipient=partner_admin, kind="x", dedup_key="x", subject="S", body="B"
    )
    app = "servicone" if model in ("notification", "auditevent") else "partners"

    assert hp_admin.get(f"/admin/{app}/{model}/add/").status_code == 403
    if model == "notification":
        notification = Notification.objects.get()
        url = f"/admin/servicone/notification/{notification.pk}/change/"
        assert hp_admin.post(url, {"subject": "Modifié"}).status_code == 403
        notification.refresh_from_db()
        assert notification.subject == "S"


# --- Logins (technical administrators: programme managers have no rights on logins) ------------


@pytest.fixture
def superuser_admin(client, db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def test_a_login_differing_only_by_case_is_refused_in_the_admin(superuser_admin, partner_admin):
    hp_admin = superuser_admin
    before = User.objects.count()

    response = admin_post(
        hp_admin,
        "/admin/auth/user/add/",
        {"username": "P.Admin", "password1": "Un-Mot-2026!", "password2": "Un-Mot-2026!"},
    )

    assert response.status_code == 200
    assert "Cet identifiant n&#x27;est pas disponible" in response.content.decode()
    assert User.objects.count() == before


def test_renaming_a_login_to_a_case_variant_is_refused_in_the_admin(superuser_admin, partner_admin):
    hp_admin = superuser_admin
    other = UserFactory(username="j.dupont")
    page = hp_admin.get(f"/admin/auth/user/{other.pk}/change/")
    assert page.status_code == 200

    response = admin_post(
        hp_admin,
        f"/admin/auth/user/{other.pk}/change/",
        {"username": "P.ADMIN"},
    )

    assert response.status_code == 200
    other.refresh_from_db()
    assert other.username == "j.dupont"


def test_a_login_added_in_the_admin_is_audited_without_its_password(superuser_admin):
    hp_admin = superuser_admin
    response = admin_post(
        hp_admin,
        "/admin/auth/user/add/",
        {"username": "n.nouveau", "password1": "Un-Mot-2026!", "password2": "Un-Mot-2026!"},
    )

    assert response.status_code == 302
    user = User.objects.get(username="n.nouveau")
    event = audited("admin.add", object_id=user.pk, object_type="auth.user")
    assert event.actor == hp_admin.user
    assert "Un-Mot-2026!" not in str(event.data)
    assert event.data["changes"].get("password1") in (None, "***")


# --- API keys: read-only, revoked through the service ------------------------------------------


def test_api_keys_are_read_only_in_the_admin_and_revoked_through_the_service(hp_admin, partner):
    from servicone.models import ApiKey
    from tests.servicone.factories import make_api_key

    key, _secret = make_api_key(partner, name="GLPI")
    changelist = hp_admin.get("/admin/servicone/apikey/")
    assert changelist.status_code == 200
    assert "GLPI" in changelist.content.decode()
    assert hp_admin.get("/admin/servicone/apikey/add/").status_code == 403
    detail = hp_admin.get(f"/admin/servicone/apikey/{key.pk}/change/")
    assert detail.status_code == 200
    assert key.key_hash not in detail.content.decode()

    response = hp_admin.post(
        "/admin/servicone/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.revoked_by == hp_admin.user
    assert audited("api_key.revoke", object_id=key.pk).actor == hp_admin.user
    assert ApiKey.objects.count() == 1
