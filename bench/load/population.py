"""The load's data (bench/load/run.py): its throwaway database, the demo's logins made ready
for the load, and bench/scorecard.py's tickets beside the demo.

Imported by run.py once it has put the repository and bench/ on ``sys.path``.
"""

from __future__ import annotations

from eligibility import _postgres  # (bench/eligibility.py)
from scorecard import populate  # (bench/scorecard.py)

DATABASE = "bench_load"


def create_database(admin: str) -> None:
    _postgres(admin, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _postgres(admin, f"CREATE DATABASE {DATABASE}")


def drop_database(admin: str) -> None:
    # FORCE: a portal process that outlived the stop must not keep the database alive.
    _postgres(admin, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


# The HP logins the load uses: with DEBUG=0 they must give a second factor after the password.
HP_LOGINS = ("hp.programme", "cds.dispatch")
# Per login, single use each: one per virtual user's login. Each load (the main one, then each
# step) is a new locust process and takes its own range of codes (RECOVERY_RANGE from
# phase × RECOVERY_RANGE): codes a load used are spent, and the next one would fail on them.
RECOVERY_RANGE = 500  # MAX_USERS: at most this many logins per load
MAX_LOADS = 10  # the main load and up to 9 steps
RECOVERY_CODES = RECOVERY_RANGE * MAX_LOADS


def give_hp_logins_recovery_codes() -> None:
    """Confirm a second factor for the HP logins: recovery codes ``ld00000000``… that the
    locustfile hands out one per virtual user (a TOTP code can be used only once per 30 s
    per login, and several virtual users share each login)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    for user in get_user_model().objects.filter(username__in=HP_LOGINS):
        device = StaticDevice.objects.create(user=user, name="load", confirmed=True)
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=f"ld{n:08d}") for n in range(RECOVERY_CODES)
        )


def populate_beside_the_demo(tickets: int, partners: int) -> dict[str, int]:
    """bench/scorecard.py's populate() after seed_demo.

    populate() expects no ticket before its own: it gives every ticket of the table three
    SLA targets and a handover event if it has a handover time. The demo's targets are set
    aside for it and put back after, and the events it adds to the demo's tickets removed.
    (Its tickets take the offering of the first coverage in the database: the demo's first
    one is the same CP-PL-4H-24X7 as its own.)
    """
    from django.db import connection

    from tickets.models import SlaTarget, Ticket, TicketEvent

    targets, tickets_table, events = (
        SlaTarget._meta.db_table,
        Ticket._meta.db_table,
        TicketEvent._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {tickets_table}")
        (last_demo_ticket,) = cursor.fetchone()
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {events}")
        (last_demo_event,) = cursor.fetchone()
        cursor.execute(f"CREATE TEMPORARY TABLE demo_sla_targets AS SELECT * FROM {targets}")
        cursor.execute(f"DELETE FROM {targets}")
    sizes = populate(tickets, partners)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {targets} WHERE ticket_id <= %s", [last_demo_ticket])
        cursor.execute(f"INSERT INTO {targets} SELECT * FROM demo_sla_targets")
        cursor.execute("DROP TABLE demo_sla_targets")
        cursor.execute(
            f"DELETE FROM {events} WHERE id > %s AND ticket_id <= %s",
            [last_demo_event, last_demo_ticket],
        )
        cursor.execute(f"SELECT count(*) FROM {targets}")
        (sizes["targets"],) = cursor.fetchone()
        # A database that has lived: autovacuum's first pass over the new rows would
        # otherwise run during the load.
        for table in (tickets_table, targets, events):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return sizes
