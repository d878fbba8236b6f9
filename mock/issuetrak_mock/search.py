"""Search indexes: what makes a filtered, sorted search over a large store cost a few GETs.

A :class:`StoreIndex` belongs to one store at one version. It is built piece by piece on first
use and thrown away as a whole when the store changes (``Store.version`` moves on, or the users
store does: sorting by ``createdBy`` reads user names), so it never answers from stale records.

Sets of records are bitmaps: Python integers whose bit ``n`` stands for the store's ``n``-th
record (creation order). Intersections, unions and counts of bitmaps run a machine word at a
time, so they cost next to nothing even at 100,000 records; only the records of the page sent
back are looked at one by one.

* a *column* groups the records by the value a :class:`~issuetrak_mock.criteria.Column` reads,
  one bitmap per distinct value, so a criteria is tested once per distinct value (two for
  ``isOpen``, a handful for ``priority.iid``) instead of once per record;
* an *order* is the records sorted once by a sort field and direction, so a page is the first
  matching records along it, or the few matching records sorted by their rank along it;
* *children* group the records of a child store (notes, tasks...) by their parent record.

:meth:`StoreIndex.select` walks a compiled filter (:class:`~issuetrak_mock.criteria.Node`):
indexed criteria are answered from their columns; criteria no index can answer (collections,
UDFs) test only the records still in the running, one by one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

from .criteria import AllOf, AnyOf, Column, Leaf, Node, Not, Test

__all__ = ["Bits", "StoreIndex"]

Key = Hashable
Record = dict[str, Any]
#: a set of records: bit ``n`` is the store's ``n``-th record
Bits = int

# a node no index answers is tested record by record: it goes after every indexed one
_UNINDEXED = 1 << 40
_NONZERO = re.compile(rb"[^\x00]")
_BITS_OF_BYTE = tuple(tuple(b for b in range(8) if value >> b & 1) for value in range(256))


def _bitmap(positions: Iterable[int], size: int) -> Bits:
    data = bytearray((size + 7) // 8)
    for n in positions:
        data[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(data, "little")


def _positions(bits: Bits) -> Iterator[int]:
    """The positions of the set bits, lowest first (zero bytes are skipped in C)."""
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for found in _NONZERO.finditer(data):
        at = found.start()
        base = at << 3
        for bit in _BITS_OF_BYTE[data[at]]:
            yield base + bit


class _Grouped:
    """A store's records grouped by the value one column reads (unhashable values kept apart)."""

    __slots__ = ("buckets", "loose", "size")

    def __init__(self, column: Column, records: list[Record]) -> None:
        grouped: dict[tuple[type, Any], list[int]] = {}
        loose: list[tuple[int, Any]] = []
        for n, record in enumerate(records):
            value = column(record)
            try:
                # the class is part of the bucket key: True, 1 and 1.0 are equal but not the same
                # to a criteria (IsTrue is not MatchAny [1])
                grouped.setdefault((value.__class__, value), []).append(n)
            except TypeError:
                loose.append((n, value))
        self.size = len(records)
        self.buckets = {
            value: (_bitmap(positions, self.size), len(positions))
            for value, positions in grouped.items()
        }
        self.loose = loose

    @property
    def cost(self) -> int:
        return len(self.buckets) + len(self.loose)

    def matching(self, test: Test) -> tuple[Bits, int]:
        """The records whose value passes ``test``, and how many they are."""
        bits = count = 0
        for (_, value), (members, size) in self.buckets.items():
            if test(value):
                bits |= members
                count += size
        if self.loose:
            passing = [n for n, value in self.loose if test(value)]
            bits |= _bitmap(passing, self.size)
            count += len(passing)
        return bits, count


class StoreIndex:
    """Indexes over one version of one store's records (see the module docstring)."""

    def __init__(self, records: dict[Key, Record], meta: dict[Key, dict[str, Any]]) -> None:
        self.records = records
        self.keys: list[Key] = list(records)
        self._values: list[Record] = list(records.values())
        self._meta = meta
        self.everything: Bits = (1 << len(self.keys)) - 1
        self._columns: dict[Column, _Grouped] = {}
        self._orders: dict[tuple[str | None, bool], tuple[list[int], list[int]]] = {}
        self._asked: set[tuple[str | None, bool]] = set()
        self._children: dict[Any, Bits] | None = None
        self._places: dict[Key, int] | None = None

    # -- between keys and bitmaps ---------------------------------------------------------------

    def bits(self, keys: Iterable[Key]) -> Bits:
        """The bitmap of ``keys`` (keys the store does not have are left out)."""
        if self._places is None:
            self._places = {key: n for n, key in enumerate(self.keys)}
        places = self._places
        return _bitmap((places[k] for k in keys if k in places), len(self.keys))

    def keys_of(self, bits: Bits) -> list[Key]:
        """The keys of a bitmap, in creation order."""
        keys = self.keys
        return [keys[n] for n in _positions(bits)]

    # -- building blocks ------------------------------------------------------------------------

    def column(self, column: Column) -> _Grouped:
        grouped = self._columns.get(column)
        if grouped is None:
            grouped = self._columns[column] = _Grouped(column, self._values)
        return grouped

    def children_of(self, parent: Any) -> Bits:
        """The records that hang below ``parent`` (a ``(store key, iid)`` pair)."""
        if self._children is None:
            grouped: dict[Any, list[int]] = {}
            for n, key in enumerate(self.keys):
                owner = self._meta.get(key, {}).get("parent")
                if owner is not None:
                    grouped.setdefault(owner, []).append(n)
            size = len(self.keys)
            self._children = {owner: _bitmap(ns, size) for owner, ns in grouped.items()}
        return self._children.get(parent, 0)

    def _order(
        self, name: str | None, descending: bool, sort_key: Callable[[Record], Any] | None
    ) -> tuple[list[int], list[int]]:
        """Every record's position in result order, and each position's rank along it.

        Without a sort field the order is the store's own (creation order). A sort is stable, so
        records with equal sort values keep creation order in both directions.
        """
        cache_key = (name, descending)
        found = self._orders.get(cache_key)
        if found is None:
            values = self._values
            order = list(range(len(values)))
            if sort_key is not None:
                order.sort(key=lambda n: sort_key(values[n]), reverse=descending)
            rank = [0] * len(order)
            for place, n in enumerate(order):
                rank[n] = place
            found = self._orders[cache_key] = (order, rank)
        return found

    # -- answering a filter ---------------------------------------------------------------------

    def _cost(self, node: Node) -> int:
        if isinstance(node, Leaf) and node.column is not None:
            return self.column(node.column).cost
        return _UNINDEXED

    def select(self, node: Node, candidates: Bits | None = None) -> Bits:
        """The records (among ``candidates``, default all) that ``node`` matches."""
        if isinstance(node, Leaf) and node.column is not None:
            grouped = self.column(node.column)
            if candidates is not None and candidates.bit_count() < grouped.cost:
                return self._tested(node, candidates)  # fewer records left than values
            found, _ = grouped.matching(node.test)
            return found if candidates is None else found & candidates
        if isinstance(node, AllOf):
            return self._all_of(node.parts, candidates)
        if isinstance(node, AnyOf):
            union = 0
            for part in node.parts:
                union |= self.select(part, candidates)
            return union
        pool = self.everything if candidates is None else candidates
        if isinstance(node, Not):
            return pool & ~self.select(node.part, candidates)
        return self._tested(node, pool)

    def _tested(self, node: Node, pool: Bits) -> Bits:
        values = self._values
        return _bitmap((n for n in _positions(pool) if node(values[n])), len(values))

    def _all_of(self, parts: tuple[Node, ...], candidates: Bits | None) -> Bits:
        # indexed criteria, cheapest first, each answered from its column and intersected with
        # what is left; once fewer records are left than a column has distinct values, the
        # remaining criteria (like every criteria no index answers) test those records
        narrowed = self.everything if candidates is None else candidates
        left = len(self.keys) if candidates is None else candidates.bit_count()
        for part in sorted(parts, key=self._cost):
            if not narrowed:
                break
            if isinstance(part, Leaf) and part.column is not None:
                grouped = self.column(part.column)
                if left >= grouped.cost:
                    found, count = grouped.matching(part.test)
                    narrowed &= found
                    left = min(left, count)
                    continue
            narrowed = self.select(part, narrowed)
            left = narrowed.bit_count()
        return narrowed

    # -- a page of the answer ---------------------------------------------------------------------

    def page(
        self,
        matched: Bits,
        name: str | None,
        descending: bool,
        sort_key: Callable[[Record], Any] | None,
        start: int,
        size: int,
    ) -> list[Key]:
        """The keys of ``matched`` in result order (see :meth:`_order`), from ``start``,
        ``size`` at most.

        A whole-store order is built the second time this version is asked for it: a store
        written between searches sorts just its few matches each time instead.
        """
        cache_key = (name, descending)
        count = matched.bit_count()
        few = count * 8 < len(self.keys)
        keys, values = self.keys, self._values
        if few and cache_key not in self._orders and cache_key not in self._asked:
            self._asked.add(cache_key)
            chosen = list(_positions(matched))
            if sort_key is not None:
                chosen.sort(key=lambda n: sort_key(values[n]), reverse=descending)
            return [keys[n] for n in chosen[start : start + size]]
        order, rank = self._order(name, descending, sort_key)
        if not count:
            return []
        # walking the order to the end of the page visits about (start + size) * n / count
        # records; sorting the matches by rank costs a couple of steps per match
        if (start + size) * len(keys) > 2 * count * count:
            chosen = sorted(_positions(matched), key=rank.__getitem__)
            return [keys[n] for n in chosen[start : start + size]]
        data = matched.to_bytes((len(keys) + 7) // 8, "little")
        out: list[Key] = []
        seen = 0
        for n in order:
            if data[n >> 3] >> (n & 7) & 1:
                if seen >= start:
                    out.append(keys[n])
                    if len(out) == size:
                        break
                seen += 1
        return out
