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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, cast

from django.db import connections, models
from django.db.models import BooleanField, F, Func, JSONField, Q, QuerySet, Subquery
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

_PREFIX = "related_row_"
_SET_PREFIX = "related_set_"
M = TypeVar("M", bound=models.Model)


class _RowsField(JSONField):
    """The sub-selects' JSON, decimals kept as decimals (a price is never a float).

    One decoder for every value: ``JSONField`` builds one per value (``json.loads(cls=...)``),
    some 400 for a page of tickets."""

    _decoder = json.JSONDecoder(parse_float=Decimal)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else self._decoder.decode(value)


_ROW_FIELD = _RowsField()


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a column read from JSON becomes what the database adapter would give (None: as is)."""
    if isinstance(field, models.DateTimeField):

        def aware(value: Any) -> Any:
            # PostgreSQL writes an offset; SQLite the stored UTC wall time, naive. Both are
            # ISO 8601, which datetime reads itself (the field's parser tries it first too).
            try:
                parsed = datetime.fromisoformat(value)
            except (TypeError, ValueError):
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
    model: type[models.Model], present: tuple[str, ...]
) -> tuple[list[str], list[tuple[str, Callable[[Any], Any] | None]]]:
    """The attribute names and (column, converter) pairs of ``model``'s columns ``present``
    in a row read (all of them, or those ``with_related_rows(only=...)`` names)."""
    fields = [f for f in model._meta.concrete_fields if f.column in present]
    return [f.attname for f in fields], [(f.column, _converter(f)) for f in fields]


class _Builder:
    """Model instances from the JSON rows of one statement, for one iteration of it.

    An instance is built as ``model.from_db`` builds it, without running ``Model.__init__``:
    ``__init__`` walks every field of the model to set the few given (a tenth of a page's
    time went there, issue 14). The values go straight where it puts them, the instance's
    ``__dict__``; the fields not given stay deferred, as ``from_db`` leaves them. A model
    with ``pre_init``/``post_init`` receivers (asked once per iteration) is built the usual
    way.
    """

    def __init__(self, db: str) -> None:
        self.db = db
        self._plain: dict[type[models.Model], bool] = {}

    def build(self, model: type[M], attnames: Sequence[str], values: Sequence[Any]) -> M:
        """``model.from_db(db, attnames, values)``, without ``Model.__init__`` if it may."""
        plain = self._plain.get(model)
        if plain is None:
            plain = not (pre_init.has_listeners(model) or post_init.has_listeners(model))
            self._plain[model] = plain
        if not plain:
            return model.from_db(self.db, list(attnames), list(values))
        obj = model.__new__(model)
        obj.__dict__.update(zip(attnames, values, strict=True))
        state = ModelState()
        state.adding = False
        state.db = self.db
        obj._state = state
        return obj

    def instance(self, model: type[M], data: dict[str, Any]) -> M:
        """The instance of a JSON row (its columns by name), converted as the adapter would."""
        attnames, columns = _shape(model, tuple(data))
        values = []
        for column, convert in columns:
            value = data[column]
            values.append(value if value is None or convert is None else convert(value))
        return self.build(model, attnames, values)

    def rows(
        self, queryset: QuerySet[Any], chunked_fetch: bool, chunk_size: int
    ) -> Iterator[models.Model]:
        """``queryset``'s instances, as ``ModelIterable`` gives them (its statement, its
        converters, its annotations set on each), each with its related rows and sets: for a
        queryset without ``select_related`` or known related objects (``_RelatedRowsIterable``)."""
        compiler = queryset.query.get_compiler(using=self.db)
        results = compiler.execute_sql(chunked_fetch=chunked_fetch, chunk_size=chunk_size)
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None  # a model's rows
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        related, sets, plain = [], [], []
        for name, position in compiler.annotation_col_map.items():
            column = queryset.query.annotations[name]
            if isinstance(column, _SetColumn):
                sets.append((column.related_set, position))
            elif name.startswith(_PREFIX):
                field = model._meta.get_field(name[len(_PREFIX) :])
                related.append((field.name, field.related_model, position))
            else:
                plain.append((name, position))
        for row in compiler.results_iter(results):
            obj = self.build(model, attnames, row[start:end])
            cache = obj._state.fields_cache
            for name, related_model, position in related:
                data = row[position]
                cache[name] = None if data is None else self.instance(related_model, data)
            for name, position in plain:
                setattr(obj, name, row[position])
            for related_set, position in sets:
                self.attach_set(obj, related_set, row[position])
            yield obj

    def attach_rows(self, obj: models.Model, data: dict[str, Any], keys: Iterable[str]) -> None:
        """Pops ``data``'s related rows (``keys``) and caches them on ``obj`` as
        ``select_related`` would."""
        cache = obj._state.fields_cache
        for key in keys:
            name = key[len(_PREFIX) :]
            row = data.pop(key)
            related = cast("type[models.Model]", obj._meta.get_field(name).related_model)
            cache[name] = None if row is None else self.instance(related, row)

    def attach_set(self, obj: models.Model, related_set: RelatedSet, rows: list[Any]) -> None:
        """``rows`` (JSON objects) as ``obj``'s prefetched ``related_set``, in its order."""
        relation = cast("models.ManyToOneRel", obj._meta.get_field(related_set.name))
        child = cast("type[models.Model]", relation.related_model)
        parent_field = relation.field.name
        nested_keys = [_PREFIX + name for name, _only in related_set.rows]
        children = []
        for data in rows:
            nested = {key: data.pop(key) for key in nested_keys}
            instance = self.instance(child, data)
            self.attach_rows(instance, nested, nested_keys)
            instance._state.fields_cache[parent_field] = obj  # as the prefetch caches it
            children.append(instance)
        children.sort(key=related_set.key)
        set_prefetched(obj, **{related_set.name: children})


class _RelatedRowsIterable(ModelIterable):
    def __iter__(self) -> Iterator[models.Model]:
        db = self.queryset.db
        queryset = self.queryset
        query = queryset.query
        if query.low_mark or (query.high_mark is not None and query.group_by is not None):
            # A page past the first, or of grouped rows: PostgreSQL would run the sub-selects
            # for every skipped row or every group before it sorts them, so the page's keys
            # are chosen first, in an inner select of the same statement.
            page = queryset.all()
            page.query.clear_limits()
            queryset = page.filter(_among(self.queryset.values("pk"), db))
        builder = _Builder(db)
        known = queryset._known_related_objects  # type: ignore[attr-defined]  # private, no stub
        if not (queryset.query.select_related or known):
            yield from builder.rows(queryset, self.chunked_fetch, self.chunk_size)
            return
        # Django's own iteration (joined rows, a related manager's parent), then the rest.
        keys = [name for name in query.annotations if name.startswith(_PREFIX)]
        sets = [
            (name, column.related_set)
            for name, column in query.annotations.items()
            if isinstance(column, _SetColumn)
        ]
        obj: models.Model
        for obj in ModelIterable(queryset, self.chunked_fetch, self.chunk_size):
            builder.attach_rows(obj, obj.__dict__, keys)
            for name, related_set in sets:
                builder.attach_set(obj, related_set, obj.__dict__.pop(name))
            yield obj


def set_prefetched(obj: models.Model, **rows: Iterable[Any]) -> None:
    """``rows`` by relation name (reverse foreign keys) stand for ``obj``'s prefetched ones:
    ``obj.<name>.all()`` gives them and runs no query.

    The queryset cached is the one the related manager would give, built without its clone:
    a clone per row was a tenth of a page's time (issue 14). Its filter on ``obj`` is
    deferred as the manager defers it, and applies if the queryset is chained
    (``obj.<name>.filter(...)`` reads ``obj``'s rows only, from the database, as after
    ``prefetch_related``).
    """
    cache = getattr(obj, "_prefetched_objects_cache", None) or {}
    for name, values in rows.items():
        relation = cast("models.ManyToOneRel", obj._meta.get_field(name))
        child = cast("type[models.Model]", relation.related_model)
        manager = child._default_manager.db_manager(obj._state.db, hints={"instance": obj})
        # Any: the attributes set below are the queryset's own (private), not in its stubs.
        related: Any = manager.get_queryset()
        related._deferred_filter = (False, (), {relation.field.name: obj})
        related._known_related_objects = {relation.field: {obj.pk: obj}}
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
