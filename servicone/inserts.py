"""Plain rows written in multi-row INSERTs, for the batch jobs' hot writes (issue 14).

``bulk_create`` builds a model instance per row and prepares each of its values through the
ORM's insert compiler. For the SLA sweep's batches (a timeline line and a webhook event per
SLA event fired) that was a third of the drain's time: ``Model.__init__`` for every row, and
``pre_save`` plus ``get_db_prep_save`` for every value. Here a row is a tuple of values in
the order of the fields named, and only the values whose column needs it are prepared
(instants, dates, decimals, JSON...); keys, text, numbers and flags go to the driver as they
are. No signals and no ``save()``, as with ``bulk_create``; defaults are the caller's to give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict

# Columns whose values the drivers take as Python gives them (the ORM's preparation of
# them is the identity for non-null values); a relation's value is the related row's key.
_AS_THEY_ARE = (
    models.CharField,
    models.TextField,
    models.IntegerField,  # and its big, small and positive kinds, and the auto keys
    models.BooleanField,
    models.ForeignKey,
)


def _preparer(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any] | None:
    if isinstance(field, _AS_THEY_ARE) and not (
        isinstance(field, models.ForeignKey) and not isinstance(field.target_field, _AS_THEY_ARE)
    ):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[models.Model],
    field_names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Insert ``rows`` into ``model``'s table: each a sequence of values in the order of
    ``field_names`` (a relation by its name, its value the related key). With
    ``ignore_conflicts``, a row that would break a unique constraint is skipped, as
    ``bulk_create(ignore_conflicts=True)`` skips it."""
    if not rows:
        return
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in field_names]
    concrete: list[models.Field[Any, Any]] = []
    for field in fields:
        if not isinstance(field, models.Field) or not field.concrete:
            raise ValueError(f"{model.__name__}.{field.name} is not a column")
        concrete.append(field)
    preparers = [_preparer(field, connection) for field in concrete]
    ops = connection.ops
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = ops.insert_statement(on_conflict=on_conflict)
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(field.column) for field in concrete)
    suffix = ops.on_conflict_suffix_sql(concrete, on_conflict, None, None)
    one_row = "(" + ", ".join(["%s"] * len(concrete)) + ")"
    # One INSERT, as many as SQLite's limit on parameters needs there.
    chunk = max(1, ops.bulk_batch_size(concrete, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                if len(row) != len(concrete):
                    raise ValueError(f"a row of {len(row)} values for {len(concrete)} columns")
                params += [
                    value if prepare is None or value is None else prepare(value)
                    for prepare, value in zip(preparers, row, strict=True)
                ]
            values = ", ".join([one_row] * len(part))
            cursor.execute(f"{head} {table} ({columns}) VALUES {values} {suffix}", params)
