"""``servicone.related_rows``: related rows read by sub-selects are the rows a join reads."""

from __future__ import annotations

import pytest
from django.db.models import Prefetch, Value
from django.db.models.signals import post_init

from partners.models import Partner
from servicone.related_rows import RelatedSet, with_related_rows
from tests.partners.factories import staff_user
from tests.tickets.factories import certified_engineer
from tests.tickets.pages import open_ticket
from tickets import services
from tickets.models import SlaTarget, Ticket, TicketEvent, TicketPause

RELATED = (
    "partner",
    "customer",
    "site",
    "asset",
    "contract",
    "offering",
    "assigned_engineer",
    "assigned_cds_user",
)


@pytest.fixture
def tickets(partner, partner_admin):
    first = open_ticket(partner, partner_admin)
    second = open_ticket(partner, partner_admin)
    Ticket.objects.filter(pk=first.pk).update(assigned_engineer=certified_engineer(partner))
    Ticket.objects.filter(pk=second.pk).update(
        assigned_cds_user=staff_user("cds_engineer", username="cds.rows")
    )
    open_ticket(partner, partner_admin)  # nobody assigned: both empty
    return Ticket.objects.order_by("pk")


def _columns(instance):
    return [(f.attname, getattr(instance, f.attname)) for f in instance._meta.concrete_fields]


def test_related_rows_hold_the_same_values_and_types_as_a_join(tickets):
    joined = list(tickets.select_related(*RELATED))
    read = list(with_related_rows(tickets, *RELATED))
    assert [t.pk for t in read] == [t.pk for t in joined]
    for by_rows, by_join in zip(read, joined, strict=True):
        for name in RELATED:
            mine, theirs = getattr(by_rows, name), getattr(by_join, name)
            if theirs is None:
                assert mine is None
                continue
            assert _columns(mine) == _columns(theirs)
            assert [type(v) for _, v in _columns(mine)] == [type(v) for _, v in _columns(theirs)]


def test_related_rows_cost_one_query_for_the_page_however_many_relations(
    tickets, django_assert_num_queries
):
    with django_assert_num_queries(1):
        rows = list(with_related_rows(tickets, *RELATED))
        names = [(t.partner.name, t.site.timezone, t.offering.code) for t in rows]
    assert len(names) == 3


def test_a_later_page_holds_the_same_rows_in_the_same_order(tickets, django_assert_num_queries):
    ordered = with_related_rows(tickets.order_by("-pk"), *RELATED)
    with django_assert_num_queries(1):
        page = list(ordered[1:3])
    assert [t.pk for t in page] == list(tickets.order_by("-pk").values_list("pk", flat=True))[1:3]
    assert all(t.asset.serial_number for t in page)


ONLY = {
    "partner": ("name",),
    "site": ("name", "timezone"),
    "assigned_engineer": ("name",),
    "assigned_cds_user": ("first_name", "username"),
}


def test_some_columns_only_hold_the_joined_values_and_defer_the_rest(
    tickets, django_assert_num_queries
):
    joined = list(tickets.select_related(*ONLY))
    with django_assert_num_queries(1):
        read = list(with_related_rows(tickets, *ONLY, only=ONLY))
        for by_rows, by_join in zip(read, joined, strict=True):
            for name, fields in ONLY.items():
                mine, theirs = getattr(by_rows, name), getattr(by_join, name)
                if theirs is None:
                    assert mine is None
                    continue
                assert mine.pk == theirs.pk
                for field in fields:
                    assert getattr(mine, field) == getattr(theirs, field)
                    assert type(getattr(mine, field)) is type(getattr(theirs, field))
                assert mine.get_deferred_fields() == {
                    f.attname
                    for f in mine._meta.concrete_fields
                    if not f.primary_key and f.name not in fields
                }
    # A deferred column is read when asked for, as with .only().
    with django_assert_num_queries(1):
        assert read[0].partner.siren == joined[0].partner.siren


def test_a_column_the_related_model_lacks_is_refused(tickets):
    with pytest.raises(LookupError, match="Partner"):
        with_related_rows(tickets, "partner", only={"partner": ("name", "no_such_field")})


# --- Related sets: a reverse foreign key's rows, as prefetch_related reads them -------------------

SETS = (
    RelatedSet("sla_targets", key=lambda t: (t.target, t.pk)),
    RelatedSet("events", key=lambda e: (e.at, e.pk), rows={"actor": None}),
    RelatedSet("segments", key=lambda x: (x.started_at, x.pk)),
    RelatedSet("pauses", key=lambda x: (x.started_at, x.pk)),
)


@pytest.fixture
def worked(tickets, partner_admin):
    first = tickets.first()
    services.ticket_acknowledge(ticket=first, actor=partner_admin)
    first.refresh_from_db()
    services.ticket_pause(ticket=first, reason="awaiting_parts", actor=partner_admin)
    first.refresh_from_db()
    services.ticket_resume(ticket=first, actor=partner_admin)
    # A system line: no actor, a detail with nested values.
    TicketEvent.objects.create(
        ticket=first, event="escalated", organisation="system", detail={"level": 2, "a": [1]}
    )
    return tickets


def test_related_sets_hold_the_same_rows_values_types_and_order_as_prefetches(worked):
    prefetched = list(
        worked.prefetch_related(
            Prefetch("sla_targets", queryset=SlaTarget.objects.order_by("target", "id")),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
            "segments",
            "pauses",
        )
    )
    read = list(with_related_rows(worked, sets=SETS))
    assert [t.pk for t in read] == [t.pk for t in prefetched]
    assert sum(len(t.events.all()) for t in read) > len(read)  # something to compare
    assert any(t.pauses.all() for t in read)
    for mine, theirs in zip(read, prefetched, strict=True):
        for related_set in SETS:
            rows = list(getattr(mine, related_set.name).all())
            reference = list(getattr(theirs, related_set.name).all())
            assert [_columns(r) for r in rows] == [_columns(r) for r in reference]
            assert [[type(v) for _, v in _columns(r)] for r in rows] == [
                [type(v) for _, v in _columns(r)] for r in reference
            ]
        for mine_event, their_event in zip(mine.events.all(), theirs.events.all(), strict=True):
            if their_event.actor is None:
                assert mine_event.actor is None
            else:
                assert _columns(mine_event.actor) == _columns(their_event.actor)


def test_related_sets_cost_one_query_with_their_rows_and_their_parent_in_hand(
    worked, django_assert_num_queries
):
    with django_assert_num_queries(1):
        read = list(with_related_rows(worked, *RELATED, sets=SETS))
        for ticket in read:
            for event in ticket.events.all():
                assert event.ticket is ticket
                assert event.actor is None or event.actor.username
            assert [t.ticket is ticket for t in ticket.sla_targets.all()]
            assert ticket.partner.name


def test_a_set_rows_own_related_row_may_be_read_in_part(worked, django_assert_num_queries):
    only_names = (RelatedSet("events", key=lambda e: e.pk, rows={"actor": ("username",)}),)
    first = worked.first()
    with django_assert_num_queries(1):
        events = list(with_related_rows(worked, sets=only_names).get(pk=first.pk).events.all())
        actors = [e.actor for e in events if e.actor is not None]
    assert actors
    assert {a.username for a in actors} == {"p.admin"}
    assert "password" in actors[0].get_deferred_fields()


def test_an_empty_set_is_an_empty_list_that_runs_no_query(tickets, django_assert_num_queries):
    fresh = tickets.last()
    TicketPause.objects.filter(ticket=fresh).delete()
    with django_assert_num_queries(1):
        ticket = with_related_rows(tickets, sets=SETS).get(pk=fresh.pk)
        assert list(ticket.pauses.all()) == []


def test_a_set_chained_further_reads_its_own_parents_rows_from_the_database(
    worked, django_assert_num_queries
):
    first, second = list(with_related_rows(worked, sets=SETS))[:2]
    with django_assert_num_queries(1):
        responses = list(first.sla_targets.filter(target="response"))
    assert [t.ticket_id for t in responses] == [first.pk]
    assert responses[0].ticket is first  # the parent in hand, as a related manager gives it
    assert list(second.sla_targets.all().order_by("pk")) == list(
        SlaTarget.objects.filter(ticket=second).order_by("pk")
    )


def test_rows_are_saved_as_read_rows_are(tickets):
    ticket = with_related_rows(tickets, "partner", sets=SETS).first()
    partner = ticket.partner
    assert (partner._state.adding, partner._state.db) == (False, "default")
    target = ticket.sla_targets.all()[0]
    assert (target._state.adding, target._state.db) == (False, "default")
    partner.name = "Renommé"
    partner.save(update_fields=["name"])  # an UPDATE of the row read, not an INSERT
    assert Partner.objects.get(pk=partner.pk).name == "Renommé"


def test_a_model_with_init_receivers_is_built_through_them(tickets):
    seen = []

    def count(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(count, sender=Partner)
    try:
        read = list(with_related_rows(tickets, "partner"))
    finally:
        post_init.disconnect(count, sender=Partner)
    assert {id(t.partner) for t in read} <= {id(p) for p in seen}


def test_joined_rows_a_related_managers_parent_and_other_annotations_are_kept(
    tickets, partner, django_assert_num_queries
):
    """Besides its own rows: ``select_related``'s joined rows, the parent a related manager
    knows, and the queryset's other annotations, each where Django's iteration puts them."""
    reference = {t.pk: t for t in tickets.select_related(*RELATED)}
    with django_assert_num_queries(3):  # one statement each
        joined = list(with_related_rows(tickets.select_related("site"), "partner"))
        by_manager = list(with_related_rows(partner.tickets.order_by("pk"), "customer"))
        annotated = list(with_related_rows(tickets.annotate(seven=Value(7)), "asset"))
        for ticket in joined:
            assert _columns(ticket.site) == _columns(reference[ticket.pk].site)
            assert _columns(ticket.partner) == _columns(reference[ticket.pk].partner)
        for ticket in by_manager:
            assert ticket.partner is partner  # the manager's parent, no query
            assert _columns(ticket.customer) == _columns(reference[ticket.pk].customer)
        for ticket in annotated:
            assert ticket.seven == 7
            assert _columns(ticket.asset) == _columns(reference[ticket.pk].asset)
    assert len(joined) == len(by_manager) == len(annotated) == len(reference)
