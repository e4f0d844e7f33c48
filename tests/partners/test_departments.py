"""The static table of départements: codes, neighbours, a postal code's département."""

from __future__ import annotations

import pytest

from partners.departments import (
    CODES,
    DEPARTMENTS,
    NEIGHBOURS,
    OVERSEAS,
    are_neighbours,
    department_of_postal_code,
)


def test_the_table_lists_the_96_metropolitan_departements_and_the_overseas_regions():
    expected = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"]
    expected += ["971", "972", "973", "974", "975", "976"]
    assert sorted(CODES) == sorted(expected)
    assert len(CODES) == 96 + 6


def test_neighbours_are_symmetric_and_known():
    for code, around in NEIGHBOURS.items():
        assert code in DEPARTMENTS
        for other in around:
            assert other in DEPARTMENTS, (code, other)
            assert code in NEIGHBOURS[other], f"{other} does not list {code}"
            assert other != code


def test_every_metropolitan_departement_has_a_neighbour_and_overseas_none():
    assert set(NEIGHBOURS) == set(DEPARTMENTS)
    for code in CODES:
        if code in OVERSEAS:
            assert NEIGHBOURS[code] == ()
        else:
            assert NEIGHBOURS[code], code


def test_lille_is_not_next_to_marseille_but_paris_is_next_to_its_inner_ring():
    assert not are_neighbours("59", "13")
    assert {"92", "93", "94"} == set(NEIGHBOURS["75"])
    assert are_neighbours("2A", "2B")


@pytest.mark.parametrize(
    ("postal_code", "department"),
    [
        ("59000", "59"),
        ("01000", "01"),
        ("75008", "75"),
        ("20000", "2A"),  # Ajaccio
        ("20137", "2A"),  # Porto-Vecchio
        ("20200", "2B"),  # Bastia
        ("20600", "2B"),  # Bastia, Furiani
        ("20250", "2B"),  # Corte
        ("97110", "971"),  # Pointe-à-Pitre
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97500", "975"),
        ("97600", "976"),
        ("98000", None),  # Monaco
        ("98800", None),  # Nouvelle-Calédonie
        ("", None),
        ("5900", None),
        (" 57 000 ", "57"),
    ],
)
def test_a_sites_departement_comes_from_its_postal_code(postal_code, department):
    assert department_of_postal_code(postal_code) == department
