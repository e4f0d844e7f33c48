"""Import a customer's installed base (assets and their sites) from a CSV file.

The file is validated as a whole first, every row, and the report lists each
problem with its line number, so the user fixes the file once. Only a clean file
is imported, all or nothing, in one transaction through ``site_create`` and
``asset_create`` (the same rules as the pages and the API).

Format: UTF-8 (with or without BOM), ``;`` or ``,`` as the separator (read from
the header line), header::

    serial_number;vendor;product_line;model;site;city;postal_code;region;timezone

``site`` is the name of a site of this customer; a missing site is created from
the row's ``city`` (required then), ``postal_code``, ``region`` and ``timezone``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import (
    Asset,
    Customer,
    Site,
    Vendor,
    validate_region,
    validate_timezone,
)
from contracts.services import asset_create, site_create
from partners.models import ProductLine
from servicone.errors import DomainError

COLUMNS = (
    "serial_number",
    "vendor",
    "product_line",
    "model",
    "site",
    "city",
    "postal_code",
    "region",
    "timezone",
)
REQUIRED_COLUMNS = ("serial_number", "product_line", "site")
DEFAULT_TIMEZONE = "Europe/Paris"
# Bounds that keep one request (and one transaction) reasonable.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Column widths of the models, checked here so the report names the column.
MAX_LENGTHS = {
    "serial_number": 64,
    "model": 120,
    "site": 200,
    "city": 120,
    "postal_code": 10,
}


@dataclass(frozen=True)
class RowError:
    line: int  # line number in the file (1 = header); 0 = the whole file
    column: str  # column name, "" when the problem is the whole line or file
    code: str
    message: str


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


@dataclass
class _NewSite:
    name: str
    city: str
    postal_code: str
    region: str
    timezone: str
    line: int


class _Abort(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _decode(data: bytes | str) -> tuple[str, RowError | None]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return "", RowError(
            line,
            "",
            "encoding",
            _("Le fichier doit être encodé en UTF-8 (caractère illisible ligne %(line)s).")
            % {"line": line},
        )


def _delimiter(header_line: str) -> str:
    # The header is known, so counting separators on it is more reliable than csv.Sniffer.
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def _check_length(row: dict[str, str], line: int, errors: list[RowError]) -> None:
    for column, limit in MAX_LENGTHS.items():
        if len(row.get(column, "")) > limit:
            errors.append(
                RowError(
                    line,
                    column,
                    "too_long",
                    _("%(column)s : %(limit)s caractères au plus.")
                    % {"column": column, "limit": limit},
                )
            )


def _validator_message(validator: Any, value: str) -> str | None:
    try:
        validator(value)
    except ValidationError as error:
        return str(error.messages[0])
    return None


def _normalise_region(value: str) -> str:
    import holidays

    value = value.strip()
    if not value:
        return ""
    upper = value.upper()
    if upper in holidays.France.subdivisions:
        return upper
    # Names and alternative codes the holidays package knows ("Moselle", "RE", "Guadeloupe").
    aliases = {k.casefold(): v for k, v in holidays.France.subdivisions_aliases.items()}
    return aliases.get(value.casefold(), value)


def assets_import_csv(
    *, customer: Customer, data: bytes | str, actor: Any, dry_run: bool = False
) -> ImportReport:
    """Validate every row of ``data``; unless ``dry_run``, import them all or none.

    Errors never say which partner owns a serial number already registered.
    """
    report = ImportReport(dry_run=dry_run)
    errors = report.errors
    if isinstance(data, bytes) and len(data) > MAX_BYTES:
        errors.append(
            RowError(
                0,
                "",
                "file_too_large",
                _("Le fichier dépasse %(mb)s Mo.") % {"mb": MAX_BYTES // (1024 * 1024)},
            )
        )
        return report
    text, problem = _decode(data)
    if problem is not None:
        errors.append(problem)
        return report
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        errors.append(
            RowError(
                1,
                "",
                "empty_file",
                _("Le fichier est vide : la première ligne doit être l'en-tête (%(columns)s).")
                % {"columns": ";".join(COLUMNS)},
            )
        )
        return report

    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    header = [h.strip().lower() for h in next(reader)]
    for column in header:
        if column not in COLUMNS:
            errors.append(
                RowError(
                    1,
                    column,
                    "unknown_column",
                    _("Colonne inconnue : « %(column)s » (colonnes possibles : %(columns)s).")
                    % {"column": column, "columns": ";".join(COLUMNS)},
                )
            )
    for column in REQUIRED_COLUMNS:
        if column not in header:
            errors.append(
                RowError(
                    1,
                    column,
                    "missing_column",
                    _("Colonne obligatoire absente de l'en-tête : « %(column)s ».")
                    % {"column": column},
                )
            )
    duplicates = {c for c in header if header.count(c) > 1}
    for column in sorted(duplicates):
        errors.append(
            RowError(
                1, column, "duplicate_column", _("Colonne en double : « %(c)s ».") % {"c": column}
            )
        )
    if errors:
        return report

    rows: list[tuple[int, dict[str, str]]] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                RowError(
                    line,
                    "",
                    "column_count",
                    _("%(found)s valeur(s) au lieu de %(expected)s.")
                    % {"found": len(cells), "expected": len(header)},
                )
            )
            continue
        rows.append((line, {h: c.strip() for h, c in zip(header, cells, strict=True)}))
        if len(rows) > MAX_ROWS:
            errors.append(
                RowError(
                    line,
                    "",
                    "too_many_rows",
                    _("Le fichier dépasse %(n)s équipements : découpez-le.") % {"n": MAX_ROWS},
                )
            )
            return report
    if not rows and not errors:
        errors.append(RowError(2, "", "no_rows", _("Le fichier ne contient aucun équipement.")))
        return report

    # Everything the rows refer to, in a fixed number of queries.
    lines_by_code = {p.code: p for p in ProductLine.objects.all()}
    sites = {s.name.casefold(): s for s in Site.objects.filter(customer=customer)}
    serials_by_vendor: dict[str, set[str]] = {}
    for _line, row in rows:
        vendor = (row.get("vendor") or Vendor.HP).lower()
        serials_by_vendor.setdefault(vendor, set()).add(row["serial_number"].upper())
    taken: set[tuple[str, str]] = set()
    for vendor, serials in serials_by_vendor.items():
        if vendor in Vendor.values:
            taken.update(
                (vendor, s)
                for s in Asset.objects.filter(vendor=vendor, serial_number__in=serials).values_list(
                    "serial_number", flat=True
                )
            )

    seen: dict[tuple[str, str], int] = {}
    new_sites: dict[str, _NewSite] = {}
    valid: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        row_errors: list[RowError] = []
        _check_length(row, line, row_errors)
        serial = row["serial_number"].upper()
        vendor = (row.get("vendor") or Vendor.HP).lower()
        if not serial:
            row_errors.append(
                RowError(
                    line,
                    "serial_number",
                    "required",
                    _("Le numéro de série est obligatoire."),
                )
            )
        if vendor not in Vendor.values:
            row_errors.append(
                RowError(
                    line,
                    "vendor",
                    "unknown_vendor",
                    _("Constructeur inconnu : « %(v)s » (hp ou other).") % {"v": row["vendor"]},
                )
            )
        elif serial:
            key = (vendor, serial)
            if key in seen:
                row_errors.append(
                    RowError(
                        line,
                        "serial_number",
                        "duplicate_in_file",
                        _("Le numéro de série %(s)s figure déjà ligne %(first)s.")
                        % {"s": serial, "first": seen[key]},
                    )
                )
            else:
                seen[key] = line
                if key in taken:
                    # Never say whose it is: another partner's installed base stays invisible.
                    row_errors.append(
                        RowError(
                            line,
                            "serial_number",
                            "serial_taken",
                            _("Le numéro de série %(s)s est déjà enregistré pour ce constructeur.")
                            % {"s": serial},
                        )
                    )
        code = row["product_line"].lower()
        product_line = lines_by_code.get(code)
        if product_line is None:
            row_errors.append(
                RowError(
                    line,
                    "product_line",
                    "unknown_product_line" if code else "required",
                    _("Gamme inconnue : « %(v)s » (codes possibles : %(codes)s).")
                    % {"v": row["product_line"], "codes": ", ".join(sorted(lines_by_code))},
                )
            )

        site_name = row["site"]
        site_key = site_name.casefold()
        new_site = False
        if not site_name:
            row_errors.append(
                RowError(line, "site", "required", _("Le nom du site est obligatoire."))
            )
        elif site_key not in sites:
            new_site = True
            region = _normalise_region(row.get("region", ""))
            tz = row.get("timezone", "") or DEFAULT_TIMEZONE
            defined = new_sites.get(site_key)
            if defined is None:
                if not row.get("city"):
                    row_errors.append(
                        RowError(
                            line,
                            "city",
                            "required",
                            _("Le site « %(site)s » n'existe pas encore : indiquez sa ville.")
                            % {"site": site_name},
                        )
                    )
                message = _validator_message(validate_region, region)
                if message:
                    row_errors.append(RowError(line, "region", "invalid_region", message))
                message = _validator_message(validate_timezone, tz)
                if message:
                    row_errors.append(RowError(line, "timezone", "invalid_timezone", message))
                if not any(e.column in ("city", "region", "timezone") for e in row_errors):
                    new_sites[site_key] = _NewSite(
                        name=site_name,
                        city=row.get("city", ""),
                        postal_code=row.get("postal_code", ""),
                        region=region,
                        timezone=tz,
                        line=line,
                    )
            else:
                # A later row of a new site may repeat its details, not contradict them.
                for column, value, first in (
                    ("city", row.get("city", ""), defined.city),
                    ("postal_code", row.get("postal_code", ""), defined.postal_code),
                    ("region", region if row.get("region") else "", defined.region),
                    ("timezone", row.get("timezone", ""), defined.timezone),
                ):
                    if value and value != first:
                        row_errors.append(
                            RowError(
                                line,
                                column,
                                "site_conflict",
                                _(
                                    "Le site « %(site)s » est défini ligne %(first_line)s avec %(column)s « %(first)s »."
                                )
                                % {
                                    "site": site_name,
                                    "first_line": defined.line,
                                    "column": column,
                                    "first": first,
                                },
                            )
                        )

        if row_errors:
            errors.extend(row_errors)
            continue
        valid.append(
            (
                line,
                {
                    "line": line,
                    "serial_number": serial,
                    "vendor": vendor,
                    "vendor_label": str(Vendor(vendor).label),
                    "product_line": product_line,
                    "product_line_name": product_line.display_name if product_line else "",
                    "model": row.get("model", ""),
                    "site": sites[site_key].name if not new_site else new_sites[site_key].name,
                    "site_key": site_key,
                    "new_site": new_site,
                    "city": sites[site_key].city if not new_site else new_sites[site_key].city,
                },
            )
        )

    report.preview = [
        {k: v for k, v in row.items() if k not in ("product_line", "site_key")} for _l, row in valid
    ]
    if errors or dry_run:
        return report

    try:
        with transaction.atomic():
            created_sites: dict[str, Site] = {}
            for line, row in valid:
                key = row["site_key"]
                site = sites.get(key) or created_sites.get(key)
                if site is None:
                    spec = new_sites[key]
                    site = _or_abort(
                        line,
                        lambda spec=spec: site_create(
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
                    line,
                    lambda row=row, site=site: asset_create(
                        customer=customer,
                        site=site,
                        serial_number=row["serial_number"],
                        product_line=row["product_line"],
                        vendor=row["vendor"],
                        model=row["model"],
                        actor=actor,
                    ),
                )
    except _Abort as abort:
        # Something changed since validation (a serial registered meanwhile): nothing stays.
        report.errors.append(abort.error)
        return report
    report.created = len(valid)
    report.sites_created = len(created_sites)
    return report


def _or_abort(line: int, call: Any) -> Any:
    try:
        return call()
    except DomainError as error:
        raise _Abort(RowError(line, error.field or "", error.code, str(error.message))) from None
