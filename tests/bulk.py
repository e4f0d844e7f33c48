"""Test data in bulk: rows written straight to a model's table.

``Model.objects.bulk_create`` builds a model instance per row and compiles each of its values
through the ORM's insert compiler: for the scorecard's 10,000 tickets (about 50 columns each)
and 30,000 targets that took 11 s on SQLite. Tests that need a large table only to measure
something else (a query count that must not grow with it) write it with ``insert_rows``: the
values all rows share are prepared once, from one instance (so defaults and ``auto_now_add``
hold as the ORM would store them), and only what varies is prepared per row. Rows go in
multi-row INSERTs. No signals and no ``save()``, as with ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

# Rows per INSERT: within SQLite's and PostgreSQL's limits on parameters for our widest table.
ROWS_PER_STATEMENT = 300


def insert_rows(model: type[Model], rows: Iterable[Mapping[str, Any]], **shared: Any) -> int:
    """Insert one row per mapping of ``rows`` (field name → value, the same names in each),
    every row also holding ``shared`` and the model's defaults; returns how many."""
    connection = connections[DEFAULT_DB_ALIAS]
    template = model(**shared)
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
    iterator = iter(rows)
    chunk = list(islice(iterator, ROWS_PER_STATEMENT))
    if not chunk:
        return 0
    varying: list[Field[Any, Any]] = [model._meta.get_field(name) for name in chunk[0]]  # type: ignore[misc]
    varying_columns = {f.column for f in varying}
    fixed = [f for f in fields if f.column not in varying_columns]
    fixed_values = [f.get_db_prep_save(f.pre_save(template, add=True), connection) for f in fixed]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [*fixed, *varying])
    one_row = "(" + ", ".join(["%s"] * (len(fixed) + len(varying))) + ")"
    table = connection.ops.quote_name(model._meta.db_table)
    names = [f.name for f in varying]
    count = 0
    with connection.cursor() as cursor:
        while chunk:
            params: list[Any] = []
            for row in chunk:
                params += fixed_values
                params += [
                    f.get_db_prep_save(_stored(row[name]), connection)
                    for f, name in zip(varying, names, strict=True)
                ]
            values = ", ".join([one_row] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608
            count += len(chunk)
            chunk = list(islice(iterator, ROWS_PER_STATEMENT))
    return count


def _stored(value: Any) -> Any:
    """A related instance stands for its key."""
    return value.pk if isinstance(value, Model) else value
