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

``sets=[RelatedSet("events", key=..., rows={"actor": ("username",)})]`` reads a reverse
foreign key's rows the same way, as one JSON array per row, and puts them where
``prefetch_related`` would (``ticket.events.all()`` then runs no query): a ticket's detail
is one statement instead of one per relation (each compiled by the ORM, issue 14). The
array is ordered in Python by ``key``, as the prefetch's ``order_by`` would; each of its
rows may carry its own foreign keys' rows (``rows``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
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
_SET_PREFIX = "related_set_"
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
        sets = [
            (name, column.related_set)
            for name, column in query.annotations.items()
            if isinstance(column, _SetColumn)
        ]
        for obj in rows:
            _attach_rows(obj, obj.__dict__, db)
            for name, related_set in sets:
                _attach_set(obj, related_set, obj.__dict__.pop(name), db)
            yield obj


def _attach_rows(obj: models.Model, data: dict[str, Any], db: str) -> None:
    """Pops ``data``'s related rows and caches them on ``obj`` as ``select_related`` would."""
    for key in [k for k in data if k.startswith(_PREFIX)]:
        name = key[len(_PREFIX) :]
        row = data.pop(key)
        related = cast("type[models.Model]", obj._meta.get_field(name).related_model)
        obj._state.fields_cache[name] = None if row is None else _instance(related, row, db)


def _attach_set(obj: models.Model, related_set: RelatedSet, rows: list[Any], db: str) -> None:
    """``rows`` (JSON objects) as ``obj``'s prefetched ``related_set``, in its order."""
    relation = cast("models.ManyToOneRel", obj._meta.get_field(related_set.name))
    child = cast("type[models.Model]", relation.related_model)
    parent_field = relation.field.name
    children = []
    for data in rows:
        nested = {k: data.pop(k) for k in [k for k in data if k.startswith(_PREFIX)]}
        instance = _instance(child, data, db)
        _attach_rows(instance, nested, db)
        instance._state.fields_cache[parent_field] = obj  # as the prefetch caches it
        children.append(instance)
    children.sort(key=related_set.key)
    set_prefetched(obj, **{related_set.name: children})


def set_prefetched(obj: models.Model, **rows: Iterable[Any]) -> None:
    """``rows`` by relation name stand for ``obj``'s prefetched ones (``.all()`` runs none)."""
    cache = getattr(obj, "_prefetched_objects_cache", None) or {}
    for name, values in rows.items():
        related = getattr(obj, name).all()
        related._result_cache = list(values)
        related._prefetch_done = True
        cache[name] = related
    obj._prefetched_objects_cache = cache  # type: ignore[attr-defined]


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


def _pairs(vendor: str, alias: str, fields: Iterable[models.Field[Any, Any]]) -> str:
    """``'column', alias."column", ...``: the arguments of a JSON object of these columns."""
    pairs = []
    for f in fields:
        value = f'{alias}."{f.column}"'
        if vendor != "postgresql" and isinstance(f, models.JSONField):
            value = f"json({value})"  # SQLite stores JSON as text: nest it, not as a string
        pairs.append(f"'{f.column}', {value}")
    return ", ".join(pairs)


@cache
def _row_sql(
    vendor: str,
    model: type[models.Model],
    name: str,
    only: tuple[str, ...] | None = None,
    outer: str | None = None,
) -> str:
    """The sub-select of ``model``'s foreign key ``name``: its row as one JSON object (its
    primary key and the fields ``only`` names, if given). ``outer`` names ``model``'s table
    in the enclosing statement when it is an alias."""
    field = model._meta.get_field(name)
    target = cast("type[models.Model]", field.related_model)
    table, key = target._meta.db_table, target._meta.pk.column
    outer = outer or f'"{model._meta.db_table}"'
    column = cast("models.ForeignKey[Any, Any]", field).column
    fields: list[models.Field[Any, Any]] = list(target._meta.concrete_fields)
    if only is not None:
        fields = [f for f in fields if f.primary_key or f.name in only]
        if len(fields) != len(only) + 1:
            raise LookupError(f"{target.__name__} has no field among some of {only}")
    if vendor == "postgresql" and only is None:
        row = "to_jsonb(r)"
    elif vendor == "postgresql":
        row = f"jsonb_build_object({_pairs(vendor, 'r', fields)})"
    else:
        row = f"json_object({_pairs(vendor, 'r', fields)})"
    # Only names from the models' metadata go into this SQL, never a value.
    return f'(SELECT {row} FROM "{table}" r WHERE r."{key}" = {outer}."{column}")'  # noqa: S608


@dataclass(frozen=True)
class RelatedSet:
    """A reverse foreign key read as one JSON array in the parent's statement.

    ``key`` orders the rows as the prefetch's ``order_by`` would; ``rows`` names the foreign
    keys of each row read along (``{"actor": ("username",)}``; ``None``: every field).
    """

    name: str
    key: Callable[[Any], Any]
    rows: tuple[tuple[str, tuple[str, ...] | None], ...] = ()

    def __init__(
        self,
        name: str,
        key: Callable[[Any], Any],
        rows: Mapping[str, tuple[str, ...] | None] | None = None,
    ) -> None:
        # Frozen and hashable (an expression's identity holds it): the mapping as pairs.
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "rows", tuple(sorted((rows or {}).items())))

    def sql(self, vendor: str, model: type[models.Model]) -> str:
        return _set_sql(vendor, model, self.name, self.rows)


class _SetColumn(RawSQL):
    """A related set's sub-select, carrying what the iterable needs to build its rows (the
    annotation travels with the query through ``filter``, ``get`` and paging)."""

    def __init__(self, related_set: RelatedSet, sql: str) -> None:
        super().__init__(sql, (), output_field=_ROW_FIELD)  # model metadata only: _set_sql
        self.related_set = related_set


@cache
def _set_sql(
    vendor: str,
    model: type[models.Model],
    name: str,
    rows: tuple[tuple[str, tuple[str, ...] | None], ...],
) -> str:
    relation = cast("models.ManyToOneRel", model._meta.get_field(name))
    child = cast("type[models.Model]", relation.related_model)
    fk = relation.field
    outer, table = model._meta.db_table, child._meta.db_table
    subselects = {fk_name: _row_sql(vendor, child, fk_name, only, '"c"') for fk_name, only in rows}
    nested = ", ".join(
        f"'{_PREFIX}{fk_name}', " + (sql if vendor == "postgresql" else f"json({sql})")
        for fk_name, sql in subselects.items()
    )
    if vendor == "postgresql":
        row = "to_jsonb(c)" + (f" || jsonb_build_object({nested})" if nested else "")
        array = f"coalesce(jsonb_agg({row}), '[]'::jsonb)"
    else:
        own = _pairs(vendor, "c", child._meta.concrete_fields)
        array = (
            f"coalesce(json_group_array(json_object({own}{', ' if nested else ''}{nested})), '[]')"
        )
    key = model._meta.pk.column
    # Only names from the models' metadata go into this SQL, never a value.
    return (
        f'(SELECT {array} FROM "{table}" c '  # noqa: S608
        f'WHERE c."{fk.column}" = "{outer}"."{key}")'
    )


def with_related_rows(
    queryset: QuerySet[M],
    *names: str,
    only: dict[str, tuple[str, ...]] | None = None,
    sets: Iterable[RelatedSet] = (),
) -> QuerySet[M]:
    """``queryset`` with these foreign keys' rows read by sub-selects, as ``select_related`` would,
    and the reverse foreign keys ``sets`` names as ``prefetch_related`` would.

    ``only={"partner": ("name",)}`` reads the partner's key and name alone (the others are
    deferred, as ``.only()`` defers them: reading one runs a query). The sub-selects name
    the queryset's own table: for querysets over one table (the lists).
    """
    vendor = connections[queryset.db].vendor
    only = only or {}
    # Only names from the models' metadata go into these sub-selects (_row_sql, _set_sql).
    columns = {
        _PREFIX + name: RawSQL(  # noqa: S611
            _row_sql(vendor, queryset.model, name, only.get(name)), (), output_field=_ROW_FIELD
        )
        for name in names
    } | {_SET_PREFIX + s.name: _SetColumn(s, s.sql(vendor, queryset.model)) for s in sets}
    rows = queryset.annotate(**columns)
    rows._iterable_class = _RelatedRowsIterable
    return rows
