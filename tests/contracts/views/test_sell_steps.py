"""Each step of the sell flow checks with the final submit's rules, and says so on the step."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.models import AssetRegistration, Contract
from contracts.services import contract_sell, sale_refusals
from servicone.errors import DomainError
from tests.contracts.factories import AssetFactory, offering
from tests.contracts.views.helpers import TODAY, html, sell


def confirm_url(customer, assets, **params):
    query = [f"customer={customer.pk}"] + [f"assets={a.pk}" for a in assets]
    query += [f"{key}={value}" for key, value in params.items()]
    return "/contracts/sell/confirm/?" + "&".join(query)


def on_step_three(response) -> str:
    """The page is step 3 again (not the confirmation), refused with a 400."""
    page = html(response)
    assert response.status_code == 400
    assert 'data-testid="offering-form"' in page
    assert 'data-testid="confirm-form"' not in page
    assert 'aria-current="step">3. ' in page
    return page


def test_checking_the_sale_without_an_offer_says_to_choose_one(sales, customer, proliant):
    response = sales.get(confirm_url(customer, [proliant], starts_on="2026-11-26"))
    page = on_step_three(response)
    assert (
        '<p class="error" id="offering-error" data-testid="offering-error">Choisissez une offre.</p>'
        in page
    )
    assert not Contract.objects.exists()


def test_a_start_in_1999_is_refused_beside_the_date(sales, customer, proliant):
    response = sales.get(
        confirm_url(customer, [proliant], offering="CP-PL-4H-24X7", starts_on="1999-01-01")
    )
    page = on_step_three(response)
    assert (
        'data-testid="starts-on-error">Le contrat ne peut pas commencer dans le passé.</p>' in page
    )
    assert 'value="1999-01-01"' in page  # what was asked stays, to be corrected
    assert 'value="CP-PL-4H-24X7" checked' in page


def test_a_start_too_far_ahead_is_refused_instead_of_failing(sales, customer, proliant):
    response = sales.get(
        confirm_url(customer, [proliant], offering="CP-PL-4H-24X7", starts_on="9999-12-01")
    )
    page = on_step_three(response)
    assert "Le contrat doit commencer au plus tard le 26/11/2036 (dans 10 ans)." in page


def test_an_unreadable_start_is_said_to_be_invalid(sales, customer, proliant):
    response = sales.get(
        confirm_url(customer, [proliant], offering="CP-PL-4H-24X7", starts_on="2026-13-45")
    )
    assert 'data-testid="starts-on-error">Date de début invalide.</p>' in on_step_three(response)


def test_a_3par_pack_on_a_proliant_through_the_url_is_refused_on_step_three(
    sales, customer, proliant
):
    response = sales.get(
        confirm_url(customer, [proliant], offering="CP-3PAR-4H-24X7", starts_on="2026-11-26")
    )
    page = on_step_three(response)
    assert (
        'data-testid="step-error">L\'offre ne couvre pas la gamme Serveurs ProLiant de '
        "l'équipement CZJ0000001.</p>" in page
    )


def test_an_offering_above_the_tier_through_the_url_is_refused_on_step_three(
    sales, customer, proliant
):
    response = sales.get(
        confirm_url(customer, [proliant], offering="PS-CREDITS-10", starts_on="2026-11-26")
    )
    page = on_step_three(response)
    assert "Le niveau Deliver est requis pour vendre « Proactive Select, 10 crédits" in page


def test_overlapping_coverage_is_said_on_step_three_before_the_confirmation(
    sales, seller, customer, proliant
):
    first = sell(seller, proliant)
    response = sales.get(
        confirm_url(customer, [proliant], offering="CP-PL-4H-13X5", starts_on="2027-01-01")
    )
    page = on_step_three(response)
    assert (
        f"L'équipement CZJ0000001 est déjà couvert par le contrat {first.number} "
        "jusqu'au 25/11/2029." in page
    )


def test_a_valid_sale_still_reaches_the_confirmation(sales, customer, proliant):
    response = sales.get(
        confirm_url(customer, [proliant], offering="CP-PL-4H-24X7", starts_on="2026-11-26")
    )
    assert response.status_code == 200
    assert 'data-testid="confirm-form"' in html(response)


def test_posting_the_confirmation_without_an_offer_shows_step_three(sales, customer, proliant):
    response = sales.post(
        confirm_url(customer, [proliant], starts_on="2026-11-26"), {"action": "sell"}
    )
    assert "Choisissez une offre." in on_step_three(response)
    assert not Contract.objects.exists()


def test_an_asset_held_for_hp_put_in_the_url_is_refused_on_step_two(sales, customer, site):
    held = AssetFactory(site=site, serial_number="CZJHELD001", registration=AssetRegistration.HELD)
    response = sales.get(f"/contracts/sell/offering/?customer={customer.pk}&assets={held.pk}")
    page = html(response)
    assert response.status_code == 400
    assert 'aria-current="step">2. Équipements' in page
    assert (
        'data-testid="step-error">L\'équipement CZJHELD001 est en cours de vérification par HP'
        in page
    )


def test_step_three_speaks_english_to_an_english_reader(sales, customer, proliant):
    sales.cookies["django_language"] = "en"
    response = sales.get(
        confirm_url(customer, [proliant], offering="CP-3PAR-4H-24X7", starts_on="1999-01-01")
    )
    page = on_step_three(response)
    assert "The contract cannot start in the past." in page
    assert (
        "The offering does not cover the ProLiant servers product line of asset CZJ0000001." in page
    )
    assert "The sale cannot be checked:" in page


# --- The same rules as the final submit ------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "starts_on", "expected"),
    [
        ("PS-CREDITS-10", TODAY, "tier_not_allowed"),
        ("CP-PL-4H-24X7", date(1999, 1, 1), "start_in_past"),
        ("CP-PL-4H-24X7", date(2040, 1, 1), "start_too_late"),
        ("CP-3PAR-4H-24X7", TODAY, "product_line_not_covered"),
        ("CP-PL-4H-13X5", date(2027, 1, 1), "coverage_overlap"),
    ],
)
def test_a_step_refuses_exactly_what_the_final_submit_refuses(
    seller, customer, proliant, code, starts_on, expected
):
    second = AssetFactory(site=proliant.site, serial_number="CZJ0000002")
    sell(seller, second)  # covered: the 13x5 pack would overlap on it
    assets = [proliant, second] if expected == "coverage_overlap" else [proliant]
    found = sale_refusals(
        partner=seller,
        customer=customer,
        offering=offering(code),
        assets=assets,
        starts_on=starts_on,
        today=TODAY,
    )
    with pytest.raises(DomainError) as submitted:
        contract_sell(
            partner=seller,
            customer=customer,
            offering=offering(code),
            assets=assets,
            starts_on=starts_on,
            actor=None,
            today=TODAY,
        )
    assert [r.code for r in found] == [expected]
    assert submitted.value.code == expected
    assert str(found[0].message) == str(submitted.value.message)
