"""Related rows read in the same query as correlated JSON sub-selects, instead of joins.

``select_related`` over eight tables makes PostgreSQL *plan* a nine-table join for every
page: 30–50 ms of planning for about 1 ms of execution (issue 14). A correlated
sub-select per relation is planned on its own (a primary-key look-up, ~0.1 ms each), runs
once per row of the page, and keeps the page one query, so its query count is unchanged.

``with_related_rows(tickets, "partner", "site")`` annotates each row with its partner's and
site's columns as a JSON object; the iterable turns them back into model instances, typed
as their fields read them, and puts them in the fields cache exactly where
``select_related`` would: ``ticket.partner`` then runs no query. A NULL foreign key gives
``None``, as a LEFT JOIN does. One level only (no ``asset__product_line``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, cast

from django.db import connections, models
from django.db.models import BooleanField, F, Func, JSONField, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable
from django.utils import timezone

_PREFIX = "related_row_"
M = TypeVar("M", bound=models.Model)


class _ExactDecoder(json.JSONDecoder):
    """Decimals stay decimals (a price is never a float)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["parse_float"] = Decimal
        super().__init__(*args, **kwargs)


_ROW_FIELD = JSONField(decoder=_ExactDecoder)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a column read from JSON becomes what the database adapter would give (None: as is)."""
    if isinstance(field, models.DateTimeField):

        def aware(value: Any) -> Any:
            # PostgreSQL writes an offset; SQLite the stored UTC wall time, naive.
            parsed = field.to_python(value)
            return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)

        return aware
    if isinstance(field, models.DecimalField):
        places = Decimal(1).scaleb(-field.decimal_places)
        return lambda value: Decimal(str(value)).quantize(places)
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.CharField | models.TextField | models.AutoField):
        return None  # JSON gives them as they are stored
    return field.to_python


@cache
def _shape(
    model: type[models.Model], present: frozenset[str] | None = None
) -> tuple[list[str], list[tuple[str, Callable[[Any], Any] | None]]]:
    """The attribute names and (column, converter) pairs of ``model``'s columns, of those in
    ``present`` only when given (``with_related_rows(only=...)``)."""
    fields = [f for f in model._meta.concrete_fields if present is None or f.column in present]
    return [f.attname for f in fields], [(f.column, _converter(f)) for f in fields]


def _instance(model: type[M], data: dict[str, Any], db: str) -> M:
    partial = len(data) < len(model._meta.concrete_fields)
    attnames, columns = _shape(model, frozenset(data) if partial else None)
    values = []
    for column, convert in columns:
        value = data.get(column)
        values.append(value if value is None or convert is None else convert(value))
    return model.from_db(db, attnames, values)


class _RelatedRowsIterable(ModelIterable):
    def __iter__(self) -> Iterator[models.Model]:
        db = self.queryset.db
        rows: Iterator[models.Model] = super().__iter__()
        query = self.queryset.query
        if query.low_mark or (query.high_mark is not None and query.group_by is not None):
            # A page past the first, or of grouped rows: PostgreSQL would run the sub-selects
            # for every skipped row or every group before it sorts them, so the page's keys
            # are chosen first, in an inner select of the same statement.
            page = self.queryset.all()
            page.query.clear_limits()
            rows = iter(ModelIterable(page.filter(_among(self.queryset.values("pk"), db))))
        for obj in rows:
            for key in [k for k in obj.__dict__ if k.startswith(_PREFIX)]:
                name = key[len(_PREFIX) :]
                data = obj.__dict__.pop(key)
                related = cast("type[models.Model]", obj._meta.get_field(name).related_model)
                obj._state.fields_cache[name] = (
                    None if data is None else _instance(related, data, db)
                )
            yield obj


class _KeyArray(Subquery):
    """The page's keys as one array: ``ARRAY(SELECT id ... LIMIT 50 OFFSET 100)``."""

    template = "ARRAY(%(subquery)s)"


class _AmongKeys(Func):
    """``pk = ANY(ARRAY(...))``: PostgreSQL computes the keys once, then reads each row by
    its primary key. ``pk IN (SELECT ...)`` lets it join instead, and on a small table it
    hashes the keys and reads the whole table for them, a plan that grows with the table."""

    # Two arguments joined as "key = ANY(keys)".
    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _among(keys: QuerySet[Any], db: str) -> Any:
    """The rows whose primary key is among ``keys`` (a one-column queryset of them)."""
    if connections[db].vendor == "postgresql":
        return _AmongKeys(F("pk"), _KeyArray(keys))
    return Q(pk__in=keys)


@cache
def _row_sql(
    vendor: str, model: type[models.Model], name: str, only: tuple[str, ...] | None = None
) -> str:
    """The sub-select of ``model``'s foreign key ``name``: its row as one JSON object (its
    primary key and the fields ``only`` names, if given)."""
    field = model._meta.get_field(name)
    target = cast("type[models.Model]", field.related_model)
    table, outer, key = target._meta.db_table, model._meta.db_table, target._meta.pk.column
    column = cast("models.ForeignKey[Any, Any]", field).column
    fields: list[models.Field[Any, Any]] = list(target._meta.concrete_fields)
    if only is not None:
        fields = [f for f in fields if f.primary_key or f.name in only]
        if len(fields) != len(only) + 1:
            raise LookupError(f"{target.__name__} has no field among some of {only}")
    pairs = ", ".join(f"'{f.column}', r.\"{f.column}\"" for f in fields)
    if vendor == "postgresql":
        row = "to_jsonb(r)" if only is None else f"jsonb_build_object({pairs})"
    else:
        row = f"json_object({pairs})"
    # Only names from the models' metadata go into this SQL, never a value.
    return f'(SELECT {row} FROM "{table}" r WHERE r."{key}" = "{outer}"."{column}")'  # noqa: S608


def with_related_rows(
    queryset: QuerySet[M], *names: str, only: dict[str, tuple[str, ...]] | None = None
) -> QuerySet[M]:
    """``queryset`` with these foreign keys' rows read by sub-selects, as ``select_related`` would.

    ``only={"partner": ("name",)}`` reads the partner's key and name alone (the others are
    deferred, as ``.only()`` defers them: reading one runs a query). The sub-selects name
    the queryset's own table: for querysets over one table (the lists).
    """
    vendor = connections[queryset.db].vendor
    only = only or {}
    rows = queryset.annotate(
        **{
            _PREFIX + name: RawSQL(  # noqa: S611 (model metadata only: _row_sql)
                _row_sql(vendor, queryset.model, name, only.get(name)), (), output_field=_ROW_FIELD
            )
            for name in names
        }
    )
    rows._iterable_class = _RelatedRowsIterable
    return rows
