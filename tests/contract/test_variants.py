"""The suite catches real deviations, each by the check that owns the rule; the mock passes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from issuetrak_tools._contract.classify import WritePolicy
from issuetrak_tools._contract.document import load_contract_document
from issuetrak_tools._contract.paging import PagedOperation, walk_pages
from issuetrak_tools._contract.report import Recorder
from issuetrak_tools._contract.runner import (
    RunSettings,
    Target,
    build_schema,
    collect_failures,
    open_target,
)
from issuetrak_tools._contract.searchprobe import probe_search
from schemathesis import GenerationMode

issuetrak_mock = pytest.importorskip("issuetrak_mock")

from . import variants  # noqa: E402

LINKS = Path(__file__).resolve().parents[2] / "contract_tests" / "links.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return load_contract_document(links=LINKS)


class Site:
    """One (possibly broken) in-process site with the suite's machinery pointed at it."""

    def __init__(
        self, document: dict[str, Any], wrap: Callable[[Any, str], Any] | None = None
    ) -> None:
        app = issuetrak_mock.create_app(seed=0, rate_limits=None)
        self.token: str = app.state.tokens["admin"]
        served = wrap(app, self.token) if wrap is not None else app
        self.document = document
        self.target: Target = open_target(
            app=served, token=self.token, policy=WritePolicy(True, True)
        )
        self.recorder = Recorder(secrets=self.target.secrets)
        self.schema = build_schema(document, self.target, RunSettings(), self.recorder)

    def fuzz(
        self,
        *operations: tuple[str, str],
        negative: bool = False,
        examples: int = 12,
        query: dict[str, Any] | None = None,
        **path: Any,
    ) -> dict[str, set[str]]:
        modes = (GenerationMode.NEGATIVE,) if negative else (GenerationMode.POSITIVE,)
        return collect_failures(
            self.schema,
            self.target,
            self.recorder,
            operations,
            max_examples=examples,
            modes=modes,
            path_parameters=path,
            query=query,
        )

    def pages(self, path: str) -> set[str]:
        op = PagedOperation("GET", path, in_body=False)
        return {
            r.check
            for r in walk_pages(self.target.client, self.target.base_url, op, self.target.headers)
        }

    def searches(self, path: str) -> set[str]:
        records = probe_search(
            self.target.client, self.target.base_url, self.document, path, self.target.headers
        )
        return {r.check for r in records}

    def close(self) -> None:
        self.target.close()


@pytest.fixture
def site_factory(document: dict[str, Any]) -> Iterator[Callable[..., Site]]:
    made: list[Site] = []

    def make(wrap: Callable[[Any, str], Any] | None = None) -> Site:
        made.append(Site(document, wrap))
        return made[-1]

    yield make
    for site in made:
        site.close()


PRIORITY = ("GET", "/Priorities/{iid}")


# The first page of a list, so that the variants' answers are compared on a page with values.
FIRST_PAGE = {"PageNumber": 1}


def test_unbroken_mock_reports_nothing_on_the_variant_operations(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory()
    found = site.fuzz(PRIORITY, iid=1)
    found |= site.fuzz(("GET", "/Causes"), query=FIRST_PAGE)
    found |= site.fuzz(("POST", "/Causes/Search"), ("POST", "/Causes"))
    found |= site.fuzz(("POST", "/Causes"), negative=True)
    assert found == {}
    assert site.pages("/Users") == set()
    assert site.searches("/Causes/Search") == set()
    assert site.recorder.failures == {}


def test_unbroken_mock_answers_pages_past_the_end_empty(site_factory: Callable[..., Site]) -> None:
    site = site_factory()
    assert site.fuzz(("GET", "/Causes"), examples=25) == {}
    past = site.target.client.get(
        site.target.base_url + "/Causes",
        params={"PageNumber": 2147483646, "PageSize": 1},
        headers=site.target.headers,
    ).json()
    assert past["values"] == []
    assert past["pagingInformation"]["page"] > past["pagingInformation"]["pageCount"] > 0


def test_wrong_status_code_is_reported_by_status_code_conformance(
    site_factory: Callable[..., Site],
) -> None:
    found = site_factory(lambda app, _: variants.wrong_status(app)).fuzz(PRIORITY, iid=1)
    assert "status_code_conformance" in found["GET /Priorities/{iid}"]


def test_missing_required_field_is_reported_by_response_schema_conformance(
    site_factory: Callable[..., Site],
) -> None:
    found = site_factory(lambda app, _: variants.missing_required_field(app)).fuzz(PRIORITY, iid=1)
    assert "response_schema_conformance" in found["GET /Priorities/{iid}"]


def test_field_of_wrong_type_is_reported_by_response_schema_conformance(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory(lambda app, _: variants.wrong_field_type(app))
    found = site.fuzz(PRIORITY, iid=1)
    assert "response_schema_conformance" in found["GET /Priorities/{iid}"]
    messages = [
        r.message
        for r in site.recorder.failures.values()
        if r.check == "response_schema_conformance"
    ]
    assert any('"1" is not of type "integer"' in m for m in messages), messages


def test_missing_trace_id_is_reported_by_trace_id_present(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory(lambda app, _: variants.no_trace_id(app))
    found = site.fuzz(("GET", "/Causes"), query=FIRST_PAGE)
    assert found["GET /Causes"] == {"trace_id_present"}


def test_ignored_authentication_is_reported_by_ignored_auth(
    site_factory: Callable[..., Site],
) -> None:
    found = site_factory(variants.ignores_auth).fuzz(PRIORITY, iid=1)
    assert "ignored_auth" in found["GET /Priorities/{iid}"]


def test_server_error_on_bad_input_is_reported_by_not_a_server_error(
    site_factory: Callable[..., Site],
) -> None:
    found = site_factory(lambda app, _: variants.server_error_on_bad_input(app)).fuzz(
        ("POST", "/Causes"), negative=True
    )
    assert "not_a_server_error" in found["POST /Causes"]


def test_page_repeating_an_item_is_reported_by_paging_no_repeats(
    site_factory: Callable[..., Site],
) -> None:
    assert site_factory(lambda app, _: variants.repeats_an_item(app)).pages("/Users") == {
        "paging_no_repeats"
    }


def test_values_on_a_page_past_page_count_are_reported_by_the_paging_checks(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory(lambda app, _: variants.items_past_page_count(app))
    assert site.pages("/Causes") == {"paging_page_count"}
    found = site.fuzz(("GET", "/Causes"), query=FIRST_PAGE)
    assert found["GET /Causes"] == {"paging_envelope"}


def test_search_ignoring_a_criterion_is_reported_by_search_matches_filter(
    site_factory: Callable[..., Site],
) -> None:
    assert site_factory(lambda app, _: variants.ignores_a_criterion(app)).searches(
        "/Causes/Search"
    ) == {"search_matches_filter"}
