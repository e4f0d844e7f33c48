"""The demo plan, pure: a seeded ``random.Random`` and the day's date in, the partners out."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from partners.demo.data import (
    ACTIVITIES,
    APPLICANTS,
    APPROVAL_COMMENTS,
    CITIES,
    DELIVERERS,
    DELIVERERS_AT_RISK,
    DELIVERERS_IN_GRACE,
    EMAIL_DOMAIN,
    EXPERTS,
    EXPERTS_AT_RISK,
    EXPERTS_IN_GRACE,
    FIRST_NAMES,
    JUST_BELOW,
    LAST_NAMES,
    LEGAL_FORMS,
    MONTHS,
    OVESYS_DOMAIN,
    OVESYS_TEAM,
    PROACTIVE_SELECT,
    REGISTERED,
    SEED,
    SELLERS,
    STEMS,
)
from partners.legacy import siren_with_check_digit
from partners.models import Accreditation, LegacyProgramme


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
