"""Hand-written hot statements planned once per database connection (issue 14).

PostgreSQL plans every statement it is sent. For the few statements every page or every
opening runs, the plan cost more than the work: the coverage a ticket is opened under (eight
tables) took 1.8 ms to plan and 0.25 ms to run. A statement prepared on the connection
(``PREPARE``) is planned on its first executions, then its generic plan is reused.

Only where it pays: on PostgreSQL, over a connection kept between requests
(``CONN_MAX_AGE`` other than 0, as production sets it). With a new connection per request,
preparing would cost one more round trip than it saves. Elsewhere (SQLite, short-lived
connections) the statement is executed as it is.

A prepared statement lives as long as its connection (a rollback keeps it), so each one is
prepared once per connection, on its first use. The ``PREPARE`` goes through the driver's own
cursor: it is the connection's setup, as Django's ``SET TIME ZONE`` is, and is neither logged
nor counted among a request's queries. The ``EXECUTE`` is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ATTR = "_servicone_prepared"  # on the database wrapper: (driver connection, names prepared)


def numbered(sql: str) -> str:
    """``sql``'s ``%s`` placeholders as PostgreSQL's ``$1``, ``$2``… (``PREPARE``'s)."""
    if re.search(r"%(?!s)", sql):  # "%%", "%(name)s", a literal "%"
        raise ValueError("only %s placeholders can be numbered")
    count = iter(range(1, sql.count("%s") + 1))
    return re.sub(r"%s", lambda _match: f"${next(count)}", sql)


def prepares(database: BaseDatabaseWrapper) -> bool:
    """Whether statements are prepared on this database's connections."""
    return database.vendor == "postgresql" and database.settings_dict.get("CONN_MAX_AGE") != 0


def statement(database: BaseDatabaseWrapper, name: str, sql: str) -> str:
    """What to run for ``sql`` on ``database``: ``EXECUTE name(%s, …)`` once ``sql`` is
    prepared on its connection as ``name`` (lower-case letters, digits, ``_``) where
    ``prepares`` says so, else ``sql`` itself. Both take the same parameters."""
    if not prepares(database):
        return sql
    if not _NAME.match(name):
        raise ValueError(f"not a statement name: {name!r}")
    database.ensure_connection()
    driver = database.connection
    owner, names = getattr(database, _ATTR, (None, set[str]()))
    if owner is not driver:  # a new connection: nothing prepared on it yet
        names = set()
        setattr(database, _ATTR, (driver, names))
    if name not in names:
        with driver.cursor() as setup:
            setup.execute(f"PREPARE {name} AS {numbered(sql)}")
        names.add(name)
    count = sql.count("%s")
    return f"EXECUTE {name}({', '.join(['%s'] * count)})" if count else f"EXECUTE {name}"


def execute(cursor: CursorWrapper, name: str, sql: str, params: Sequence[Any]) -> None:
    """Run ``sql`` with ``params`` on ``cursor``, prepared as ``name`` where it pays."""
    cursor.execute(statement(cursor.db, name, sql), params)
