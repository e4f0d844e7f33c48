"""HP's pages: approval queue, review and decision, programme overview."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine

from partners.models import (
    Accreditation,
    Certification,
    Tier,
)
from servicone.access import PartnerRole
from tests.partners.factories import PartnerFactory, partner_user
from tests.partners.pages import (
    NBSP,
    PARIS,
    certify,
    eur_fr,
    make_expert_ready,
    set_revenue,
    set_tier,
    submit_application,
    text,
)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=PARIS), tick=False):
        yield


# --- HP approval queue -----------------------------------------------------------------------------


def test_queue_lists_submitted_applications_oldest_first_with_their_age(
    client, programme_manager, partner_admin, partner, other_partner, other_admin
):
    make_expert_ready(partner)
    make_expert_ready(other_partner)
    with time_machine.travel(datetime(2026, 11, 16, 9, 0, tzinfo=PARIS), tick=False):
        submit_application(other_partner, other_admin)
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=PARIS), tick=False):
        submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    page = text(client.get("/hp/accreditations/"))
    assert "2 demandes en attente" in page
    assert page.index("Concurrent SA") < page.index("Ovesys Test")
    assert "10 jours" in page
    assert "2 jours" in page


def test_queue_shows_an_empty_state(client, programme_manager):
    client.force_login(programme_manager)
    assert "Aucune demande en attente : tout est à jour." in text(client.get("/hp/accreditations/"))


def test_detail_shows_the_snapshot_beside_the_live_evaluation_and_what_changed(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    # Since submission, one CI-MASE engineer left: that criterion no longer holds.
    Certification.objects.filter(course__code="CI-MASE").delete()
    client.force_login(programme_manager)
    page = text(client.get(f"/hp/accreditations/{application.pk}/"))
    assert "Demande d'accréditation Expert — Ovesys Test" in page
    assert "Évaluation à la soumission et aujourd'hui" in page
    assert "(au 26/11/2026)" in page
    assert (
        f"Condition remplie{NBSP}: 1 ingénieur certifié Infrastructures convergées Master ASE (1 requis)."
        in page
    )
    assert "Il manque 1 ingénieur certifié Infrastructures convergées Master ASE (0 sur 1)." in page
    assert "1 changement" in page
    assert page.count('class="changed"') == 1
    assert "Validation impossible aujourd'hui" in page


def test_programme_manager_approves_and_the_partner_becomes_expert(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    response = client.post(
        f"/hp/accreditations/{application.pk}/approve/",
        {"approve-comment": "Dossier complet."},
        follow=True,
    )
    assert "Accréditation validée : Ovesys Test passe au niveau Expert." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.APPROVED
    assert application.decision_comment == "Dossier complet."
    assert application.valid_until == date(2027, 11, 25)
    partner.refresh_from_db()
    assert partner.tier.code == "expert"
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert 'data-testid="current-tier">Expert<' in page
    assert "Le niveau le plus élevé du programme est atteint." in page


def test_approving_with_an_unmet_criterion_shows_prerequisites_unmet_and_changes_nothing(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    Certification.objects.filter(course__code="3PAR-MASE").first().delete()
    client.force_login(programme_manager)
    response = client.post(f"/hp/accreditations/{application.pk}/approve/", {})
    assert response.status_code == 400
    page = text(response)
    assert (
        # Issue 15, finding 9: plurals with ngettext, no more « critère(s) ».
        "Validation impossible : 1 critère non rempli — Il manque 1 ingénieur certifié 3PAR StoreServ Master ASE (1 sur 2)."
        in page
    )
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED
    partner.refresh_from_db()
    assert partner.tier.code == "deliver"


def test_rejecting_without_a_comment_is_refused_in_french(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    response = client.post(f"/hp/accreditations/{application.pk}/reject/", {"reject-comment": "  "})
    assert response.status_code == 400
    assert "Un refus doit être motivé par un commentaire." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED


def test_programme_manager_rejects_with_a_comment_and_the_partner_reads_it(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    response = client.post(
        f"/hp/accreditations/{application.pk}/reject/",
        {"reject-comment": "Références 3PAR insuffisantes."},
        follow=True,
    )
    assert "Demande refusée : Ovesys Test a été notifié avec votre commentaire." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.REJECTED
    client.force_login(partner_admin)
    page = text(client.get("/programme/accreditations/"))
    assert "Références 3PAR insuffisantes." in page
    assert "Refusée" in page
    # The partner may apply again.
    assert 'data-testid="apply-expert"' in text(client.get("/programme/"))


def test_deciding_twice_shows_the_state_conflict_and_changes_nothing(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(programme_manager)
    client.post(f"/hp/accreditations/{application.pk}/reject/", {"reject-comment": "Non."})
    response = client.post(f"/hp/accreditations/{application.pk}/approve/", {}, follow=True)
    assert response.redirect_chain == [(f"/hp/accreditations/{application.pk}/", 302)]
    assert "Seule une demande soumise peut être décidée (statut actuel : Refusée)." in text(
        response
    )
    application.refresh_from_db()
    assert application.status == Accreditation.Status.REJECTED


# --- HP programme overview --------------------------------------------------------------------------


def test_overview_counts_partners_per_tier_grace_and_pending(
    client, programme_manager, partner, partner_admin
):
    make_expert_ready(partner)
    submit_application(partner, partner_admin)
    for i in range(3):
        p = PartnerFactory(name=f"Vendeur {i}")
        set_revenue(p, "15000.00")
        set_tier(p, "sell")
    in_grace = PartnerFactory(name="En Grâce SARL")
    set_tier(in_grace, "sell")
    in_grace.grace_until = date(2027, 2, 1)
    in_grace.pending_tier = Tier.objects.get(code="registered")
    in_grace.save(update_fields=["grace_until", "pending_tier"])
    client.force_login(programme_manager)
    page = text(client.get("/hp/programme/"))
    assert re.search(r'data-tier="sell">.*?<strong>4</strong>', page)
    assert re.search(r'data-tier="deliver">.*?<strong>1</strong>', page)
    assert 'data-testid="pending">1<' in page
    assert 'data-testid="in-grace-count">1<' in page
    assert "En Grâce SARL" in page
    assert "01/02/2027" in page
    assert eur_fr("15 000,00") in page
    assert eur_fr("12 000,00") in page


def test_overview_filters_by_tier_and_searches_by_name(client, programme_manager):
    for name, tier in [
        ("Alpha Services", "sell"),
        ("Beta Infogérance", "deliver"),
        ("Alpha Réseaux", "deliver"),
    ]:
        set_tier(PartnerFactory(name=name), tier)
    client.force_login(programme_manager)
    page = text(client.get("/hp/programme/", {"tier": "deliver"}))
    assert "Beta Infogérance" in page
    assert "Alpha Réseaux" in page
    assert ">Alpha Services<" not in page
    page = text(client.get("/hp/programme/", {"tier": "deliver", "q": "alpha"}))
    assert "Alpha Réseaux" in page
    assert "Beta Infogérance" not in page.split("Partenaires</h2>")[-1]
    page = text(client.get("/hp/programme/", {"q": "zzz"}))
    assert "Aucun partenaire ne correspond à ces critères." in page


def test_overview_paginates_and_keeps_the_filters(client, programme_manager):
    for i in range(30):
        set_tier(PartnerFactory(name=f"Partenaire {i:02d}"), "sell")
    client.force_login(programme_manager)
    page = text(client.get("/hp/programme/", {"tier": "sell"}))
    assert "30 partenaires" in page
    assert "Page 1 sur 2" in page
    assert "?tier=sell&amp;page=2" in page or "?tier=sell&page=2" in page
    page = text(client.get("/hp/programme/", {"tier": "sell", "page": "2"}))
    assert "Partenaire 29" in page
    assert "Partenaire 00" not in page.split("Partenaires</h2>")[-1]


# --- Query counts ---------------------------------------------------------------------------------


def test_overview_query_count_does_not_grow_with_partners(
    client, programme_manager, django_assert_num_queries
):
    def add_partners(n):
        for _ in range(n):
            p = PartnerFactory()
            set_revenue(p, "11000.00")
            set_tier(p, "sell")
            certify(p, "PL-ASE", 1)

    add_partners(5)
    client.force_login(programme_manager)
    with django_assert_num_queries(13):
        assert client.get("/hp/programme/").status_code == 200
    add_partners(45)
    with django_assert_num_queries(13):
        assert client.get("/hp/programme/").status_code == 200


def test_approval_queue_query_count_does_not_grow_with_applications(
    client, programme_manager, django_assert_num_queries
):
    def add_applications(n):
        for _ in range(n):
            p = PartnerFactory()
            make_expert_ready(p)
            submit_application(p, partner_user(p, PartnerRole.ADMIN))

    add_applications(1)
    client.force_login(programme_manager)
    with django_assert_num_queries(5):
        client.get("/hp/accreditations/")
    add_applications(6)
    with django_assert_num_queries(5):
        client.get("/hp/accreditations/")
