"""Applying for an accreditation from « Mon programme », the applications page, withdrawal."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from partners.models import (
    Accreditation,
)
from tests.partners.pages import (
    PARIS,
    make_deliver,
    make_expert_ready,
    set_revenue,
    submit_application,
    text,
)


@pytest.fixture(autouse=True)
def _frozen_today():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=PARIS), tick=False):
        yield


# --- Accreditation application from « Mon programme » ---------------------------------------


def test_admin_sees_the_apply_button_when_only_approval_is_missing(client, partner, partner_admin):
    make_expert_ready(partner)
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert "Approbation HP requise" in page
    assert 'data-testid="apply-expert"' in page
    assert "Demander l'accréditation" in page


def test_sales_sees_no_apply_button_and_cannot_apply(client, partner, partner_sales):
    make_expert_ready(partner)
    client.force_login(partner_sales)
    page = text(client.get("/programme/"))
    assert 'data-testid="apply-expert"' not in page
    assert "Seul l'administrateur du partenaire peut demander l'accréditation." in page
    assert client.post("/programme/accreditations/apply/", {"tier": "expert"}).status_code == 403
    assert not Accreditation.objects.exists()


def test_no_apply_button_while_other_expert_criteria_are_unmet(client, partner, partner_admin):
    make_deliver(partner)
    client.force_login(partner_admin)
    page = text(client.get("/programme/"))
    assert 'data-testid="apply-expert"' not in page
    assert (
        "une demande d'accréditation pour le niveau Expert sera possible une fois les autres "
        "critères remplis."
    ) in page


def test_admin_applies_and_sees_the_application_submitted(client, partner, partner_admin):
    make_expert_ready(partner)
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "expert"}, follow=True)
    application = Accreditation.objects.get()
    assert application.status == Accreditation.Status.SUBMITTED
    assert application.eligibility_snapshot["tiers"]
    page = text(response)
    assert "Votre demande d'accréditation au niveau Expert est soumise à HP." in page
    assert "Soumise" in page
    assert "le 26/11/2026, en attente de la décision HP" in page
    assert 'data-testid="apply-expert"' not in page
    listing = text(client.get("/programme/accreditations/"))
    assert 'data-status="submitted"' in listing
    assert "Retirer la demande" in listing


def test_applying_with_unmet_criteria_creates_nothing(client, partner, partner_admin):
    make_deliver(partner)
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "expert"}, follow=True)
    assert "Demande impossible : les autres critères du niveau Expert ne sont pas remplis." in text(
        response
    )
    assert not Accreditation.objects.exists()


def test_applying_twice_shows_the_service_refusal_and_keeps_one_application(
    client, partner, partner_admin
):
    make_expert_ready(partner)
    submit_application(partner, partner_admin)
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "expert"}, follow=True)
    assert "Une demande est déjà en cours pour ce niveau." in text(response)
    assert Accreditation.objects.count() == 1


def test_applying_for_an_automatic_tier_is_refused(client, partner, partner_admin):
    set_revenue(partner, "12000.00")
    client.force_login(partner_admin)
    response = client.post("/programme/accreditations/apply/", {"tier": "sell"}, follow=True)
    assert "est attribué automatiquement" in text(response)
    assert not Accreditation.objects.exists()


def test_admin_withdraws_an_application(client, partner, partner_admin):
    make_expert_ready(partner)
    application = submit_application(partner, partner_admin)
    client.force_login(partner_admin)
    response = client.post(f"/programme/accreditations/{application.pk}/withdraw/", follow=True)
    assert "La demande d'accréditation a été retirée." in text(response)
    application.refresh_from_db()
    assert application.status == Accreditation.Status.WITHDRAWN


def test_withdrawing_another_partners_application_is_404(
    client, partner, partner_admin, other_partner, other_admin
):
    make_expert_ready(other_partner)
    application = submit_application(other_partner, other_admin)
    client.force_login(partner_admin)
    assert client.post(f"/programme/accreditations/{application.pk}/withdraw/").status_code == 404
    application.refresh_from_db()
    assert application.status == Accreditation.Status.SUBMITTED


def test_accreditations_page_shows_an_empty_state(client, partner_engineer):
    client.force_login(partner_engineer)
    page = text(client.get("/programme/accreditations/"))
    assert "Aucune demande d'accréditation pour l'instant." in page
    assert "Retirer la demande" not in page
