"""Serial numbers as people type them: normalised once, checked, found whatever their case."""

from __future__ import annotations

import importlib

import pytest
from django.utils import translation

from contracts.models import Asset, AssetRegistration
from contracts.serials import clean_serial, normalise_serial, serial_problem
from contracts.services import asset_create
from servicone.errors import DomainError
from servicone.models import AuditEvent
from tests.contracts.factories import AssetFactory, CustomerFactory, SiteFactory
from tests.partners.factories import PartnerFactory

# --- The rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("czj0000022", "CZJ0000022"),
        ("  CZJ 999 0001 ", "CZJ9990001"),
        ("czj\u00a0999\u202f0001", "CZJ9990001"),  # no-break and narrow no-break spaces
        ("CZJ\t999\u200b0001", "CZJ9990001"),  # a tab, a zero-width space
        ("fox-1234/ab.7", "FOX-1234/AB.7"),  # another vendor's separators are kept
        ("", ""),
        (None, ""),
    ],
)
def test_a_serial_number_is_stored_upper_case_without_any_space(typed, stored):
    assert normalise_serial(typed) == stored
    assert normalise_serial(stored) == stored


@pytest.mark.parametrize("serial", ["CZJ1234567", "SN1", "2M2217041S", "X" * 40])
def test_an_hp_serial_number_is_3_to_40_letters_and_digits(serial):
    assert serial_problem(serial, vendor="hp") is None


@pytest.mark.parametrize("serial", ["FOX1234ABCD", "78-12345", "AB/12.C", "SN1"])
def test_another_vendors_serial_number_may_hold_dashes_slashes_and_dots(serial):
    assert serial_problem(serial, vendor="other") is None
    assert serial_problem(serial) is None  # a look-up that does not know the vendor


@pytest.mark.parametrize(
    ("serial", "vendor", "message"),
    [
        ("<B>X</B>", None, "lettres, des chiffres et, entre eux, les séparateurs - / ."),
        ("AB", "hp", "de 3 à 40 caractères, sans les espaces (« AB » en compte 2)"),
        ("X" * 41, "other", "(« XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX… » en compte 41)"),
        ("CZJ-999", "hp", "Un numéro de série HP ne contient que des lettres et des chiffres"),
        ("-CZJ999", "other", "entre eux, les séparateurs"),
        ("CZJ999.", "other", "entre eux, les séparateurs"),
        ("ÉCRAN123", None, "lettres, des chiffres"),
    ],
)
def test_what_is_not_a_serial_number_is_said_in_french(serial, vendor, message):
    assert message in serial_problem(serial, vendor=vendor)


def test_the_refusal_reads_in_english_for_an_english_reader():
    with translation.override("en"):
        problem = serial_problem("<B>X</B>")
    assert problem == (
        "A serial number holds only letters, digits and, between them, the separators "
        "- / . (“<B>X</B>”)."
    )


def test_clean_serial_names_the_field_and_the_code():
    with pytest.raises(DomainError) as refused:
        clean_serial(" <b>x</b> ", field="serial")
    assert (refused.value.code, refused.value.field) == ("invalid_serial", "serial")
    with pytest.raises(DomainError) as empty:
        clean_serial("   ")
    assert (empty.value.code, empty.value.field) == ("required", "serial_number")
    assert clean_serial(" czj 999 0001 ", vendor="hp") == "CZJ9990001"


# --- Registering an asset -------------------------------------------------------------------------


@pytest.fixture
def site(partner):
    return SiteFactory(customer=CustomerFactory(partner=partner))


def _register(site, serial, *, vendor="hp"):
    from partners.models import ProductLine

    return asset_create(
        customer=site.customer,
        site=site,
        serial_number=serial,
        product_line=ProductLine.objects.get(code="proliant"),
        vendor=vendor,
        actor=None,
    )


def test_a_serial_typed_with_spaces_and_lower_case_is_stored_normalised(site):
    assert _register(site, " czj 999 0001 ").serial_number == "CZJ9990001"


def test_markup_is_not_a_serial_number_and_nothing_is_stored(site):
    with pytest.raises(DomainError) as refused:
        _register(site, "<b>x</b>")
    assert (refused.value.code, refused.value.field) == ("invalid_serial", "serial_number")
    assert not Asset.objects.exists()


def test_the_same_box_typed_two_ways_is_one_registration(site):
    _register(site, "CZJ9990001")
    with pytest.raises(DomainError) as refused:
        _register(site, "czj 999 0001")
    assert refused.value.code == "serial_taken"


# --- The data migration -------------------------------------------------------------------------------

migration = importlib.import_module("contracts.migrations.0005_serials_normalised")


def _stored(site, serial, **kwargs):
    """A row as an older release could have stored it (no normalisation on the way in)."""
    return AssetFactory(site=site, serial_number=serial, **kwargs)


def _run() -> list[str]:
    said: list[str] = []
    migration.normalise_serials(Asset, AuditEvent, say=said.append)
    return said


def test_the_migration_normalises_stored_serials_and_audits_each(site):
    spaced = _stored(site, "czj 999 0001")
    clean = _stored(site, "CZJ0000002")

    report = _run()

    spaced.refresh_from_db()
    clean.refresh_from_db()
    assert (spaced.serial_number, clean.serial_number) == ("CZJ9990001", "CZJ0000002")
    assert report == [f"asset {spaced.pk}: serial 'czj 999 0001' is now 'CZJ9990001'"]
    event = AuditEvent.objects.get(action="asset.serial_normalised")
    assert (event.object_id, event.data) == (
        spaced.pk,
        {"before": "czj 999 0001", "after": "CZJ9990001"},
    )
    assert _run() == []  # once normalised, nothing more to do


def test_a_partners_own_duplicate_is_left_as_it_is_and_reported(site, partner):
    first = _stored(site, "CZJ9990001")
    elsewhere = SiteFactory(customer=CustomerFactory(partner=partner))
    twin = _stored(elsewhere, "czj 999 0001", registration=AssetRegistration.HELD)

    report = _run()

    twin.refresh_from_db()
    assert twin.serial_number == "czj 999 0001"  # no row lost, none merged blindly
    assert Asset.objects.count() == 2
    assert "same partner registered already (asset" in report[0]
    assert AuditEvent.objects.get(action="asset.serial_duplicate").data["duplicate_of"] == first.pk


def test_two_partners_with_the_same_box_make_a_claim_for_hp_the_first_registration_kept(site):
    first = _stored(site, "czj 999 0001")  # registered first, stored with spaces
    theirs = SiteFactory(customer=CustomerFactory(partner=PartnerFactory()))
    later = _stored(theirs, "CZJ9990001")

    report = _run()

    first.refresh_from_db()
    later.refresh_from_db()
    assert (first.serial_number, first.registration) == ("CZJ9990001", "confirmed")
    assert (later.serial_number, later.registration) == ("CZJ9990001", "held")
    assert (
        f"asset {later.pk}: serial 'CZJ9990001' is also registered by another partner"
        in (report[0])
    )
    assert AuditEvent.objects.filter(action="asset.serial_claim_held", object_id=later.pk).exists()


def test_a_later_stale_registration_of_another_partner_is_the_one_held(site):
    first = _stored(site, "CZJ9990001")
    theirs = SiteFactory(customer=CustomerFactory(partner=PartnerFactory()))
    later = _stored(theirs, "czj9990001")

    _run()

    first.refresh_from_db()
    later.refresh_from_db()
    assert first.registration == "confirmed"
    assert (later.serial_number, later.registration) == ("CZJ9990001", "held")


def test_a_rejected_registration_is_normalised_whatever_it_meets(site):
    _stored(site, "CZJ9990001")
    rejected = _stored(
        SiteFactory(customer=CustomerFactory(partner=PartnerFactory())),
        "czj 9990001",
        registration=AssetRegistration.REJECTED,
    )

    _run()

    rejected.refresh_from_db()
    assert (rejected.serial_number, rejected.registration) == ("CZJ9990001", "rejected")
