"""Model instances read from a hand-written SELECT, as the ORM would have built them.

For hot paths whose ORM query costs more to compile than to run (issue 14): the statement is
written once, its select list made from a model's columns (``ModelColumns.select``), and each
row's slice turned back into an instance (``ModelColumns.instance``) with its values converted
as the ORM converts them (dates and decimals on SQLite, JSON, aware datetimes). The instance is
what ``select_related`` would have put in the fields cache: every concrete field loaded, no
deferred field, marked as coming from the database.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class ModelColumns(Generic[M]):
    """Every concrete column of ``model``, in field order."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self._pk = self.attnames.index(model._meta.pk.attname)
        # Per connection (each thread has its own): each field's converters with its column.
        self._converters: weakref.WeakKeyDictionary[
            BaseDatabaseWrapper, list[tuple[list[Converter], Any]]
        ] = weakref.WeakKeyDictionary()

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def table(self) -> str:
        return f'"{self.model._meta.db_table}"'

    def select(self, alias: str) -> str:
        """The select list of the model's columns, of table alias ``alias``."""
        return ", ".join(f'{alias}."{field.column}"' for field in self.fields)

    def instance(self, values: Sequence[Any], connection: BaseDatabaseWrapper) -> M | None:
        """The instance of this slice of a row; ``None`` when its key is NULL (the row of an
        outer join that found none)."""
        converted = []
        for value, (converters, column) in zip(
            values, self._converters_for(connection), strict=True
        ):
            for convert in converters:
                value = convert(value, column, connection)
            converted.append(value)
        if converted[self._pk] is None:
            return None
        return self.model.from_db(connection.alias, self.attnames, converted)

    def _converters_for(self, connection: BaseDatabaseWrapper) -> list[tuple[list[Converter], Any]]:
        cached = self._converters.get(connection)
        if cached is None:
            cached = []
            for field in self.fields:
                column = field.get_col(self.model._meta.db_table)
                # As the SQL compiler gathers them: the backend's, then the field's own.
                converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                    connection
                )
                cached.append((converters, column))
            self._converters[connection] = cached
        return cached


def read_row(
    parts: Sequence[ModelColumns[Any]], row: Sequence[Any], connection: BaseDatabaseWrapper
) -> tuple[list[Any], Sequence[Any]]:
    """The instances of ``parts``, selected one after the other at the start of ``row``
    (``None`` for an outer join's missing row), and the columns that follow them."""
    instances = []
    start = 0
    for part in parts:
        instances.append(part.instance(row[start : start + len(part)], connection))
        start += len(part)
    return instances, row[start:]
