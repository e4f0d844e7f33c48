"""Import of former ASP/PSP members from a CSV file: all rows or none.

Three steps, kept apart so each can be tested on its own:

* ``legacy_parse`` — pure: bytes in, typed rows and per-line errors out (encoding,
  delimiter, header, SIREN with its Luhn key, programme, French or plain amounts,
  e-mail, duplicates inside the file). No database, no clock.
* ``legacy_check_database`` — reads only: SIRENs and admin e-mails already in the portal.
* ``partners_legacy_import`` — the service: runs both, and writes only when no row has
  an error, in one transaction (partners, audit rows, admin users with an unusable
  password, memberships, then each partner's tier through the normal evaluation).

An import creates partners; it never updates one. A SIREN already in the portal is
refused like any other invalid row (a silent update would rewrite audited revenue):
an existing partner's declared revenue is changed by HP staff in the admin, audited.

``parse`` holds the first step (and the SIREN and amount helpers the demo and the
benchmark reuse), ``importer`` the other two.
"""

from partners.legacy.importer import (
    ImportedPartner,
    LegacyImportReport,
    legacy_check_database,
    partners_legacy_import,
)
from partners.legacy.parse import (
    COLUMNS,
    DELIMITERS,
    MAX_AMOUNT,
    PROGRAMMES,
    LegacyRow,
    ParsedFile,
    RowError,
    legacy_parse,
    luhn_valid,
    normalise_siren,
    parse_amount_eur,
    siren_with_check_digit,
)

__all__ = [
    "COLUMNS",
    "DELIMITERS",
    "MAX_AMOUNT",
    "PROGRAMMES",
    "ImportedPartner",
    "LegacyImportReport",
    "LegacyRow",
    "ParsedFile",
    "RowError",
    "legacy_check_database",
    "legacy_parse",
    "luhn_valid",
    "normalise_siren",
    "parse_amount_eur",
    "partners_legacy_import",
    "siren_with_check_digit",
]
