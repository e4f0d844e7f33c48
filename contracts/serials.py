"""Serial numbers as people type them, and as the portal stores them: one rule for every way in.

Every way a serial number comes in (the pages' forms and look-ups, the API, the CSV import,
the ticket opening page, the entitlement look-up) goes through ``normalise_serial`` and, when
it is stored or looked up, ``serial_problem`` / ``clean_serial``:

* **Normalised**: trimmed, upper-case, and every space inside dropped, whatever its kind
  (ordinary, no-break, narrow no-break, tab, zero-width): people copy ``CZJ 999 0001`` from a
  label, a delivery note or a PDF. Dashes, slashes and dots are *kept*: some vendors' serial
  numbers hold them, and ``AB-12`` and ``AB12`` may be two different boxes.
* **Format**: 3 to 40 characters once normalised. An HP serial number is letters and digits
  only (HP prints them so: ``CZJ1234567``, ``2M2217041S``); another vendor's may also hold
  ``-``, ``/`` and ``.`` between them (Cisco, Dell, Lenovo, IBM serials and service tags). A
  look-up that does not know the vendor accepts either.

The rows already stored were normalised by ``contracts/migrations/0005_serials_normalised``;
since then an exact match on the normalised text is a look-up that ignores case and spaces,
and the index on ``serial_number`` still serves it.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from contracts.models import Vendor
from servicone.errors import DomainError
from servicone.text import single_line

SERIAL_MIN = 3
SERIAL_MAX = 40
# What a form field accepts before normalisation (the column's width): spaces typed inside
# a serial number are allowed there, and dropped.
SERIAL_INPUT_MAX = 64
# How much of a refused serial number an error message quotes.
QUOTED = 40

# Every kind of space (str.isspace() ones) and the zero-width ones isspace() does not know.
_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_HP_SERIAL = re.compile(r"[A-Z0-9]+")
_OTHER_SERIAL = re.compile(r"[A-Z0-9](?:[A-Z0-9./-]*[A-Z0-9])?")


def normalise_serial(raw: object) -> str:
    """``" czj 999\u00a00001 "`` → ``"CZJ9990001"``: no space of any kind, upper-case.

    Idempotent, and never refuses anything: ``serial_problem`` says whether the result is
    a serial number at all.
    """
    if raw is None:
        return ""
    return _SPACES.sub("", str(raw)).upper()


def _quoted(serial: str) -> str:
    text = single_line(serial)
    return text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"


def serial_problem(serial: str, *, vendor: str | None = None) -> str | None:
    """Why ``serial`` (normalised) is not a serial number of ``vendor``, or ``None``.

    ``vendor`` is ``"hp"``, another vendor's code, or ``None`` for a look-up that does not
    know it (the wider rule). An empty serial is not this function's business (``required``).
    """
    if not SERIAL_MIN <= len(serial) <= SERIAL_MAX:
        return _(
            "Un numéro de série compte de %(min)s à %(max)s caractères, sans les espaces "
            "(« %(serial)s » en compte %(n)s)."
        ) % {"min": SERIAL_MIN, "max": SERIAL_MAX, "serial": _quoted(serial), "n": len(serial)}
    if vendor == Vendor.HP and not _HP_SERIAL.fullmatch(serial):
        return _(
            "Un numéro de série HP ne contient que des lettres et des chiffres (« %(serial)s »)."
        ) % {"serial": _quoted(serial)}
    if not _OTHER_SERIAL.fullmatch(serial):
        return _(
            "Un numéro de série ne contient que des lettres, des chiffres et, entre eux, "
            "les séparateurs - / . (« %(serial)s »)."
        ) % {"serial": _quoted(serial)}
    return None


def clean_serial(raw: object, *, vendor: str | None = None, field: str = "serial_number") -> str:
    """``raw`` normalised, or a ``DomainError`` naming ``field``: ``required`` when empty,
    ``invalid_serial`` when it is not a serial number of ``vendor`` (``serial_problem``)."""
    serial = normalise_serial(raw)
    if not serial:
        raise DomainError("required", _("Le numéro de série est obligatoire."), field=field)
    problem = serial_problem(serial, vendor=vendor)
    if problem is not None:
        raise DomainError("invalid_serial", problem, field=field)
    return serial
