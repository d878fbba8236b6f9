from __future__ import annotations

from typing import Any

import pytest
from issuetrak_tools._contract.checks import page_past_count_has_items


@pytest.mark.parametrize(
    ("page", "page_count", "values"),
    [
        (2147483646, 5, []),  # a page past the end, asked for: empty, numbered as asked
        (1, 0, []),  # an empty result set
        (5, 5, [{"iid": 1}]),  # the last page
        (1, 3, [{"iid": 1}, {"iid": 2}]),
        (None, 3, [{"iid": 1}]),  # no page number: the schema checks' business
    ],
)
def test_pages_within_page_count_or_empty_pass(
    page: Any, page_count: Any, values: list[Any]
) -> None:
    assert not page_past_count_has_items(page, page_count, values)


@pytest.mark.parametrize(
    ("page", "page_count"),
    [(6, 5), (1, 0), (2147483646, 5)],
)
def test_values_on_a_page_past_page_count_are_a_violation(page: int, page_count: int) -> None:
    assert page_past_count_has_items(page, page_count, [{"iid": 7}])
