from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)
from django.utils.translation import override

from partners.legacy import DELIMITERS, LegacyImportReport, partners_legacy_import
from servicone.errors import DomainError
from servicone.money import format_eur_fr

HELP = """\
Import former ASP/PSP members from a CSV file, all rows or none.

The first line is the header (column order free, names case-insensitive):

  name;siren;former_programme;declared_revenue_eur;admin_email;admin_first_name;admin_last_name
  Kervénic Systèmes;418732053;ASP;12 500,00;claire.morel@kervenic.example;Claire;Morel
  Tarvénac IT;529047169;PSP;48210.50;l.garnier@tarvenac.example;Luc;Garnier

  name                  company name (required)
  siren                 9 digits with a valid Luhn key; spaces allowed ("418 732 053")
  former_programme      ASP or PSP
  declared_revenue_eur  services revenue of the last 12 months, "12 500,00" or "12500.00"
  admin_email           the partner admin's e-mail, also their username
  admin_first_name, admin_last_name   may be empty

The file is UTF-8 (a byte-order mark, as Excel writes it, is fine); the delimiter,
";" or ",", is read from the header unless --delimiter is given. With ",", quote
French amounts: "12 500,00".

Each row is checked (line numbers in the report): a SIREN or admin e-mail repeated in
the file or already in the portal is an error: the import creates partners, it never
updates one. If any row is invalid nothing is written and the command exits with
status 1. Otherwise each partner is created with its former programme and declared
revenue (audit action partner.legacy_import), an admin user with an unusable password
(they set one through the password-reset page) and a membership, then its tier is set
by the normal evaluation (10,000 EUR of revenue gives Sell). --dry-run validates and
prints what would be created without writing anything.
"""


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Keep the header example of the help as written."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file of former ASP/PSP members")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and show what would be created, write nothing",
        )
        parser.add_argument(
            "--delimiter",
            choices=DELIMITERS,
            default=None,
            help="column delimiter (default: read from the header line)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        # Reports are read by HP staff: in the portal's language (French first).
        with override(settings.LANGUAGE_CODE):
            try:
                report = partners_legacy_import(
                    data=data,
                    delimiter=options["delimiter"],
                    dry_run=options["dry_run"],
                    source=path.name,
                )
            except DomainError as error:
                raise CommandError(str(error.message)) from None
            self._print(report)
            if not report.ok:
                raise CommandError(
                    f"{len(report.errors)} erreur(s) dans {path.name} : rien n'a été importé."
                )

    def _print(self, report: LegacyImportReport) -> None:
        if not report.ok:
            self.stderr.write(f"Lignes refusées ({len(report.errors)} erreur(s)) :")
            for error in sorted(report.errors, key=lambda e: (e.line, e.column)):
                self.stderr.write(f"  {error}")
            return
        verb = "serait créé" if report.dry_run else "créé"
        if report.dry_run:
            self.stdout.write(self.style.WARNING("Simulation (--dry-run) : rien n'a été écrit."))
        for item in report.partners:
            self.stdout.write(
                f"  ligne {item.line} : {item.name} (SIREN {item.siren}, "
                f"{item.programme.upper()}, {format_eur_fr(item.declared_revenue_eur)}) "
                f"→ niveau {item.tier_name or '—'}, administrateur {item.admin_username} {verb}"
            )
        total = len(report.partners)
        per_tier = ", ".join(f"{name} {count}" for name, count in report.per_tier()) or "—"
        summary = (
            f"{total} partenaire(s) {'seraient créés' if report.dry_run else 'créé(s)'} "
            f"— par niveau : {per_tier}."
        )
        self.stdout.write(self.style.SUCCESS(summary) if not report.dry_run else summary)
