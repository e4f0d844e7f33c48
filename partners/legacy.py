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
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from partners import eligibility as engine
from partners import selectors
from partners.models import LegacyProgramme, Membership, Partner, Tier
from servicone.access import PartnerRole
from servicone.errors import StateConflict
from servicone.models import AuditEvent

COLUMNS = (
    "name",
    "siren",
    "former_programme",
    "declared_revenue_eur",
    "admin_email",
    "admin_first_name",
    "admin_last_name",
)
DELIMITERS = (";", ",")
PROGRAMMES = {"ASP": LegacyProgramme.ASP.value, "PSP": LegacyProgramme.PSP.value}
# Partner.declared_revenue_12m_eur is DecimalField(max_digits=14, decimal_places=2).
MAX_AMOUNT = Decimal("999999999999.99")

# Thousands separators a French spreadsheet may write: space, no-break space, narrow
# no-break space (what Excel and LibreOffice put in "12 500,00"), thin space.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_AMOUNT_PATTERNS = (
    re.compile(r"\d+(?:[.,]\d{1,2})?"),  # 12500 / 12500.00 / 12500,5
    re.compile(r"\d{1,3}(?: \d{3})+(?:[.,]\d{1,2})?"),  # 12 500 / 12 500,00
)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:€|eur)\s*$", re.IGNORECASE)


# --- Pure helpers -----------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """The Luhn key SIREN numbers carry (INSEE): every second digit from the right doubled."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_with_check_digit(first_eight: str) -> str:
    """Complete eight digits into a SIREN whose Luhn key is valid."""
    for last in "0123456789":
        if luhn_valid(first_eight + last):
            return first_eight + last
    raise AssertionError("unreachable: one digit in ten completes a Luhn number")


def normalise_siren(raw: str) -> str:
    """SIRENs are often written in groups ("412 345 672"): spacing is not significant."""
    return "".join(ch for ch in raw if ch not in _GROUP_SPACES).strip()


def parse_amount_eur(raw: str) -> Decimal:
    """``"12 500,00"``, ``"12500.00"``, ``"12 500 €"`` → ``Decimal("12500.00")``.

    One decimal separator (comma or point) with at most two decimals, optional groups
    of three digits separated by spaces. Anything ambiguous ("12,500.00", "12.500,00",
    "12,500") is refused rather than guessed. Raises ``ValueError`` with the reason.
    """
    text = _CURRENCY_SUFFIX.sub("", raw.strip())
    for space in _GROUP_SPACES:
        text = text.replace(space, " ")
    text = text.strip()
    if not text:
        raise ValueError(_("le montant est vide"))
    if text.startswith("-"):
        raise ValueError(_("le montant ne peut pas être négatif"))
    if not any(pattern.fullmatch(text) for pattern in _AMOUNT_PATTERNS):
        raise ValueError(
            _("montant illisible « %(value)s » : écrivez par exemple « 12 500,00 » ou « 12500.00 »")
            % {"value": raw.strip()}
        )
    try:
        amount = Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the patterns only let digits through
        raise ValueError(_("montant illisible « %(value)s »") % {"value": raw.strip()}) from None
    if amount > MAX_AMOUNT:
        raise ValueError(_("montant trop élevé"))
    return amount.quantize(Decimal("0.01"))


def format_eur(amount: Decimal) -> str:
    return engine.format_eur_fr(amount)


# --- Parsing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegacyRow:
    """One valid line of the file, typed and normalised."""

    line: int
    name: str
    siren: str
    programme: str  # LegacyProgramme value: "asp" | "psp"
    declared_revenue_eur: Decimal
    admin_email: str  # lower-cased; also the admin's username
    admin_first_name: str
    admin_last_name: str


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # physical line of the file, the header being line 1
    column: str
    message: str

    def __str__(self) -> str:
        where = _("ligne %(line)s") % {"line": self.line}
        if self.column:
            where = f"{where}, {self.column}"
        return f"{where} : {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: tuple[LegacyRow, ...]
    errors: tuple[RowError, ...]
    delimiter: str = ""
    lines_read: int = 0


def _decode(data: bytes | str) -> tuple[str | None, RowError | None]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), None
    try:
        # utf-8-sig drops the byte-order mark Excel writes in "CSV UTF-8".
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, RowError(
            line,
            "",
            _(
                "le fichier n'est pas en UTF-8 : enregistrez-le au format « CSV UTF-8 » "
                "depuis votre tableur"
            ),
        )


def _sniff_delimiter(header_line: str) -> str:
    # The header holds plain column names, so the delimiter is whichever of ; and ,
    # it contains; sniffing data lines would be fooled by "12 500,00".
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header_key(cell: str) -> str:
    return "_".join(cell.strip().lower().split())


def _row_values(line: int, values: dict[str, str], errors: list[RowError]) -> LegacyRow | None:
    """Validate one data row; appends its errors and returns None when it has any."""
    found: list[RowError] = []

    name = " ".join(values["name"].split())
    if not name:
        found.append(RowError(line, "name", _("la raison sociale est obligatoire")))
    elif len(name) > 200:
        found.append(RowError(line, "name", _("la raison sociale dépasse 200 caractères")))

    raw_siren = values["siren"].strip()
    siren = normalise_siren(raw_siren)
    if not siren:
        found.append(RowError(line, "siren", _("le SIREN est obligatoire")))
    elif not (len(siren) == 9 and siren.isascii() and siren.isdigit()):
        found.append(
            RowError(
                line,
                "siren",
                _("SIREN « %(value)s » invalide : il compte exactement 9 chiffres")
                % {"value": raw_siren},
            )
        )
    elif not luhn_valid(siren):
        found.append(
            RowError(
                line,
                "siren",
                _("SIREN « %(value)s » invalide : la clé de contrôle (Luhn) ne correspond pas")
                % {"value": raw_siren},
            )
        )

    raw_programme = values["former_programme"].strip()
    programme = PROGRAMMES.get(raw_programme.upper())
    if programme is None:
        found.append(
            RowError(
                line,
                "former_programme",
                _("ancien programme « %(value)s » inconnu : ASP ou PSP attendu")
                % {"value": raw_programme},
            )
        )

    amount: Decimal | None = None
    try:
        amount = parse_amount_eur(values["declared_revenue_eur"])
    except ValueError as exc:
        found.append(RowError(line, "declared_revenue_eur", str(exc)))

    email = values["admin_email"].strip().lower()
    if not email:
        found.append(
            RowError(line, "admin_email", _("l'e-mail de l'administrateur est obligatoire"))
        )
    else:
        try:
            validate_email(email)
        except ValidationError:
            found.append(
                RowError(
                    line,
                    "admin_email",
                    _("adresse e-mail « %(value)s » invalide") % {"value": values["admin_email"]},
                )
            )
        else:
            if len(email) > 150:  # it is also the username (150 characters at most)
                found.append(
                    RowError(line, "admin_email", _("adresse e-mail trop longue (150 au plus)"))
                )

    first_name = " ".join(values["admin_first_name"].split())
    last_name = " ".join(values["admin_last_name"].split())
    for column, value in (("admin_first_name", first_name), ("admin_last_name", last_name)):
        if len(value) > 150:
            found.append(RowError(line, column, _("150 caractères au plus")))

    if found:
        errors.extend(found)
        return None
    assert programme is not None
    assert amount is not None
    return LegacyRow(
        line=line,
        name=name,
        siren=siren,
        programme=programme,
        declared_revenue_eur=amount,
        admin_email=email,
        admin_first_name=first_name,
        admin_last_name=last_name,
    )


def legacy_parse(data: bytes | str, *, delimiter: str | None = None) -> ParsedFile:
    """Parse and validate a legacy-members CSV; no database access.

    Rows with errors are left out of ``rows`` and reported in ``errors`` with their
    line number; a repeated SIREN or admin e-mail is reported on its second line.
    """
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS}, got {delimiter!r}")
    text, decode_error = _decode(data)
    if text is None:
        assert decode_error is not None
        return ParsedFile(rows=(), errors=(decode_error,))
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        return ParsedFile(
            rows=(),
            errors=(RowError(1, "", _("la première ligne doit être l'en-tête des colonnes")),),
        )
    delimiter = delimiter or _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    header = [_header_key(cell) for cell in next(reader)]
    errors: list[RowError] = []
    missing = [c for c in COLUMNS if c not in header]
    # Spreadsheets often end every line with a delimiter: unnamed columns are ignored.
    unknown = [c for c in header if c and c not in COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1 and c in COLUMNS})
    expected = delimiter.join(COLUMNS)
    if missing:
        errors.append(
            RowError(
                1,
                "",
                _("colonne(s) manquante(s) : %(columns)s (en-tête attendu : %(expected)s)")
                % {"columns": ", ".join(missing), "expected": expected},
            )
        )
    if unknown:
        errors.append(
            RowError(
                1,
                "",
                _("colonne(s) inconnue(s) : %(columns)s (en-tête attendu : %(expected)s)")
                % {"columns": ", ".join(unknown), "expected": expected},
            )
        )
    if repeated:
        errors.append(
            RowError(
                1, "", _("colonne(s) en double : %(columns)s") % {"columns": ", ".join(repeated)}
            )
        )
    if errors:
        return ParsedFile(rows=(), errors=tuple(errors), delimiter=delimiter, lines_read=1)

    rows: list[LegacyRow] = []
    first_line_of: dict[tuple[str, str], int] = {}
    last_line = reader.line_num
    for cells in reader:
        line = last_line + 1  # a quoted field may span lines: report where the row starts
        last_line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                RowError(
                    line,
                    "",
                    _(
                        "%(found)s colonne(s) au lieu de %(expected)s : vérifiez le séparateur "
                        "(« %(delimiter)s ») et les guillemets"
                    )
                    % {"found": len(cells), "expected": len(header), "delimiter": delimiter},
                )
            )
            continue
        values = dict(zip(header, cells, strict=True))
        row = _row_values(line, values, errors)
        # Repeats are checked on every row, valid or not, so that one run lists them all.
        duplicate = False
        for column, value in (
            ("siren", normalise_siren(values["siren"])),
            ("admin_email", values["admin_email"].strip().lower()),
        ):
            if not value:
                continue
            seen = first_line_of.get((column, value))
            if seen is None:
                first_line_of[(column, value)] = line
                continue
            duplicate = True
            errors.append(
                RowError(
                    line,
                    column,
                    _("« %(value)s » figure déjà ligne %(first)s du fichier")
                    % {"value": value, "first": seen},
                )
            )
        if row is not None and not duplicate:
            rows.append(row)
    if not rows and not errors:
        errors.append(RowError(1, "", _("le fichier ne contient aucune ligne de données")))
    return ParsedFile(
        rows=tuple(rows), errors=tuple(errors), delimiter=delimiter, lines_read=last_line
    )


# --- Reads ------------------------------------------------------------------------------


def legacy_check_database(rows: tuple[LegacyRow, ...]) -> tuple[RowError, ...]:
    """Rows whose SIREN or admin e-mail already exists in the portal (two queries)."""
    if not rows:
        return ()
    existing_sirens = dict(
        Partner.objects.filter(siren__in=[r.siren for r in rows]).values_list("siren", "name")
    )
    emails = [r.admin_email for r in rows]
    taken: set[str] = set()
    for username, email in (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(Q(username__in=emails) | Q(email_lower__in=emails))
        .values_list("username", "email_lower")
    ):
        taken.update({username.lower(), email or ""})
    errors: list[RowError] = []
    for row in rows:
        if row.siren in existing_sirens:
            errors.append(
                RowError(
                    row.line,
                    "siren",
                    _(
                        "SIREN %(siren)s déjà enregistré (%(name)s) : l'import ne modifie pas "
                        "un partenaire existant"
                    )
                    % {"siren": row.siren, "name": existing_sirens[row.siren]},
                )
            )
        if row.admin_email in taken:
            errors.append(
                RowError(
                    row.line,
                    "admin_email",
                    _("un compte utilise déjà l'adresse %(email)s") % {"email": row.admin_email},
                )
            )
    return tuple(errors)


# --- The service ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedPartner:
    line: int
    name: str
    siren: str
    programme: str
    declared_revenue_eur: Decimal
    admin_username: str
    tier_code: str | None
    tier_name: str | None
    partner_id: int | None = None  # None in a dry run


@dataclass(frozen=True)
class LegacyImportReport:
    dry_run: bool
    errors: tuple[RowError, ...] = ()
    partners: tuple[ImportedPartner, ...] = ()
    lines_read: int = 0
    tiers: tuple[tuple[str, str], ...] = field(default=())  # (code, name) in rank order

    @property
    def ok(self) -> bool:
        return not self.errors

    def per_tier(self) -> list[tuple[str, int]]:
        """(tier name, partners) in rank order, tiers nobody reached left out."""
        counts = Counter(p.tier_code for p in self.partners)
        names = dict(self.tiers)
        ordered = [(names[code], counts[code]) for code, _name in self.tiers if counts[code]]
        if counts[None]:
            ordered.append(("—", counts[None]))
        return ordered


def _predicted_tiers(
    rows: tuple[LegacyRow, ...], specs: tuple[engine.Tier, ...], today: date
) -> list[engine.TierResult | None]:
    # A new partner has no engineer, contract nor approval: only its revenue counts.
    return [
        engine.evaluate(
            engine.PartnerSnapshot(partner_id=0, declared_revenue_12m_eur=row.declared_revenue_eur),
            specs,
            today,
        ).highest_eligible
        for row in rows
    ]


def partners_legacy_import(
    *,
    data: bytes | str,
    delimiter: str | None = None,
    dry_run: bool = False,
    actor: Any = None,
    source: str = "",
    today: date | None = None,
) -> LegacyImportReport:
    """Import former ASP/PSP members, all or nothing.

    Any invalid row (or SIREN / admin e-mail already in the portal) means nothing is
    written and the report lists every error with its line. A dry run validates the
    same way and reports what would be created, tiers included, without writing.
    Otherwise each partner is created with its declared revenue (audited as
    ``partner.legacy_import``), an admin user whose password is unusable (they set it
    through "mot de passe oublié"), and the tier the normal evaluation gives it.
    """
    today = today or selectors.today()
    parsed = legacy_parse(data, delimiter=delimiter)
    specs = selectors.tier_specs()
    tier_names = tuple((t.code, t.name) for t in specs)
    if parsed.errors:
        return LegacyImportReport(
            dry_run=dry_run, errors=parsed.errors, lines_read=parsed.lines_read, tiers=tier_names
        )
    if dry_run:
        errors = legacy_check_database(parsed.rows)
        if errors:
            return LegacyImportReport(
                dry_run=True, errors=errors, lines_read=parsed.lines_read, tiers=tier_names
            )
        predicted = _predicted_tiers(parsed.rows, specs, today)
        return LegacyImportReport(
            dry_run=True,
            lines_read=parsed.lines_read,
            tiers=tier_names,
            partners=tuple(
                ImportedPartner(
                    line=row.line,
                    name=row.name,
                    siren=row.siren,
                    programme=row.programme,
                    declared_revenue_eur=row.declared_revenue_eur,
                    admin_username=row.admin_email,
                    tier_code=tier.code if tier else None,
                    tier_name=tier.name if tier else None,
                )
                for row, tier in zip(parsed.rows, predicted, strict=True)
            ),
        )
    try:
        with transaction.atomic():
            # Checked inside the transaction that writes, right before writing.
            errors = legacy_check_database(parsed.rows)
            if errors:
                return LegacyImportReport(
                    dry_run=False, errors=errors, lines_read=parsed.lines_read, tiers=tier_names
                )
            created = _write(parsed.rows, actor=actor, source=source, today=today)
    except IntegrityError:
        # Another import (or an admin) created the same SIREN or username meanwhile.
        raise StateConflict(
            "legacy_import_conflict",
            _(
                "Un partenaire ou un compte de ce fichier vient d'être créé par ailleurs : "
                "rien n'a été importé, relancez l'import pour voir les lignes concernées."
            ),
        ) from None
    return LegacyImportReport(
        dry_run=False, partners=created, lines_read=parsed.lines_read, tiers=tier_names
    )


def _write(
    rows: tuple[LegacyRow, ...], *, actor: Any, source: str, today: date
) -> tuple[ImportedPartner, ...]:
    from partners.services import partner_apply_evaluation

    partners = Partner.objects.bulk_create(
        [
            Partner(
                name=row.name,
                siren=row.siren,
                legacy_programme=row.programme,
                declared_revenue_12m_eur=row.declared_revenue_eur,
            )
            for row in rows
        ]
    )
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(
                username=row.admin_email,
                email=row.admin_email,
                first_name=row.admin_first_name,
                last_name=row.admin_last_name,
                # Unusable: the admin chooses a password through the reset e-mail.
                password=make_password(None),
            )
            for row in rows
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, partner=partner, role=PartnerRole.ADMIN)
            for user, partner in zip(users, partners, strict=True)
        ]
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action="partner.legacy_import",
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                partner=partner,
                object_type=Partner._meta.label_lower,
                object_id=partner.pk,
                data={
                    "source": source,
                    "line": row.line,
                    "siren": row.siren,
                    "former_programme": row.programme,
                    "declared_revenue_eur": f"{row.declared_revenue_eur:.2f}",
                    "admin": row.admin_email,
                },
            )
            for row, partner in zip(rows, partners, strict=True)
        ]
    )

    # The tier by the normal rules: one batch read, then the usual audited service.
    specs = selectors.tier_specs()
    tiers = {t.code: t for t in Tier.objects.all()}
    snapshots = selectors.snapshots_for(
        Partner.objects.filter(pk__in=[p.pk for p in partners]), on=today
    )
    created: list[ImportedPartner] = []
    for row, partner in zip(rows, partners, strict=True):
        evaluation = engine.evaluate(snapshots[partner.pk], specs, today)
        partner_apply_evaluation(partner=partner, today=today, evaluation=evaluation, tiers=tiers)
        created.append(
            ImportedPartner(
                line=row.line,
                name=row.name,
                siren=row.siren,
                programme=row.programme,
                declared_revenue_eur=row.declared_revenue_eur,
                admin_username=row.admin_email,
                tier_code=partner.tier.code if partner.tier else None,
                tier_name=partner.tier.name if partner.tier else None,
                partner_id=partner.pk,
            )
        )
    return tuple(created)
