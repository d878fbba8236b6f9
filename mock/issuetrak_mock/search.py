"""Search indexes: what makes a filtered, sorted search over a large store cost a few GETs.

A :class:`StoreIndex` belongs to one store at one version. It is built piece by piece on first
use and thrown away as a whole when the store changes (``Store.version`` moves on, or the users
store does: sorting by ``createdBy`` reads user names), so it never answers from stale records:

* a *column* groups the store's keys by the value a :class:`~issuetrak_mock.criteria.Column`
  reads, so a criteria is tested once per distinct value (two for ``isOpen``, a handful for
  ``priority.iid``) instead of once per record;
* an *order* is the store's keys sorted once by a sort field and direction, so a page is the
  first matching keys along it, or the matching keys sorted by their rank when few match;
* *children* group the keys of a child store (notes, tasks...) by their parent record.

:meth:`StoreIndex.select` walks a compiled filter (:class:`~issuetrak_mock.criteria.Node`):
indexed criteria first, cheapest first, each narrowing the candidates the next one looks at;
criteria no index can answer (collections, UDFs) test only the remaining candidates.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from collections.abc import Set as AbstractSet
from typing import Any

from .criteria import AllOf, AnyOf, Column, Leaf, Node, Not, Test

__all__ = ["StoreIndex"]

Key = Hashable
Keys = AbstractSet[Key]
Record = dict[str, Any]

# a node no index answers is tested record by record: it goes after every indexed one
_UNINDEXED = 1 << 40


class _Grouped:
    """A store's keys grouped by the value one column reads (unhashable values kept apart)."""

    __slots__ = ("buckets", "loose")

    def __init__(self, column: Column, records: dict[Key, Record]) -> None:
        grouped: dict[tuple[type, Any], list[Key]] = {}
        loose: list[tuple[Key, Any]] = []
        for key, record in records.items():
            value = column(record)
            try:
                # the class is part of the bucket key: True, 1 and 1.0 are equal but not the same
                # to a criteria (IsTrue is not MatchAny [1])
                grouped.setdefault((value.__class__, value), []).append(key)
            except TypeError:
                loose.append((key, value))
        self.buckets = {value: frozenset(keys) for value, keys in grouped.items()}
        self.loose = loose

    @property
    def cost(self) -> int:
        return len(self.buckets) + len(self.loose)

    def matching(self, test: Test) -> list[frozenset[Key]]:
        """The keys whose value passes ``test``, as disjoint parts (one per matching value)."""
        found = [keys for (_, value), keys in self.buckets.items() if test(value)]
        if self.loose:
            found.append(frozenset(key for key, value in self.loose if test(value)))
        return found


def _size(keys: list[frozenset[Key]] | Keys) -> int:
    return sum(len(part) for part in keys) if isinstance(keys, list) else len(keys)


def _union(parts: list[frozenset[Key]]) -> Keys:
    return parts[0] if len(parts) == 1 else frozenset().union(*parts)


class StoreIndex:
    """Indexes over one version of one store's records (see the module docstring)."""

    def __init__(self, records: dict[Key, Record], meta: dict[Key, dict[str, Any]]) -> None:
        self.records = records
        self._meta = meta
        self._all: frozenset[Key] | None = None
        self._columns: dict[Column, _Grouped] = {}
        self._orders: dict[tuple[str | None, bool], tuple[list[Key], dict[Key, int]]] = {}
        self._children: dict[Any, frozenset[Key]] | None = None
        self._positions: dict[Key, int] | None = None
        self._asked: set[tuple[str | None, bool]] = set()

    # -- building blocks ------------------------------------------------------------------------

    def everything(self) -> frozenset[Key]:
        if self._all is None:
            self._all = frozenset(self.records)
        return self._all

    def column(self, column: Column) -> _Grouped:
        grouped = self._columns.get(column)
        if grouped is None:
            grouped = self._columns[column] = _Grouped(column, self.records)
        return grouped

    def children_of(self, parent: Any) -> frozenset[Key]:
        """The keys whose record hangs below ``parent`` (a ``(store key, iid)`` pair)."""
        if self._children is None:
            grouped: dict[Any, set[Key]] = {}
            for key, meta in self._meta.items():
                owner = meta.get("parent")
                if owner is not None and key in self.records:
                    grouped.setdefault(owner, set()).add(key)
            self._children = {owner: frozenset(keys) for owner, keys in grouped.items()}
        return self._children.get(parent, frozenset())

    def positions(self) -> dict[Key, int]:
        """Each key's place in the store's own order (creation order)."""
        if self._positions is None:
            self._positions = {key: n for n, key in enumerate(self.records)}
        return self._positions

    def order(
        self, name: str | None, descending: bool, sort_key: Callable[[Record], Any] | None
    ) -> tuple[list[Key], dict[Key, int]]:
        """Every key in result order, and each key's rank along it.

        Without a sort field the order is the store's own (creation order). A sort is stable, so
        records with equal sort values keep creation order in both directions.
        """
        cache_key = (name, descending)
        found = self._orders.get(cache_key)
        if found is None:
            records = self.records
            if sort_key is None:
                keys = list(records)
            else:
                keys = sorted(records, key=lambda k: sort_key(records[k]), reverse=descending)
            found = self._orders[cache_key] = (keys, {k: n for n, k in enumerate(keys)})
        return found

    def page(
        self,
        matched: Keys,
        name: str | None,
        descending: bool,
        sort_key: Callable[[Record], Any] | None,
        start: int,
        size: int,
    ) -> list[Key]:
        """``matched`` in result order (see :meth:`order`), from ``start``, ``size`` at most.

        A whole-store order is built the second time this version is asked for it: a store
        written between searches sorts just its few matches each time instead.
        """
        cache_key = (name, descending)
        few = len(matched) * 8 < len(self.records)
        if few and cache_key not in self._orders and cache_key not in self._asked:
            self._asked.add(cache_key)
            records = self.records
            chosen = sorted(matched, key=self.positions().__getitem__)
            if sort_key is not None:
                chosen.sort(key=lambda k: sort_key(records[k]), reverse=descending)
            return chosen[start : start + size]
        keys, rank = self.order(name, descending, sort_key)
        if few:
            return sorted(matched, key=rank.__getitem__)[start : start + size]
        return list(itertools.islice((k for k in keys if k in matched), start, start + size))

    # -- answering a filter ---------------------------------------------------------------------

    def _cost(self, node: Node) -> int:
        if isinstance(node, Leaf) and node.column is not None:
            return self.column(node.column).cost
        return _UNINDEXED

    def select(self, node: Node, candidates: Keys | None = None) -> Keys:
        """The keys of the records (among ``candidates``, default all) that ``node`` matches.

        The answer may be one of the index's own sets: read it, do not change it.
        """
        records = self.records
        if isinstance(node, Leaf) and node.column is not None:
            grouped = self.column(node.column)
            if candidates is not None and len(candidates) < grouped.cost:
                column, test = node.column, node.test
                return {k for k in candidates if test(column(records[k]))}
            found = _union(grouped.matching(node.test))
            return found if candidates is None else found & candidates
        if isinstance(node, AllOf):
            return self._all_of(node.parts, candidates)
        if isinstance(node, AnyOf):
            found_any: list[Keys] = [self.select(part, candidates) for part in node.parts]
            return frozenset().union(*found_any)
        pool = self.everything() if candidates is None else candidates
        if isinstance(node, Not):
            return pool - self.select(node.part, candidates)
        return {k for k in pool if node(records[k])}

    def _all_of(self, parts: tuple[Node, ...], candidates: Keys | None) -> Keys:
        # indexed criteria, cheapest first, each answered from its column: a set of keys per
        # matching value; the sets are intersected smallest first, and a criteria that left
        # several sets (MatchAny) intersects each with the few keys left, not their union.
        # Once fewer keys are left than a column has distinct values, the remaining criteria
        # (like every criteria no index answers) test the keys left one by one.
        records = self.records
        found: list[list[frozenset[Key]] | Keys] = [] if candidates is None else [candidates]
        later: list[Node] = []
        for part in sorted(parts, key=self._cost):
            bound = min((_size(keys) for keys in found), default=len(records))
            if isinstance(part, Leaf) and part.column is not None:
                grouped = self.column(part.column)
                if bound >= grouped.cost:
                    found.append(grouped.matching(part.test))
                    continue
            later.append(part)
        found.sort(key=_size)
        narrowed: Keys = self.everything()
        for position, keys in enumerate(found):
            if isinstance(keys, list):
                if position == 0:
                    narrowed = _union(keys) if keys else frozenset()
                else:
                    narrowed = frozenset().union(*(narrowed & part for part in keys))
            else:
                narrowed = keys if position == 0 else narrowed & keys
            if not narrowed:
                return narrowed
        for part in later:
            if not narrowed:
                break
            narrowed = self.select(part, narrowed)
        return narrowed
