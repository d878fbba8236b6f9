"""Lazy iteration over Issuetrak's paged envelopes ``{values, pagingInformation{page, itemTotal, pageCount}}``.

A pager fetches nothing until it is iterated (or ``total`` is read), then one page at a time. It
stops at ``pageCount``; when a site leaves ``pagingInformation`` out it stops at the first short or
empty page instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = ["DEFAULT_PAGE_SIZE", "AsyncPager", "Page", "SyncPager"]

DEFAULT_PAGE_SIZE = 100  # the document's maximum pageSize: fewest requests per item
T = TypeVar("T")


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results as the server sent it."""

    items: list[T]
    number: int
    page_count: int | None
    item_total: int | None
    envelope: Any
    trace_id: str | None = None
    """The ``traceId`` of the reply that carried this page."""

    def __repr__(self) -> str:
        of = f"/{self.page_count}" if self.page_count is not None else ""
        return f"<Page {self.number}{of}: {len(self.items)} items, item_total={self.item_total}>"

    @classmethod
    def from_envelope(cls, envelope: Any, number: int, trace_id: str | None = None) -> Page[Any]:
        values = getattr(envelope, "values", None)
        items = list(values) if isinstance(values, list) else []
        info = getattr(envelope, "paging_information", None)
        return cls(
            items=items,
            number=_int_or_none(getattr(info, "page", None)) or number,
            page_count=_int_or_none(getattr(info, "page_count", None)),
            item_total=_int_or_none(getattr(info, "item_total", None)),
            envelope=envelope,
            trace_id=trace_id,
        )

    def is_last(self, page_size: int) -> bool:
        if self.page_count is not None:
            return self.number >= self.page_count
        return len(self.items) < page_size


class _PagerBase:
    def __init__(self, *, page_size: int, first_page: int, operation: str) -> None:
        from ._facade_errors import UsageError  # a ValueError too

        where = f"{operation}: " if operation else ""
        if not 1 <= page_size <= DEFAULT_PAGE_SIZE:
            raise UsageError(
                f"{where}page_size must be between 1 and {DEFAULT_PAGE_SIZE} (the document's "
                f"range), got {page_size}"
            )
        if first_page < 1:
            raise UsageError(f"{where}page_number must be 1 or larger, got {first_page}")
        self.page_size = page_size
        self.first_page = first_page
        self.operation = operation
        self._first: Page[Any] | None = None

    def __repr__(self) -> str:
        total = f" total={self._first.item_total}" if self._first is not None else ""
        return f"<{type(self).__name__} {self.operation} page_size={self.page_size}{total}>"


class SyncPager(_PagerBase, Generic[T]):
    """Iterate items across pages: ``for user in client.users.list(): ...``.

    ``pages()`` yields :class:`Page` objects; ``total`` is ``pagingInformation.itemTotal`` (one
    request if nothing was fetched yet; the page is kept for the iteration that follows).
    """

    def __init__(
        self,
        fetch: Callable[[int, int], Page[T]],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        first_page: int = 1,
        operation: str = "",
    ) -> None:
        super().__init__(page_size=page_size, first_page=first_page, operation=operation)
        self._fetch = fetch

    def _page(self, number: int) -> Page[T]:
        if number == self.first_page and self._first is not None:
            return self._first
        page = self._fetch(number, self.page_size)
        if number == self.first_page:
            self._first = page
        return page

    def pages(self) -> Iterator[Page[T]]:
        """Each :class:`Page` in turn: ``for page in pager.pages(): page.items``."""
        number = self.first_page
        while True:
            page = self._page(number)
            yield page
            if not page.items or page.is_last(self.page_size):
                return
            number += 1

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    @property
    def total(self) -> int | None:
        """``pagingInformation.itemTotal`` of the first page (None if the site does not send it)."""
        return self._page(self.first_page).item_total

    def to_list(self) -> list[T]:
        """Every item of every page (fetches them all)."""
        return list(self)


class AsyncPager(_PagerBase, Generic[T]):
    """``async for issue in client.issues.search(f): ...``; ``await pager.total``; ``pager.pages()``."""

    def __init__(
        self,
        fetch: Callable[[int, int], Awaitable[Page[T]]],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        first_page: int = 1,
        operation: str = "",
    ) -> None:
        super().__init__(page_size=page_size, first_page=first_page, operation=operation)
        self._fetch = fetch

    async def _page(self, number: int) -> Page[T]:
        if number == self.first_page and self._first is not None:
            return self._first
        page = await self._fetch(number, self.page_size)
        if number == self.first_page:
            self._first = page
        return page

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Each :class:`Page` in turn: ``async for page in pager.pages(): ...``."""
        number = self.first_page
        while True:
            page = await self._page(number)
            yield page
            if not page.items or page.is_last(self.page_size):
                return
            number += 1

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    @property
    def total(self) -> Awaitable[int | None]:
        """Awaitable ``pagingInformation.itemTotal``: ``await pager.total``."""
        return self._total()

    async def _total(self) -> int | None:
        return (await self._page(self.first_page)).item_total

    async def to_list(self) -> list[T]:
        """Every item of every page: ``await pager.to_list()``."""
        return [item async for item in self]
