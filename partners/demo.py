"""Demo programme data that mirrors the article (``shared/seed-article-fr.txt``).

About 130 partners: ~100 eligible to sell (10,000 EUR of services revenue), ~30
delivering, a "petite vingtaine" of experts approved by HP, six of whom deliver
Proactive Select. Plus what makes the pages worth opening: partners just under the
threshold, certifications expiring within 60 days (tier at risk), partners in a grace
period, expert applications waiting for HP, former ASP/PSP members. Ovesys, whose users
log in, holds Deliver, lacks one CI-MASE engineer for Expert and has a ProLiant
certification expiring soon, which puts Deliver itself at risk.

``demo_plan`` is pure: a seeded ``random.Random`` and the day's date in, the partners
to create out. ``seed_programme_demo`` writes it with bulk inserts, looking everything
up by natural key first (partner SIREN, user name, engineer e-mail, certification
(engineer, course, passed_on), one expert accreditation per partner), so a second run
changes nothing. Tiers are then set by the normal evaluation, never by hand, except
the few partners seeded in a grace period (the tier they held is history).
"""

from __future__ import annotations

import logging
import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from partners import eligibility as engine
from partners import selectors
from partners.legacy import siren_with_check_digit
from partners.models import (
    Accreditation,
    Certification,
    Course,
    Engineer,
    LegacyProgramme,
    Membership,
    Partner,
    Tier,
    TierPeriod,
)
from partners.programme import COURSES
from partners.services import (
    ACCREDITATION_VALIDITY,
    certification_expiry,
    partners_evaluate_all,
    tier_periods_backfill,
)
from servicone.access import PartnerRole
from servicone.models import AuditEvent
from servicone.notify import notify, programme_managers

SEED = 20260901  # any constant: the same plan for the same day, run after run
EMAIL_DOMAIN = "example"  # RFC 2606: demo addresses can never reach anyone

# How many partners of each profile (Ovesys, a "deliver" partner, comes on top).
EXPERTS = 19  # "une petite vingtaine"; held with an approved accreditation
EXPERTS_AT_RISK = 2  # one of their two 3PAR-MASE engineers expires within 60 days
PROACTIVE_SELECT = 6  # experts who co-deliver Proactive Select ("une demi-douzaine")
EXPERTS_IN_GRACE = 1  # approved, but a 3PAR-MASE certification has expired
APPLICANTS = 3  # meet every Expert criterion, application waiting for HP
DELIVERERS = 6  # Deliver, no Expert progress worth applying with
DELIVERERS_AT_RISK = 2  # exactly two PL-ASE engineers, one expiring within 60 days
DELIVERERS_IN_GRACE = 2  # their only NET-ATP certification has expired
SELLERS = 68
REGISTERED = 30
# Just under the 10,000 EUR threshold, so the gap reads "il manque 800 €".
JUST_BELOW = tuple(
    Decimal(amount) for amount in ("9200.00", "9650.00", "9480.00", "8900.00", "9995.00")
)

MONTHS = {code: months for code, _fr, _en, _line, months, _advanced in COURSES}

STEMS = (
    "Alvéor", "Arcalys", "Armévia", "Bastélis", "Bérovia", "Brénac", "Calvanor", "Cantaris",
    "Cévanor", "Corélis", "Dalmévia", "Elvénor", "Estrévia", "Ferrandis", "Flornac",
    "Galmérys", "Garvélis", "Helvanor", "Ivarnel", "Jolvéa", "Kervénic", "Lanvélis",
    "Lorvénac", "Maravélis", "Mirvanor", "Nérovia", "Norvélis", "Orvénac", "Ostralys",
    "Parvélis", "Pelvanor", "Quervéa", "Ravélis", "Rocanel", "Salvénor", "Sarvélis",
    "Tarvénac", "Telmarys", "Ulvéor", "Valcénor", "Varvélis", "Vernalys", "Xalvéa",
    "Yrvénic", "Zanvélis", "Ambrélis", "Bocavéa", "Cordénac", "Duralys", "Esquérac",
)  # fmt: skip
ACTIVITIES = (
    "Informatique", "Systèmes", "Services", "Réseaux", "Solutions", "Maintenance",
    "Technologies", "Infogérance", "Datacenter", "IT",
)  # fmt: skip
LEGAL_FORMS = ("SAS", "SARL", "SA", "", "", "")
CITIES = (
    "Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille", "Rennes",
    "Strasbourg", "Montpellier", "Grenoble", "Nice", "Rouen", "Tours", "Dijon",
    "Clermont-Ferrand", "Orléans", "Angers", "Brest", "Metz", "Nancy", "Reims", "Caen",
    "Limoges", "Poitiers", "Perpignan", "Pau", "Annecy", "Besançon", "Amiens", "Le Mans",
    "Saint-Étienne", "Mulhouse", "Valence", "Avignon", "Toulon", "La Rochelle", "Quimper",
    "Saint-Denis (La Réunion)", "Nanterre", "Boulogne-Billancourt", "Vannes",
)  # fmt: skip
FIRST_NAMES = (
    "Camille", "Julie", "Nicolas", "Antoine", "Lucie", "Mathieu", "Émilie", "Pierre",
    "Sarah", "Guillaume", "Manon", "Romain", "Chloé", "Alexandre", "Léa", "Maxime",
    "Pauline", "Hugo", "Laura", "Benoît", "Céline", "Florian", "Inès", "Jérôme",
    "Amandine", "Sébastien", "Aurélie", "Yannick", "Nathalie", "Olivier", "Sandrine",
    "Fabien", "Mélanie", "Cédric", "Hélène", "Damien", "Karima", "Mehdi", "Yasmine",
    "Loïc", "Gaëlle", "Thibault", "Margaux", "Quentin", "Anaïs", "Vincent", "Élise",
    "Rachid", "Stéphanie", "Jérémy", "Thomas", "Océane", "Bruno", "Nadège",
)  # fmt: skip
LAST_NAMES = (
    "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David",
    "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
    "Rousseau", "Muller", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer",
    "Garnier", "Chevalier", "Legrand", "Gauthier", "Perrin", "Robin", "Clément", "Morin",
    "Henry", "Roussel", "Masson", "Marchand", "Duval", "Denis", "Dumont", "Lemaire",
    "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly",
    "Rivière", "Brunet", "Gaillard", "Barbier", "Arnaud", "Roche", "Renard", "Schmitt",
    "Colin", "Vidal", "Caron", "Picard", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas",
    "Lacroix", "Bourgeois", "Le Gall", "Le Goff", "Payet", "Hoarau", "Grondin", "Benali",
    "Nguyen", "Da Silva", "Kergoat", "Le Bihan", "Etcheverry", "Haddad",
)  # fmt: skip
APPROVAL_COMMENTS = (
    "Dossier complet, accréditation Expert validée.",
    "Certifications 3PAR et CI vérifiées : validé pour 12 mois.",
    "Validé. Merci de planifier les renouvellements MASE à l'avance.",
    "Accréditation accordée ; audit qualité des interventions satisfaisant.",
)

# Ovesys ("testée en pilote par Ovesys l'année dernière") — the partner whose users log in.
# (name, e-mail local part, login username or "", [(course, how to date it)])
# Dates: ("ago", n) passed n days ago; ("expires_in", n) expires n days from today.
OVESYS_TEAM = (
    (
        "Sophie Petit",
        "sophie.petit",
        "ovesys.engineer",
        (("PL-ASE", ("ago", 310)), ("3PAR-MASE", ("ago", 205)), ("PS-DELIVERY", ("ago", 150))),
    ),
    ("Thomas Girard", "thomas.girard", "", (("PL-ASE", ("expires_in", 41)), ("NET-ATP", ("ago", 260)))),
    ("Élodie Fontaine", "elodie.fontaine", "", (("3PAR-MASE", ("ago", 120)), ("3PAR-ASE", ("ago", 480)))),
    ("Karim Haddad", "karim.haddad", "", (("NET-ATP", ("ago", 95)), ("MV-SUPPORT", ("ago", 60)))),
)  # fmt: skip
OVESYS_DOMAIN = "ovesys.example"


# --- The plan (pure) -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoCertification:
    course: str
    passed_on: date


@dataclass(frozen=True, slots=True)
class DemoEngineer:
    name: str
    email: str
    certifications: tuple[DemoCertification, ...]
    username: str = ""  # the portal login this engineer uses, if any


@dataclass(frozen=True, slots=True)
class DemoApplication:
    status: str  # Accreditation.Status value: approved or submitted
    submitted_on: date
    decided_on: date | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class DemoGrace:
    held_tier: str
    tier_since: date
    started_on: date
    until: date
    pending_tier: str


@dataclass(frozen=True, slots=True)
class DemoPartner:
    name: str
    siren: str
    city: str
    profile: str
    legacy_programme: str
    declared_revenue_eur: Decimal
    admin: tuple[str, str, str]  # first name, last name, e-mail (also the username)
    engineers: tuple[DemoEngineer, ...]
    application: DemoApplication | None = None
    grace: DemoGrace | None = None


def _ascii_slug(text: str, sep: str = "-") -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return sep.join("".join(c if c.isalnum() else " " for c in plain).split())


def _passed_expiring_in(course: str, today: date, days: int) -> date:
    """The pass date whose certification expires ``days`` days from ``today``."""
    return today + timedelta(days=days + 1) - relativedelta(months=MONTHS[course])


class _Planner:
    """Draws one partner after another from a single seeded generator."""

    def __init__(self, today: date, grace_days: int) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        self.today = today
        self.grace_days = grace_days
        self.sirens: set[str] = set()

    # Dates ------------------------------------------------------------------------------
    def before(self, day: date, lo: int, hi: int) -> date:
        return day - timedelta(days=self.rng.randint(lo, hi))

    def valid_pass(self, course: str, *, by: date | None = None) -> date:
        """A pass date some weeks or months before ``by`` (default today).

        24-month courses stay valid at least 130 days after today even when ``by`` is
        300 days ago; 12-month ones (Proactive Select, multivendor) may have lapsed.
        """
        by = by or self.today
        hi = 300 if MONTHS[course] >= 24 else 150
        return self.before(by, 20, hi)

    # Identity -----------------------------------------------------------------------------
    def siren(self) -> str:
        while True:
            candidate = siren_with_check_digit(f"{self.rng.randint(30_000_000, 89_999_999):08d}")
            if candidate not in self.sirens:
                self.sirens.add(candidate)
                return candidate

    def company_names(self, count: int) -> list[tuple[str, str]]:
        """(display name, e-mail domain) pairs, all different."""
        combos = [(s, a) for s in STEMS for a in ACTIVITIES]
        picked = self.rng.sample(combos, count)
        names = []
        for stem, activity in picked:
            form = self.rng.choice(LEGAL_FORMS)
            name = f"{stem} {activity}" + (f" {form}" if form else "")
            domain = _ascii_slug(f"{stem} {activity}") + f".{EMAIL_DOMAIN}"
            names.append((name, domain))
        return names

    def person(self, taken: set[str]) -> tuple[str, str]:
        while True:
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            if f"{first} {last}" not in taken:
                taken.add(f"{first} {last}")
                return first, last

    def team(
        self,
        domain: str,
        holders: dict[str, list[date]],
        *,
        extra: int = 0,
    ) -> tuple[DemoEngineer, ...]:
        """Engineers holding ``holders[course]`` (one pass date per distinct engineer)."""
        size = max([0, *(len(dates) for dates in holders.values())])
        size = size + extra if size else extra
        if size == 0:
            return ()
        taken: set[str] = set()
        people = [self.person(taken) for _ in range(size)]
        certs: list[list[DemoCertification]] = [[] for _ in range(size)]
        for course, dates in holders.items():
            for index, passed_on in zip(
                self.rng.sample(range(size), len(dates)), dates, strict=True
            ):
                certs[index].append(DemoCertification(course, passed_on))
        return tuple(
            DemoEngineer(
                name=f"{first} {last}",
                email=f"{_ascii_slug(first, '')}.{_ascii_slug(last, '')}@{domain}",
                certifications=tuple(sorted(certs[i], key=lambda c: c.course)),
            )
            for i, (first, last) in enumerate(people)
        )

    def admin(self, domain: str) -> tuple[str, str, str]:
        first, last = self.person(set())
        return first, last, f"{_ascii_slug(first, '')}.{_ascii_slug(last, '')}@{domain}"

    def amount(self, lo: int, hi: int) -> Decimal:
        return Decimal(self.rng.randrange(lo, hi, 10)).quantize(Decimal("0.01"))

    def legacy(self, psp_share: float, member_share: float) -> str:
        if self.rng.random() >= member_share:
            return LegacyProgramme.NONE.value
        return (
            LegacyProgramme.PSP.value
            if self.rng.random() < psp_share
            else LegacyProgramme.ASP.value
        )

    # Profiles ------------------------------------------------------------------------------
    def expert_holders(self, submitted_on: date) -> dict[str, list[date]]:
        rng = self.rng
        return {
            course: [self.valid_pass(course, by=submitted_on) for _ in range(count)]
            for course, count in (
                ("PL-ASE", rng.randint(2, 4)),
                ("NET-ATP", rng.randint(1, 2)),
                ("3PAR-MASE", rng.randint(2, 3)),
                ("CI-MASE", rng.randint(1, 2)),
                ("3PAR-ASE", rng.randint(1, 3)),
                ("MV-SUPPORT", rng.randint(0, 2)),
            )
        }

    def expert(self, index: int, domain: str) -> tuple[dict[str, list[date]], DemoApplication]:
        rng = self.rng
        submitted_on = self.before(self.today, 45, 300)
        decided_on = submitted_on + timedelta(days=rng.randint(3, 21))
        holders = self.expert_holders(submitted_on)
        if index < EXPERTS_AT_RISK:
            # Two 3PAR-MASE engineers exactly, one of them expiring within 60 days.
            holders["3PAR-MASE"] = [
                _passed_expiring_in("3PAR-MASE", self.today, rng.randint(12, 55)),
                self.valid_pass("3PAR-MASE", by=submitted_on),
            ]
        if EXPERTS_AT_RISK <= index < EXPERTS_AT_RISK + PROACTIVE_SELECT:
            holders["PS-DELIVERY"] = [
                self.valid_pass("PS-DELIVERY", by=self.today) for _ in range(rng.randint(1, 2))
            ]
        application = DemoApplication(
            status=Accreditation.Status.APPROVED.value,
            submitted_on=submitted_on,
            decided_on=decided_on,
            comment=rng.choice(APPROVAL_COMMENTS),
        )
        return holders, application

    def expert_in_grace(self) -> tuple[dict[str, list[date]], DemoApplication, DemoGrace]:
        rng = self.rng
        expired_days_ago = rng.randint(12, 38)
        last_valid = self.today - timedelta(days=expired_days_ago)
        submitted_on = self.before(last_valid, 60, 200)
        decided_on = submitted_on + timedelta(days=rng.randint(3, 14))
        holders = self.expert_holders(submitted_on)
        holders["3PAR-MASE"] = [
            _passed_expiring_in("3PAR-MASE", last_valid, 0),
            self.valid_pass("3PAR-MASE", by=submitted_on),
        ]
        application = DemoApplication(
            status=Accreditation.Status.APPROVED.value,
            submitted_on=submitted_on,
            decided_on=decided_on,
            comment=rng.choice(APPROVAL_COMMENTS),
        )
        return holders, application, self.grace("expert", "deliver", last_valid, decided_on)

    def grace(self, held: str, pending: str, last_valid: date, since: date) -> DemoGrace:
        # The nightly evaluation of the day after the expiry started the grace period.
        started_on = last_valid + timedelta(days=1)
        return DemoGrace(
            held_tier=held,
            tier_since=since,
            started_on=started_on,
            until=started_on + timedelta(days=self.grace_days),
            pending_tier=pending,
        )

    def applicant(self) -> tuple[dict[str, list[date]], DemoApplication]:
        submitted_on = self.before(self.today, 2, 12)
        return self.expert_holders(submitted_on), DemoApplication(
            status=Accreditation.Status.SUBMITTED.value, submitted_on=submitted_on
        )

    def deliverer(self, at_risk: bool) -> dict[str, list[date]]:
        rng = self.rng
        holders = {
            "PL-ASE": [self.valid_pass("PL-ASE") for _ in range(rng.randint(2, 4))],
            "NET-ATP": [self.valid_pass("NET-ATP") for _ in range(rng.randint(1, 2))],
        }
        if at_risk:
            holders["PL-ASE"] = [
                _passed_expiring_in("PL-ASE", self.today, rng.randint(10, 50)),
                self.valid_pass("PL-ASE"),
            ]
        # Some progress toward Expert, not enough to apply (no CI-MASE engineer).
        if rng.random() < 0.5:
            holders["3PAR-MASE"] = [self.valid_pass("3PAR-MASE")]
        if rng.random() < 0.5:
            holders["3PAR-ASE"] = [self.valid_pass("3PAR-ASE") for _ in range(rng.randint(1, 2))]
        return holders

    def deliverer_in_grace(self) -> tuple[dict[str, list[date]], DemoGrace]:
        rng = self.rng
        last_valid = self.today - timedelta(days=rng.randint(12, 38))
        holders = {
            "PL-ASE": [self.valid_pass("PL-ASE") for _ in range(rng.randint(2, 3))],
            "NET-ATP": [_passed_expiring_in("NET-ATP", last_valid, 0)],
        }
        since = self.before(self.today, 200, 500)
        return holders, self.grace("deliver", "sell", last_valid, since)

    def seller(self) -> tuple[dict[str, list[date]], int]:
        """Certifications short of Deliver: fewer than two PL-ASE, or no NET-ATP."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return {}, rng.randint(0, 2)
        if roll < 0.55:
            return {"MV-SUPPORT": [self.valid_pass("MV-SUPPORT")]}, rng.randint(0, 2)
        if roll < 0.8:
            holders = {"PL-ASE": [self.valid_pass("PL-ASE")]}
            if rng.random() < 0.5:
                holders["NET-ATP"] = [self.valid_pass("NET-ATP")]
            return holders, rng.randint(0, 2)
        # Two PL-ASE engineers, the NET-ATP one expired long ago: "1 more engineer on NET-ATP".
        return {
            "PL-ASE": [self.valid_pass("PL-ASE") for _ in range(2)],
            "NET-ATP": [_passed_expiring_in("NET-ATP", self.today, -rng.randint(100, 400))],
        }, rng.randint(0, 1)

    def registered(self) -> tuple[dict[str, list[date]], int]:
        if self.rng.random() < 0.6:
            return {}, 0
        return {"PL-ASE": [self.valid_pass("PL-ASE")]}, self.rng.randint(0, 1)


def demo_plan(today: date, *, grace_days: int = 90) -> tuple[DemoPartner, ...]:
    """The demo partners for ``today`` (Ovesys excluded): same day, same plan."""
    planner = _Planner(today, grace_days)
    rng = planner.rng
    profiles = (
        ["expert"] * EXPERTS
        + ["expert_grace"] * EXPERTS_IN_GRACE
        + ["applicant"] * APPLICANTS
        + ["deliver"] * DELIVERERS
        + ["deliver_grace"] * DELIVERERS_IN_GRACE
        + ["sell"] * SELLERS
        + ["registered"] * REGISTERED
    )
    names = planner.company_names(len(profiles))
    partners: list[DemoPartner] = []
    counters: dict[str, int] = {}
    for profile, (name, domain) in zip(profiles, names, strict=True):
        index = counters.get(profile, 0)
        counters[profile] = index + 1
        application: DemoApplication | None = None
        grace: DemoGrace | None = None
        extra = rng.randint(0, 2)
        if profile == "expert":
            holders, application = planner.expert(index, domain)
            revenue = planner.amount(120_000, 900_000)
            legacy = planner.legacy(psp_share=0.85, member_share=0.9)
        elif profile == "expert_grace":
            holders, application, grace = planner.expert_in_grace()
            revenue = planner.amount(90_000, 400_000)
            legacy = planner.legacy(psp_share=0.85, member_share=0.9)
        elif profile == "applicant":
            holders, application = planner.applicant()
            revenue = planner.amount(80_000, 400_000)
            legacy = planner.legacy(psp_share=0.7, member_share=0.8)
        elif profile == "deliver":
            holders = planner.deliverer(at_risk=index < DELIVERERS_AT_RISK)
            revenue = planner.amount(35_000, 250_000)
            legacy = planner.legacy(psp_share=0.7, member_share=0.8)
        elif profile == "deliver_grace":
            holders, grace = planner.deliverer_in_grace()
            revenue = planner.amount(25_000, 120_000)
            legacy = planner.legacy(psp_share=0.7, member_share=0.9)
        elif profile == "sell":
            holders, extra = planner.seller()
            # The threshold itself, and just above it, make the boundary visible.
            if index == 0:
                revenue = Decimal("10000.00")
            elif index == 1:
                revenue = Decimal("10480.00")
            elif rng.random() < 0.5:
                revenue = planner.amount(10_000, 30_000)
            else:
                revenue = planner.amount(30_000, 150_000)
            # About 70 sellers before ServiceOne, most of them ASP members.
            legacy = planner.legacy(psp_share=0.2, member_share=0.75 if revenue >= 25_000 else 0.4)
        else:
            holders, extra = planner.registered()
            if index < len(JUST_BELOW):
                revenue = JUST_BELOW[index]
            elif rng.random() < 0.3:
                revenue = Decimal("0.00")
            else:
                revenue = planner.amount(500, 7_500)
            legacy = planner.legacy(psp_share=0.1, member_share=0.1)
        partners.append(
            DemoPartner(
                name=name,
                siren=planner.siren(),
                city=rng.choice(CITIES),
                profile=profile,
                legacy_programme=legacy,
                declared_revenue_eur=revenue,
                admin=planner.admin(domain),
                engineers=planner.team(domain, holders, extra=extra),
                application=application,
                grace=grace,
            )
        )
    return tuple(partners)


def ovesys_team(today: date) -> tuple[DemoEngineer, ...]:
    engineers = []
    for name, local, username, certs in OVESYS_TEAM:
        planned = []
        for course, (how, days) in certs:
            if how == "ago":
                passed_on = today - timedelta(days=days)
            else:
                passed_on = _passed_expiring_in(course, today, days)
            planned.append(DemoCertification(course, passed_on))
        engineers.append(
            DemoEngineer(
                name=name,
                email=f"{local}@{OVESYS_DOMAIN}",
                certifications=tuple(planned),
                username=username,
            )
        )
    return tuple(engineers)


# --- The writes ----------------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass(frozen=True)
class DemoSeedResult:
    partners_created: int
    engineers_created: int
    certifications_created: int
    accreditations_created: int
    evaluation: dict[str, int]


@transaction.atomic
def seed_programme_demo(
    *,
    ovesys: Partner | None = None,
    programme_manager: Any = None,
    today: date | None = None,
) -> DemoSeedResult:
    """Create the demo programme data that is missing, then evaluate every partner's tier.

    ``ovesys`` gets its engineers and certifications; ``programme_manager`` is who
    decided the approved expert accreditations.
    """
    today = today or selectors.today()
    plan = demo_plan(today, grace_days=settings.TIER_GRACE_DAYS)
    tiers = {t.code: t for t in Tier.objects.all()}

    # Partners, by SIREN. Those seeded in grace hold the tier they are about to lose.
    known = set(
        Partner.objects.filter(siren__in=[p.siren for p in plan]).values_list("siren", flat=True)
    )
    fresh = [p for p in plan if p.siren not in known]
    Partner.objects.bulk_create(
        [
            Partner(
                name=p.name,
                siren=p.siren,
                city=p.city,
                legacy_programme=p.legacy_programme,
                declared_revenue_12m_eur=p.declared_revenue_eur,
                tier=tiers[p.grace.held_tier] if p.grace else None,
                tier_since=p.grace.tier_since if p.grace else None,
                grace_until=p.grace.until if p.grace else None,
                pending_tier=tiers[p.grace.pending_tier] if p.grace else None,
            )
            for p in fresh
        ]
    )
    by_siren = {p.siren: p for p in Partner.objects.filter(siren__in=[p.siren for p in plan])}
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=_at(p.grace.started_on, 2, 15),
                action="tier.grace_started",
                partner=by_siren[p.siren],
                object_type=Partner._meta.label_lower,
                object_id=by_siren[p.siren].pk,
                data={
                    "tier": p.grace.held_tier,
                    "pending": p.grace.pending_tier,
                    "grace_until": p.grace.until.isoformat(),
                },
            )
            for p in fresh
            if p.grace
        ]
    )

    admins = _seed_admins(plan, by_siren)
    teams: list[tuple[Partner, tuple[DemoEngineer, ...]]] = [
        (by_siren[p.siren], p.engineers) for p in plan
    ]
    if ovesys is not None:
        teams.append((ovesys, ovesys_team(today)))
    engineers_created, certifications_created = _seed_teams(teams)

    manager = programme_manager if getattr(programme_manager, "pk", None) else None
    accreditations = _seed_approved(plan, by_siren, admins, manager, tiers["expert"], today)
    # Tiers follow from the data: the normal nightly evaluation, run now. Its first run
    # grants ~130 tiers; a log line for each would bury the demo logins `make run` prints.
    services_log = logging.getLogger("partners.services")
    level = services_log.level
    services_log.setLevel(logging.WARNING)
    try:
        evaluation = partners_evaluate_all(today=today)
    finally:
        services_log.setLevel(level)
    accreditations += _seed_submitted(plan, by_siren, admins, tiers["expert"])
    tier_periods_backfill(today=today)
    _seed_tier_history([by_siren[p.siren] for p in fresh], tiers, today)
    return DemoSeedResult(
        partners_created=len(fresh),
        engineers_created=engineers_created,
        certifications_created=certifications_created,
        accreditations_created=accreditations,
        evaluation=evaluation,
    )


def _seed_tier_history(partners: list[Partner], tiers: dict[str, Tier], today: date) -> None:
    """A believable past for the "partners per tier" chart: the programme grew over 18 months.

    The evaluation just opened every demo partner's period today; each is moved back
    to a date derived from the partner, with the lower tiers it climbed through before.
    """
    ladder = [tiers[code] for code in ("sell", "deliver", "expert")]
    periods = list(
        TierPeriod.objects.filter(partner__in=partners, ended_on__isnull=True).select_related(
            "tier"
        )
    )
    history: list[TierPeriod] = []
    for period in periods:
        seed = period.partner_id * 7919
        step = 60 + seed % 150  # days spent on each lower tier
        start = today - timedelta(days=20 + seed % 540)
        climbed = [t for t in ladder if t.rank < period.tier.rank]
        begin = start - timedelta(days=step * len(climbed))
        for tier in climbed:
            history.append(
                TierPeriod(
                    partner_id=period.partner_id,
                    tier=tier,
                    started_on=begin,
                    ended_on=begin + timedelta(days=step),
                )
            )
            begin += timedelta(days=step)
        period.started_on = start
    TierPeriod.objects.bulk_update(periods, ["started_on"])
    TierPeriod.objects.bulk_create(history)


def _seed_admins(plan: tuple[DemoPartner, ...], by_siren: dict[str, Partner]) -> dict[str, Any]:
    """Each demo partner's admin (username = e-mail, unusable password); by SIREN."""
    user_model = get_user_model()
    wanted = {p.admin[2]: p for p in plan}
    known = set(user_model.objects.filter(username__in=wanted).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [
            user_model(
                username=email,
                email=email,
                first_name=p.admin[0],
                last_name=p.admin[1],
                password=make_password(None),
            )
            for email, p in wanted.items()
            if email not in known
        ]
    )
    users = {u.username: u for u in user_model.objects.filter(username__in=wanted)}
    with_membership = set(
        Membership.objects.filter(user__in=users.values()).values_list("user_id", flat=True)
    )
    Membership.objects.bulk_create(
        [
            Membership(user=users[email], partner=by_siren[p.siren], role=PartnerRole.ADMIN)
            for email, p in wanted.items()
            if users[email].pk not in with_membership
        ]
    )
    return {p.siren: users[p.admin[2]] for p in plan}


def _seed_teams(teams: list[tuple[Partner, tuple[DemoEngineer, ...]]]) -> tuple[int, int]:
    courses = {c.code: c for c in Course.objects.all()}
    partner_ids = [partner.pk for partner, _ in teams]
    known = set(
        Engineer.objects.filter(partner_id__in=partner_ids).values_list("partner_id", "email")
    )
    logins = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=[e.username for _, team in teams for e in team if e.username],
            engineer__isnull=True,
        )
    }
    new_engineers = [
        Engineer(
            partner=partner,
            name=e.name,
            email=e.email,
            user=logins.get(e.username) if e.username else None,
        )
        for partner, team in teams
        for e in team
        if (partner.pk, e.email) not in known
    ]
    Engineer.objects.bulk_create(new_engineers)
    engineers = {
        (partner_id, email): pk
        for pk, partner_id, email in Engineer.objects.filter(
            partner_id__in=partner_ids
        ).values_list("pk", "partner_id", "email")
    }
    existing = Certification.objects.filter(engineer_id__in=engineers.values())
    passes = set(existing.values_list("engineer_id", "course__code", "passed_on"))
    # An engineer already certified on a course keeps their history: a run on a later
    # day must not add a second, re-dated certification of the same course.
    held = {(engineer, course) for engineer, course, _ in passes}
    new_certifications = []
    for partner, team in teams:
        for e in team:
            engineer_id = engineers[(partner.pk, e.email)]
            for cert in e.certifications:
                if (engineer_id, cert.course, cert.passed_on) in passes or (
                    engineer_id,
                    cert.course,
                ) in held:
                    continue
                course = courses[cert.course]
                new_certifications.append(
                    Certification(
                        engineer_id=engineer_id,
                        course=course,
                        passed_on=cert.passed_on,
                        expires_on=certification_expiry(course, cert.passed_on),
                    )
                )
    Certification.objects.bulk_create(new_certifications)
    return len(new_engineers), len(new_certifications)


def _snapshot_dict(
    partner: Partner, snapshot: engine.PartnerSnapshot, specs: Any, on: date, held_tier: str
) -> dict[str, Any]:
    data = selectors.evaluation_as_dict(engine.evaluate(snapshot, specs, on), partner=partner)
    # Stored as it read then: the partner held Deliver when it applied.
    data["current_tier"] = held_tier
    return data


def _without_expert_application(
    plan: tuple[DemoPartner, ...], by_siren: dict[str, Partner], expert: Tier, status: str
) -> list[DemoPartner]:
    wanted = [p for p in plan if p.application and p.application.status == status]
    applied = set(
        Accreditation.objects.filter(
            partner__in=[by_siren[p.siren] for p in wanted], tier=expert
        ).values_list("partner_id", flat=True)
    )
    return [p for p in wanted if by_siren[p.siren].pk not in applied]


def _seed_approved(
    plan: tuple[DemoPartner, ...],
    by_siren: dict[str, Partner],
    admins: dict[str, Any],
    manager: Any,
    expert: Tier,
    today: date,
) -> int:
    """Expert accreditations approved months ago by the programme manager, with their audit."""
    todo = _without_expert_application(plan, by_siren, expert, Accreditation.Status.APPROVED)
    if not todo:
        return 0
    specs = selectors.tier_specs()
    snapshots = selectors.snapshots_for(
        Partner.objects.filter(pk__in=[by_siren[p.siren].pk for p in todo]), on=today
    )
    rows: list[tuple[DemoPartner, Accreditation]] = []
    for p in todo:
        partner, application = by_siren[p.siren], p.application
        assert application is not None
        assert application.decided_on is not None
        snapshot = snapshots[partner.pk]
        decided = engine.evaluate(snapshot, specs, application.decided_on).tier(expert.code)
        if engine.unmet_prerequisites(decided):  # a plan bug, not a demo to show
            raise AssertionError(f"demo expert {p.name} did not qualify on its approval date")
        admin = admins[p.siren]
        rows.append(
            (
                p,
                Accreditation(
                    partner=partner,
                    tier=expert,
                    status=Accreditation.Status.APPROVED,
                    created_at=_at(application.submitted_on, 9, 40),
                    created_by=admin,
                    submitted_at=_at(application.submitted_on, 10, 5),
                    submitted_by=admin,
                    eligibility_snapshot=_snapshot_dict(
                        partner, snapshot, specs, application.submitted_on, "deliver"
                    ),
                    decided_at=_at(application.decided_on, 15, 30),
                    decided_by=manager,
                    decision_comment=application.comment,
                    decision_snapshot=_snapshot_dict(
                        partner, snapshot, specs, application.decided_on, "deliver"
                    ),
                    valid_until=application.decided_on + ACCREDITATION_VALIDITY - timedelta(days=1),
                ),
            )
        )
    created = Accreditation.objects.bulk_create([a for _, a in rows])
    events = []
    for (p, _), accreditation in zip(rows, created, strict=True):
        common = {
            "partner": accreditation.partner,
            "object_type": Accreditation._meta.label_lower,
            "object_id": accreditation.pk,
        }
        events += [
            AuditEvent(
                action="accreditation.create",
                at=accreditation.created_at,
                actor=admins[p.siren],
                data={"tier": expert.code},
                **common,
            ),
            AuditEvent(
                action="accreditation.submit",
                at=accreditation.submitted_at,
                actor=admins[p.siren],
                data={"tier": expert.code},
                **common,
            ),
            AuditEvent(
                action="accreditation.approve",
                at=accreditation.decided_at,
                actor=manager,
                data={
                    "tier": expert.code,
                    "comment": accreditation.decision_comment,
                    "snapshot": accreditation.decision_snapshot,
                },
                **common,
            ),
        ]
    AuditEvent.objects.bulk_create(events)
    return len(created)


def _seed_submitted(
    plan: tuple[DemoPartner, ...],
    by_siren: dict[str, Partner],
    admins: dict[str, Any],
    expert: Tier,
) -> int:
    """Expert applications waiting in HP's queue, each with its evaluation snapshot."""
    todo = _without_expert_application(plan, by_siren, expert, Accreditation.Status.SUBMITTED)
    if not todo:
        return 0
    managers = programme_managers()
    # Re-read: the evaluation has just given these partners their current tier.
    partners = Partner.objects.select_related("tier").in_bulk([by_siren[p.siren].pk for p in todo])
    count = 0
    for p in todo:
        partner, application = partners[by_siren[p.siren].pk], p.application
        assert application is not None
        evaluation = selectors.evaluation_for(partner, on=application.submitted_on)
        admin = admins[p.siren]
        accreditation = Accreditation.objects.create(
            partner=partner,
            tier=expert,
            status=Accreditation.Status.SUBMITTED,
            created_at=_at(application.submitted_on, 9, 15),
            created_by=admin,
            submitted_at=_at(application.submitted_on, 9, 50),
            submitted_by=admin,
            eligibility_snapshot=selectors.evaluation_as_dict(evaluation, partner=partner),
        )
        for action, at in (
            ("accreditation.create", accreditation.created_at),
            ("accreditation.submit", accreditation.submitted_at),
        ):
            AuditEvent.objects.create(
                action=action,
                at=at,
                actor=admin,
                partner=partner,
                object_type=Accreditation._meta.label_lower,
                object_id=accreditation.pk,
                data={"tier": expert.code},
            )
        notify(
            recipients=managers,
            partner=partner,
            kind="accreditation_submitted",
            dedup_key=f"accreditation-submitted:{accreditation.pk}",
            subject=f"ServiceOne : demande d'accréditation {expert.name} de {partner.name}",
            body=f"{partner.name} demande le niveau {expert.name}. Elle attend votre décision.",
            link=f"/hp/accreditations/{accreditation.pk}/",
        )
        count += 1
    return count
