"""Steps two and three of the legacy import: check the database, then write all rows or none."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from partners import eligibility as engine
from partners import selectors
from partners.legacy.parse import LegacyRow, RowError, legacy_parse
from partners.models import Membership, Partner, Tier
from partners.services import partner_apply_evaluation
from servicone.access import PartnerRole
from servicone.errors import StateConflict
from servicone.models import AuditEvent

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
    # Usernames compared without regard to case: "Claire.Morel@…" is the same account.
    for username, email in (
        get_user_model()
        # Usernames are unique whatever their case (partners.0005): "Claire.Morel@…" is taken.
        .objects.annotate(email_lower=Lower("email"), username_lower=Lower("username"))
        .filter(Q(username_lower__in=emails) | Q(email_lower__in=emails))
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
