"""Import a customer's installed base (assets and their sites) from a CSV file.

The file is validated as a whole first, every row, and the report lists each
problem with its line number, so the user fixes the file once. Only a clean file
is imported, all or nothing, in one transaction through ``site_create`` and
``asset_create`` (the same rules as the pages and the API).

Three steps, as ``partners.legacy`` does it:

* ``assets_csv_parse`` (``contracts.asset_csv``) — pure: bytes in, one ``CsvRow`` per data
  line and the errors of the file itself (size, encoding, header, column count, number of
  rows, control characters, formulas). No database.
* ``assets_csv_validate`` — reads only: each row checked against the catalogue's product
  lines, the customer's sites and the serial numbers already registered, every error
  collected with its line; the valid rows come out typed (``ImportRow``).
* ``assets_import_csv`` — the service: runs both and, unless it is a dry run or an
  error was found, writes every row in one transaction.

Format: UTF-8 (with or without BOM), ``;`` or ``,`` as the separator (read from
the header line), lines ending with LF, CRLF or CR, header::

    serial_number;vendor;product_line;model;site;city;postal_code;region;timezone

``site`` is the name of a site of this customer; a missing site is created from
the row's ``city`` (required then), ``postal_code``, ``region`` and ``timezone``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contracts.asset_csv import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    CsvRow,
    ParsedFile,
    RowError,
    assets_csv_parse,
)
from contracts.models import (
    Asset,
    Customer,
    Site,
    Vendor,
    normalise_postal_code,
    validate_postal_code,
    validate_region,
    validate_timezone,
)
from contracts.serials import normalise_serial, serial_problem
from contracts.services import Actor, asset_create, site_create
from partners.models import ProductLine
from servicone.errors import DomainError

T = TypeVar("T")

__all__ = [
    "COLUMNS",
    "MAX_BYTES",
    "MAX_ROWS",
    "CsvRow",
    "ImportReport",
    "ImportRow",
    "ParsedFile",
    "RowError",
    "ValidatedFile",
    "assets_csv_parse",
    "assets_csv_validate",
    "assets_import_csv",
]

DEFAULT_TIMEZONE = "Europe/Paris"
# Column widths of the models, checked here so the report names the column.
MAX_LENGTHS = {
    "serial_number": 64,
    "model": 120,
    "site": 200,
    "city": 120,
    "postal_code": 10,
}
# Columns that describe a new site: an error on one of them means the site is not defined.
SITE_COLUMNS = ("city", "postal_code", "region", "timezone")


@dataclass
class ImportReport:
    created: int = 0
    sites_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return len(self.preview)

    @property
    def new_sites(self) -> list[str]:
        return sorted({row["site"] for row in self.preview if row["new_site"]})


# --- Validation (reads) ---------------------------------------------------------------------


@dataclass(frozen=True)
class NewSite:
    """A site the file creates, as its first row defines it."""

    name: str
    city: str
    postal_code: str
    region: str
    timezone: str
    line: int


@dataclass(frozen=True)
class ImportRow:
    """One valid row: the asset to create and the site it stands at."""

    line: int
    serial_number: str  # normalised, as stored (contracts.serials)
    vendor: str
    product_line: ProductLine
    model: str
    site_key: str  # the site's name, case-folded
    site_name: str
    site_city: str
    new_site: bool

    def preview(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "serial_number": self.serial_number,
            "vendor": self.vendor,
            "vendor_label": str(Vendor(self.vendor).label),
            "product_line_name": self.product_line.display_name,
            "model": self.model,
            "site": self.site_name,
            "new_site": self.new_site,
            "city": self.site_city,
        }


@dataclass
class ValidatedFile:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    sites: dict[str, Site] = field(default_factory=dict)  # the customer's, by key
    new_sites: dict[str, NewSite] = field(default_factory=dict)  # by key


def _vendor(row: CsvRow) -> str:
    return (row.vendor or Vendor.HP).lower()


def _validator_message(validator: Callable[[str], None], value: str) -> str | None:
    try:
        validator(value)
    except ValidationError as error:
        return str(error.messages[0])
    return None


def _normalise_region(value: str) -> str:
    from holidays.countries.france import France

    value = value.strip()
    if not value:
        return ""
    upper = value.upper()
    if upper in France.subdivisions:
        return upper
    # Names and alternative codes the holidays package knows ("Moselle", "RE", "Guadeloupe").
    aliases = {k.casefold(): v for k, v in France.subdivisions_aliases.items()}
    return aliases.get(value.casefold(), value)


def _serials_taken(rows: Sequence[CsvRow], partner_id: int) -> set[tuple[str, str]]:
    """(vendor, serial) pairs of the file this partner has registered already (a query per
    vendor). Another partner's serial is not refused here, nor named: ``asset_create``
    accepts it and holds it for HP's arbitration, as on the page and the API."""
    serials_by_vendor: dict[str, set[str]] = {}
    for row in rows:
        serials_by_vendor.setdefault(_vendor(row), set()).add(normalise_serial(row.serial_number))
    taken: set[tuple[str, str]] = set()
    for vendor, serials in serials_by_vendor.items():
        if vendor in Vendor.values:
            taken.update(
                (vendor, s)
                for s in Asset.objects.filter(
                    vendor=vendor, serial_number__in=serials, customer__partner_id=partner_id
                ).values_list("serial_number", flat=True)
            )
    return taken


class _RowCheck:
    """The checks of one file's rows, which remember what earlier rows defined."""

    def __init__(self, customer: Customer, rows: Sequence[CsvRow]) -> None:
        # Everything the rows refer to, in a fixed number of queries.
        self.lines_by_code = {p.code: p for p in ProductLine.objects.all()}
        self.sites = {s.name.casefold(): s for s in Site.objects.filter(customer=customer)}
        self.taken = _serials_taken(rows, customer.partner_id)
        self.first_line: dict[tuple[str, str], int] = {}
        self.new_sites: dict[str, NewSite] = {}

    def check(self, row: CsvRow) -> tuple[ImportRow | None, list[RowError]]:
        line = row.line
        errors = [
            RowError(
                line,
                column,
                "too_long",
                _("%(column)s : %(limit)s caractères au plus.")
                % {"column": column, "limit": limit},
            )
            for column, limit in MAX_LENGTHS.items()
            if len(row.cell(column)) > limit
        ]
        # Normalised as stored (contracts.serials): "czj 100 0001" is CZJ1000001, so the
        # same box typed twice is a duplicate, and the report shows it as it will be stored.
        serial = normalise_serial(row.serial_number)
        vendor = _vendor(row)
        too_long = any(e.column == "serial_number" for e in errors)
        errors.extend(self._serial_errors(row, serial, vendor, checked_length=too_long))
        code = row.product_line.lower()
        product_line = self.lines_by_code.get(code)
        if product_line is None:
            errors.append(
                RowError(
                    line,
                    "product_line",
                    "unknown_product_line" if code else "required",
                    _("Gamme inconnue : « %(v)s » (codes possibles : %(codes)s).")
                    % {"v": row.product_line, "codes": ", ".join(sorted(self.lines_by_code))},
                )
            )
        site_key = row.site.casefold()
        if not row.site:
            errors.append(RowError(line, "site", "required", _("Le nom du site est obligatoire.")))
        elif site_key not in self.sites:
            self._check_new_site(row, site_key, errors)
        if errors or product_line is None:
            return None, errors
        existing = self.sites.get(site_key)
        site = existing or self.new_sites[site_key]
        return (
            ImportRow(
                line=line,
                serial_number=serial,
                vendor=vendor,
                product_line=product_line,
                model=row.model,
                site_key=site_key,
                site_name=site.name,
                site_city=site.city,
                new_site=existing is None,
            ),
            [],
        )

    def _serial_errors(
        self, row: CsvRow, serial: str, vendor: str, *, checked_length: bool
    ) -> list[RowError]:
        """``checked_length``: the cell was refused as too long already (said once)."""
        line = row.line
        errors = []
        known = vendor in Vendor.values
        problem = None
        if not serial:
            errors.append(
                RowError(
                    line, "serial_number", "required", _("Le numéro de série est obligatoire.")
                )
            )
        elif not checked_length:
            problem = serial_problem(serial, vendor=vendor if known else None)
            if problem is not None:
                errors.append(RowError(line, "serial_number", "invalid_serial", problem))
        if not known:
            errors.append(
                RowError(
                    line,
                    "vendor",
                    "unknown_vendor",
                    _("Constructeur inconnu : « %(v)s » (hp ou other).") % {"v": row.vendor},
                )
            )
        elif serial and problem is None:
            key = (vendor, serial)
            if key in self.first_line:
                errors.append(
                    RowError(
                        line,
                        "serial_number",
                        "duplicate_in_file",
                        _("Le numéro de série %(s)s figure déjà ligne %(first)s.")
                        % {"s": serial, "first": self.first_line[key]},
                    )
                )
            else:
                self.first_line[key] = line
                if key in self.taken:
                    # The partner's own asset, already registered.
                    errors.append(
                        RowError(
                            line,
                            "serial_number",
                            "serial_taken",
                            _("Le numéro de série %(s)s est déjà enregistré pour ce constructeur.")
                            % {"s": serial},
                        )
                    )
        return errors

    def _check_new_site(self, row: CsvRow, site_key: str, errors: list[RowError]) -> None:
        """A site the customer does not have: defined by its first row, repeated by others."""
        line = row.line
        region = _normalise_region(row.region)
        tz = row.timezone or DEFAULT_TIMEZONE
        postal_code = normalise_postal_code(row.postal_code)
        defined = self.new_sites.get(site_key)
        if defined is None:
            if not row.city:
                errors.append(
                    RowError(
                        line,
                        "city",
                        "required",
                        _("Le site « %(site)s » n'existe pas encore : indiquez sa ville.")
                        % {"site": row.site},
                    )
                )
            message = _validator_message(validate_postal_code, postal_code)
            if message:
                errors.append(RowError(line, "postal_code", "invalid_postal_code", message))
            message = _validator_message(validate_region, region)
            if message:
                errors.append(RowError(line, "region", "invalid_region", message))
            message = _validator_message(validate_timezone, tz)
            if message:
                errors.append(RowError(line, "timezone", "invalid_timezone", message))
            if not any(e.column in SITE_COLUMNS for e in errors):
                self.new_sites[site_key] = NewSite(
                    name=row.site,
                    city=row.city,
                    postal_code=postal_code,
                    region=region,
                    timezone=tz,
                    line=line,
                )
            return
        # A later row of a new site may repeat its details, not contradict them.
        for column, value, first in (
            ("city", row.city, defined.city),
            ("postal_code", postal_code, defined.postal_code),
            ("region", region if row.region else "", defined.region),
            ("timezone", row.timezone, defined.timezone),
        ):
            if value and value != first:
                errors.append(
                    RowError(
                        line,
                        column,
                        "site_conflict",
                        _(
                            "Le site « %(site)s » est défini ligne %(first_line)s avec %(column)s « %(first)s »."
                        )
                        % {
                            "site": row.site,
                            "first_line": defined.line,
                            "column": column,
                            "first": first,
                        },
                    )
                )


def assets_csv_validate(customer: Customer, rows: Sequence[CsvRow]) -> ValidatedFile:
    """Check every row against the database; collect each line's errors (reads only)."""
    check = _RowCheck(customer, rows)
    result = ValidatedFile(sites=check.sites, new_sites=check.new_sites)
    for row in rows:
        valid, errors = check.check(row)
        if valid is not None:
            result.rows.append(valid)
        result.errors.extend(errors)
    return result


# --- Writing --------------------------------------------------------------------------------


class _Abort(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _or_abort(line: int, call: Callable[[], T]) -> T:
    try:
        return call()
    except DomainError as error:
        raise _Abort(RowError(line, error.field or "", error.code, str(error.message))) from None


def _write(customer: Customer, validated: ValidatedFile, *, actor: Actor) -> int:
    """Create the new sites and every asset; returns how many sites were created."""
    created_sites: dict[str, Site] = {}
    for row in validated.rows:
        key = row.site_key
        site = validated.sites.get(key) or created_sites.get(key)
        if site is None:
            spec = validated.new_sites[key]
            site = _or_abort(
                row.line,
                partial(
                    site_create,
                    customer=customer,
                    name=spec.name,
                    city=spec.city,
                    postal_code=spec.postal_code,
                    region=spec.region,
                    timezone_name=spec.timezone,
                    actor=actor,
                ),
            )
            created_sites[key] = site
        _or_abort(
            row.line,
            partial(
                asset_create,
                customer=customer,
                site=site,
                serial_number=row.serial_number,
                product_line=row.product_line,
                vendor=row.vendor,
                model=row.model,
                actor=actor,
            ),
        )
    return len(created_sites)


def assets_import_csv(
    *, customer: Customer, data: bytes | str, actor: Actor, dry_run: bool = False
) -> ImportReport:
    """Validate every row of ``data``; unless ``dry_run``, import them all or none.

    Errors never say which partner owns a serial number already registered.
    """
    report = ImportReport(dry_run=dry_run)
    parsed = assets_csv_parse(data, max_rows=MAX_ROWS)
    report.errors.extend(parsed.errors)
    if not parsed.rows:
        return report
    validated = assets_csv_validate(customer, parsed.rows)
    report.errors.extend(validated.errors)
    report.preview = [row.preview() for row in validated.rows]
    if report.errors or dry_run:
        return report
    try:
        with transaction.atomic():
            report.sites_created = _write(customer, validated, actor=actor)
    except _Abort as abort:
        # Something changed since validation (a serial registered meanwhile): nothing stays.
        report.errors.append(abort.error)
        return report
    report.created = len(validated.rows)
    return report
