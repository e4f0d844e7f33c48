"""Reads about tickets: what a viewer may see, the queues, the opening look-up, routing facts.

Every read of tickets starts from the tenant scope (``servicone.access``): a
partner's people see their partner's tickets, HP staff every partner's, anyone
else none; another partner's ticket does not exist for them. The queues join
what their rows show and prefetch the SLA targets in one query, so a page costs
the same queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from contracts.models import Asset, ContractAsset, OfferingKind, Site
from contracts.selectors import coverages_in_force, entitlements_for_serial
from contracts.serials import normalise_serial
from partners.departments import department_of_postal_code
from partners.models import (
    AvailabilityKind,
    Certification,
    DeliveryPolicy,
    Engineer,
    EngineerAvailability,
    Partner,
)
from servicone.access import CDS_GROUPS, StaffRole, is_hp_staff, partner_of, tenant_scope
from servicone.paging import bounded_count
from servicone.related_rows import with_related_rows
from tickets import dispatch, sla_clock
from tickets.models import (
    OPEN_STATUSES,
    Organisation,
    OwnershipSegment,
    SlaState,
    SlaTarget,
    Status,
    Ticket,
    TicketEvent,
    TicketMute,
)
from tickets.routing_facts import opening_coverage

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, User

    from servicone.access import AnyUser

# --- Tenant scope ---------------------------------------------------------------------


def tickets_in_scope(*, sees_all: bool, partner_id: int | None) -> QuerySet[Ticket]:
    """Every ticket (HP staff), one partner's, or none (no partner, no HP role)."""
    if sees_all:
        return Ticket.objects.all()
    if partner_id is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(partner_id=partner_id)


def visible_tickets(user: AnyUser) -> QuerySet[Ticket]:
    """Tickets ``user`` may see: its partner's, or all for HP staff.

    Read from the role helpers, which a page pays for anyway (its navigation
    asks them); the API reads ``api_visible_tickets`` instead.
    """
    if is_hp_staff(user):
        return tickets_in_scope(sees_all=True, partner_id=None)
    partner = partner_of(user)
    return tickets_in_scope(sees_all=False, partner_id=partner.pk if partner else None)


def api_visible_tickets(user: AnyUser) -> QuerySet[Ticket]:
    """``visible_tickets`` for an API caller: its token query already brought the scope."""
    sees_all, partner_id = tenant_scope(user)
    return tickets_in_scope(sees_all=sees_all, partner_id=partner_id)


def visible_ticket(user: AnyUser, ticket_id: int, *related: str) -> Ticket | None:
    """The ticket for its page, if ``user`` may see it (another partner's: ``None``)."""
    return (
        visible_tickets(user)
        .select_related(
            "partner", "asset__product_line", "site", "customer", "contract", "offering", *related
        )
        .filter(pk=ticket_id)
        .first()
    )


# --- Queues ---------------------------------------------------------------------------


def with_queue_data(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a queue row shows, and every SLA target of the page in one query.

    The related rows are sub-selects, not joins (``servicone.related_rows``): a six-table
    join cost PostgreSQL ~10 ms of planning per page.
    """
    return with_related_rows(
        tickets, "partner", "asset", "site", "customer", "contract", "offering"
    ).prefetch_related(Prefetch("sla_targets", queryset=SlaTarget.objects.order_by("id")))


class OpenFirst(Sequence[Ticket]):
    """A queue of open tickets first, then closed ones, each read through its own index.

    Ordering both by "is it open?" (a CASE) kept PostgreSQL from any index: it joined every
    ticket of the table, then sorted them. Two index scans, one after the other, give the
    same order (a paginator slices this as it would slice a queryset).
    """

    def __init__(self, open_tickets: QuerySet[Ticket], closed_tickets: QuerySet[Ticket]) -> None:
        self.open_tickets = open_tickets
        self.closed_tickets = closed_tickets

    @cached_property
    def open_count(self) -> int:
        # Exact: it says where the closed ones start (open tickets are few, and indexed).
        return self.open_tickets.count()

    def counted(self) -> tuple[int, bool]:
        closed, exact = bounded_count(self.closed_tickets)
        return self.open_count + closed, exact

    def __len__(self) -> int:
        return self.counted()[0]

    def __iter__(self) -> Iterator[Ticket]:
        yield from self.open_tickets
        yield from self.closed_tickets

    @overload
    def __getitem__(self, index: int) -> Ticket: ...

    @overload
    def __getitem__(self, index: slice) -> list[Ticket]: ...

    def __getitem__(self, index: int | slice) -> Ticket | list[Ticket]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop if index.stop is not None else len(self)
        rows: list[Ticket] = []
        if start < self.open_count:
            rows += self.open_tickets[start : min(stop, self.open_count)]
        if stop > self.open_count:
            rows += self.closed_tickets[max(start - self.open_count, 0) : stop - self.open_count]
        return rows


def filtered(tickets: QuerySet[Ticket], values: dict[str, Any]) -> QuerySet[Ticket]:
    """The queue filters (``QueueFilterForm.values``) applied."""
    if values.get("state") == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif values.get("state") == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    if "status" in values:
        tickets = tickets.filter(status=values["status"])
    delivered_by = values.get("delivered_by")
    if delivered_by == "backup":
        tickets = tickets.filter(cds_backup=True)
    elif delivered_by:
        tickets = tickets.filter(delivered_by=delivered_by)
    if "severity" in values:
        tickets = tickets.filter(severity=values["severity"])
    if "partner" in values:
        tickets = tickets.filter(partner_id=values["partner"])
    return tickets


def partner_queue(user: AnyUser, values: dict[str, Any]) -> QuerySet[Ticket] | OpenFirst:
    """« Tickets »: what ``user`` sees, filtered; open tickets first, the newest on top."""
    tickets = filtered(visible_tickets(user), values)
    newest = ("-opened_at", "-id")
    if values.get("state") in ("open", "closed"):
        return with_queue_data(tickets).order_by(*newest)
    return OpenFirst(
        with_queue_data(tickets.filter(status__in=OPEN_STATUSES)).order_by(*newest),
        with_queue_data(tickets.exclude(status__in=OPEN_STATUSES)).order_by(*newest),
    )


def filter_partners() -> list[Partner]:
    """The partners HP staff may filter the queue by."""
    return list(Partner.objects.filter(is_active=True).order_by("name"))


def cds_queue_tickets() -> QuerySet[Ticket]:
    """What CDS works, the most urgent first: the earliest pending deadline (breached ones lead).

    The deadline is a correlated sub-select, not a join grouped by ticket: grouped, the
    page's related rows became part of the group key, and PostgreSQL computed and sorted
    them for every target of every queued ticket.
    """
    pending = SlaTarget.objects.filter(
        ticket=OuterRef("pk"),
        enforced=True,
        met_at__isnull=True,
        state__in=[SlaState.RUNNING, SlaState.WARNED, SlaState.BREACHED],
        due_at__isnull=False,
    )
    return (
        Ticket.objects.cds_queue()
        .annotate(next_due=Subquery(pending.order_by("due_at").values("due_at")[:1]))
        .order_by(F("next_due").asc(nulls_last=True), "opened_at", "id")
    )


def cds_summary() -> dict[str, int]:
    """Counts of the CDS queue (one query): what the CDS home panel and the queue show.

    A target's state is asked of each queued ticket (``EXISTS``), not joined: joined, every
    count had to be ``DISTINCT`` over all the queue's targets (6.9 -> 3.6 ms at 1,568 queued
    tickets, bench/hot_paths.py).
    """

    def has_target(state: str) -> Exists:
        return Exists(SlaTarget.objects.filter(ticket=OuterRef("pk"), state=state))

    counts: dict[str, int] = Ticket.objects.cds_queue().aggregate(
        total=Count("pk"),
        to_take=Count("pk", filter=Q(status=Status.OPENED)),
        backup=Count("pk", filter=Q(cds_backup=True)),
        breached=Count("pk", filter=has_target(SlaState.BREACHED)),
        warned=Count("pk", filter=has_target(SlaState.WARNED)),
    )
    return counts


def assigned_to(user: User, partner: Partner) -> QuerySet[Ticket]:
    """A partner engineer's open tickets (the oldest first)."""
    mine = Ticket.objects.open().filter(partner=partner, assigned_engineer__user=user)
    return with_queue_data(mine).order_by("opened_at", "id")


def calls_to_take(partner: Partner) -> QuerySet[Ticket]:
    """The partner's calls nobody took yet, the ownership window ending first on top."""
    waiting = Ticket.objects.filter(
        partner=partner, status=Status.OPENED, delivered_by=Organisation.PARTNER
    )
    return with_queue_data(waiting).order_by("ownership_due_at", "opened_at", "id")


# --- A ticket's page ------------------------------------------------------------------


def timeline_of(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.select_related("actor").order_by("at", "id"))


def segments_of(ticket: Ticket) -> list[OwnershipSegment]:
    return list(ticket.segments.select_related("partner").order_by("started_at", "id"))


def pauses_of(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    return [(p.started_at, p.ended_at) for p in ticket.pauses.order_by("started_at", "id")]


def cds_engineers() -> QuerySet[AbstractUser]:
    """CDS staff an on-site intervention can be assigned to."""
    users: QuerySet[AbstractUser] = (
        get_user_model()
        .objects.filter(groups__name__in=CDS_GROUPS, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    return users


def _now_covered(kind: str, now: datetime) -> Exists:
    return Exists(
        EngineerAvailability.objects.filter(
            engineer=OuterRef("pk"), kind=kind, starts_at__lte=now, ends_at__gt=now
        )
    )


def _staffed_coverage_in_force(partner_id: int, now: datetime, on: date) -> Subquery:
    """The staffed hours of the partner's policy in force (``selectors.in_force``'s order)."""
    return Subquery(
        DeliveryPolicy.objects.filter(
            partner_id=partner_id, effective_from__lte=on, created_at__lte=now
        )
        .order_by("-effective_from", "-created_at", "-id")
        .values("staffed_coverage")[:1]
    )


def _site_column(site_id: int, column: str) -> Subquery:
    return Subquery(Site.objects.filter(pk=site_id).values(column)[:1])


def dispatch_candidates(
    ticket: Ticket, *, on: date, at: datetime | None = None
) -> list[dispatch.Candidate]:
    """Who may go on site for ``ticket``, best first (``tickets.dispatch``): two queries.

    A partner ticket: the partner's active engineers, with their certifications valid on
    ``on``, their open tickets, home département and whether an absence or an on-call
    period covers ``at`` (now by default); the site and the partner's staffed hours come
    in the same query. A CDS ticket: the CDS engineers and their open tickets.
    """
    now = at or timezone.now()
    if ticket.delivered_by == Organisation.CDS:
        # distinct: a user in both CDS groups is joined twice by cds_engineers().
        users = cds_engineers().annotate(
            open_tickets=Count(
                "cds_tickets", filter=Q(cds_tickets__status__in=OPEN_STATUSES), distinct=True
            )
        )
        return dispatch.rank(
            dispatch.EngineerFacts(
                engineer_id=user.pk,
                name=user.get_full_name() or user.get_username(),
                open_tickets=user.open_tickets,
            )
            for user in users
        )
    line_id = ticket.asset.product_line_id
    engineers = (
        Engineer.objects.filter(partner_id=ticket.partner_id, is_active=True)
        .annotate(
            open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)),
            absent=_now_covered(AvailabilityKind.ABSENCE, now),
            on_call=_now_covered(AvailabilityKind.ON_CALL, now),
            # Scalars of the ticket's site and partner, read with the engineers (no query).
            staffed_coverage=_staffed_coverage_in_force(ticket.partner_id, now, on),
            site_postal_code=_site_column(ticket.site_id, "postal_code"),
            site_timezone=_site_column(ticket.site_id, "timezone"),
            site_region=_site_column(ticket.site_id, "region"),
        )
        .prefetch_related(
            Prefetch(
                "certifications",
                queryset=Certification.objects.valid_on(on).select_related("course"),
                to_attr="valid_certifications",
            )
        )
        .order_by("name", "id")
    )
    facts = []
    site_department: str | None = None
    in_staffed_hours = True
    for engineer in engineers:
        site_department = department_of_postal_code(engineer.site_postal_code)
        if engineer.staffed_coverage:
            in_staffed_hours = sla_clock.is_open(
                sla_clock.Calendar(
                    coverage=engineer.staffed_coverage,
                    timezone=engineer.site_timezone,
                    region=engineer.site_region,
                ),
                now,
            )
        held = tuple(
            dispatch.HeldCertification(
                course=cert.course.display_name,
                expires_on=cert.expires_on,
                on_line=cert.course.product_line_id == line_id,
            )
            for cert in engineer.valid_certifications
        )
        facts.append(
            dispatch.EngineerFacts(
                engineer_id=engineer.pk,
                name=engineer.name,
                open_tickets=engineer.open_tickets,
                certifications=held,
                certified_on_line=any(c.on_line for c in held),
                department=engineer.home_department,
                absent=engineer.absent,
                on_call=engineer.on_call,
            )
        )
    return dispatch.rank(facts, site_department=site_department, in_staffed_hours=in_staffed_hours)


def engineer_certified_on(engineer: Engineer, *, product_line_id: int, on: date) -> bool:
    """``engineer`` holds a certification valid on ``on`` for that product line (one query)."""
    return (
        Certification.objects.valid_on(on)
        .filter(engineer=engineer, course__product_line_id=product_line_id)
        .exists()
    )


def cds_dispatchers() -> list[AbstractUser]:
    """Who hears of what CDS must take (handovers, fall-backs, breaches)."""
    return list(
        get_user_model().objects.filter(groups__name=StaffRole.CDS_DISPATCHER, is_active=True)
    )


def cds_dispatcher_ids() -> list[int]:
    return list(
        get_user_model()
        .objects.filter(groups__name=StaffRole.CDS_DISPATCHER, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def muted_pairs(ticket_ids: Iterable[int]) -> set[tuple[int, int]]:
    """``(ticket id, user id)`` of who muted these tickets, in one query."""
    return set(
        TicketMute.objects.filter(ticket_id__in=set(ticket_ids)).values_list("ticket_id", "user_id")
    )


def is_muted(ticket: Ticket, user: Any) -> bool:
    return (
        bool(user.is_authenticated) and TicketMute.objects.filter(ticket=ticket, user=user).exists()
    )


def ownership_overdue(now: datetime, limit: int) -> list[int]:
    """Partner tickets nobody took within the ownership window (``ticket_ownership_due_idx``)."""
    return list(
        Ticket.objects.filter(
            status=Status.OPENED, delivered_by=Organisation.PARTNER, ownership_due_at__lte=now
        )
        .order_by("ownership_due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- Opening a ticket -----------------------------------------------------------------


class _SerialCoverages:
    """The coverages in force of the assets a serial look-up found, read for all of them in
    one query when first asked (the cards show them; a posted opening needs none)."""

    def __init__(self, serial: str, partner_id: int | None, on: date) -> None:
        self.serial, self.partner_id, self.on = serial, partner_id, on

    @cached_property
    def by_asset(self) -> dict[int, list[ContractAsset]]:
        found: dict[int, list[ContractAsset]] = {}
        for row in entitlements_for_serial(self.serial, partner_id=self.partner_id, on=self.on):
            found.setdefault(row.asset_id, []).append(row)
        return found


@dataclass
class AssetCoverage:
    """An asset the serial look-up found, with its coverages in force today."""

    asset: Asset
    # A ticket may be opened under one of its coverages (Proactive credits alone: no); read
    # with the asset.
    openable: bool
    serial_coverages: _SerialCoverages = field(repr=False)

    @property
    def coverages(self) -> list[ContractAsset]:
        return self.serial_coverages.by_asset.get(self.asset.pk, [])

    @cached_property
    def applies(self) -> ContractAsset | None:
        """What a ticket would be opened under: the same choice as ``ticket_open`` (on the
        site's calendar day), by the same read, made when first asked (one query)."""
        if not self.openable:
            return None
        return opening_coverage(self.asset, on=_site_day(self.asset, timezone.now()))


def _site_day(asset: Asset, at: datetime) -> date:
    try:
        zone = ZoneInfo(asset.site.timezone)
    except (ValueError, KeyError):
        zone = ZoneInfo("Europe/Paris")
    return at.astimezone(zone).date()


def lookup_serial(serial: str, partner_id: int | None) -> list[AssetCoverage]:
    """Assets with this serial number (the partner's customers' only) and their coverage.

    ``serial`` is normalised first (``contracts.serials``): "czj 000 0022" finds CZJ0000022.
    """
    serial = normalise_serial(serial)
    on = timezone.localdate()
    # The coverages entitlements_for_serial reads, other than Proactive credits.
    coverages = coverages_in_force(on).filter(asset=OuterRef("pk"))
    assets = Asset.objects.filter(serial_number=serial)
    if partner_id is not None:
        assets = assets.filter(customer__partner_id=partner_id)
        coverages = coverages.filter(contract__partner_id=partner_id)
    openable = Exists(coverages.exclude(kind=OfferingKind.PROACTIVE_CREDITS))
    assets = assets.select_related("customer", "site", "product_line").annotate(
        lookup_openable=openable
    )
    loader = _SerialCoverages(serial, partner_id, on)
    return [
        AssetCoverage(a, a.lookup_openable, loader)  # type: ignore[attr-defined]  # annotated
        for a in assets.order_by("vendor", "id")
    ]
