"""The ``issuetrak_mock`` pytest fixture, registered through the ``pytest11`` entry point.

Each test that asks for it gets a fresh simulated site (rate limits off unless asked)::

    def test_my_integration(issuetrak_mock):
        client = issuetrak_mock.sdk()                 # an issuetrak.Issuetrak as the admin
        issue = client.issues.get(1)

    async def test_async(issuetrak_mock):
        async with issuetrak_mock.async_sdk(role="agent") as client:
            user = await client.users.get(1)

    def test_raw_http(issuetrak_mock):
        client = issuetrak_mock.client()              # a plain httpx.Client as the admin
        issue = client.get("/Issues/1").json()["values"]

    @pytest.mark.issuetrak_mock(seed=3, issues=20, rate_limits="default")
    def test_with_limits(issuetrak_mock): ...

``issuetrak_mock.base_url``, ``.tokens``, ``.transport`` (sync) and ``.async_transport`` plug into
any httpx-based client, including this project's SDK.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    from issuetrak import AsyncIssuetrak, Issuetrak
    from starlette.applications import Starlette

    from .site import MockSite
    from .transport import SyncASGITransport

__all__ = ["MockServer", "issuetrak_mock"]

# loopback by name: the SDK accepts plain http to it without allow_insecure_http (nothing is
# sent over a network: every client of the fixture goes through an in-process transport)
BASE_URL = "http://localhost/api/v2"


@dataclass
class MockServer:
    """A fresh in-process site: its app, tokens and ready-made httpx clients."""

    app: Starlette
    base_url: str = BASE_URL
    tokens: dict[str, str] = field(default_factory=dict)
    transport: SyncASGITransport | None = None
    usage: str | None = None  # --issuetrak-usage: the SDK clients record into this usage file
    _clients: list[Any] = field(default_factory=list)

    @property
    def site(self) -> MockSite:
        site: MockSite = self.app.state.site
        return site

    @property
    def async_transport(self) -> httpx.ASGITransport:
        import httpx

        return httpx.ASGITransport(app=self.app)

    def client(self, role: str = "admin", **kwargs: Any) -> httpx.Client:
        """A synchronous ``httpx.Client`` acting as ``role`` (``admin``, ``agent``, ``end_user``)."""
        import httpx

        headers = {"X-Api-Key": self.tokens[role]} if role else {}
        client = httpx.Client(
            transport=self.transport, base_url=self.base_url, headers=headers, **kwargs
        )
        self._clients.append(client)
        return client

    def async_client(self, role: str = "admin", **kwargs: Any) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` acting as ``role``; close it yourself (``async with``)."""
        import httpx

        headers = {"X-Api-Key": self.tokens[role]} if role else {}
        return httpx.AsyncClient(
            transport=self.async_transport, base_url=self.base_url, headers=headers, **kwargs
        )

    def sdk(self, role: str = "admin", **options: Any) -> Issuetrak:
        """An :class:`issuetrak.Issuetrak` acting as ``role``, talking to this site in process.

        Client-side rate limiting is off (the site's own limits apply if the marker set them)
        and retries are off, so a test sees each reply as the site gave it; pass any
        ``Issuetrak`` option to change that (``rate_limits=RateLimits()``, ``max_retries=3``,
        ``strict=True``, ...). Closed with the fixture.
        """
        from issuetrak import Issuetrak

        options.setdefault("rate_limits", None)
        options.setdefault("max_retries", 0)
        options.setdefault("record_usage", self.usage)
        # the fixture's transport is shared by every client it made, and closed by the fixture
        client = Issuetrak(self.base_url, token=self.tokens[role], _inner=self.transport, **options)
        self._clients.append(client)
        return client

    def async_sdk(self, role: str = "admin", **options: Any) -> AsyncIssuetrak:
        """The async twin of :meth:`sdk`; close it yourself (``async with``)."""
        from issuetrak import AsyncIssuetrak

        options.setdefault("rate_limits", None)
        options.setdefault("max_retries", 0)
        options.setdefault("record_usage", self.usage)
        return AsyncIssuetrak(
            self.base_url, token=self.tokens[role], transport=self.async_transport, **options
        )

    def close(self) -> None:
        for client in self._clients:
            client.close()
        if self.transport is not None:
            self.transport.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("issuetrak").addoption(
        "--issuetrak-usage",
        metavar="PATH",
        default=None,
        help="record what the SDK clients of the issuetrak_mock fixture use into this usage file "
        "(merged with what is there; safe under pytest-xdist)",
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.getoption("issuetrak_usage", None):
        from issuetrak.usage import flush_all

        flush_all()  # each xdist worker merges its own part under the file's lock


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "issuetrak_mock(**options): options for the issuetrak_mock fixture (seed, issues, users, clock, "
        "rate_limit_headers=False, "
        "latency_ms, rate_limits='default' or a list of RateLimit)",
    )


@pytest.fixture
def issuetrak_mock(request: pytest.FixtureRequest) -> Iterator[MockServer]:
    """A fresh simulated Issuetrak site for one test (seed 0, 50 issues, no rate limits)."""
    try:
        from .app import create_app
        from .ratelimit import DEFAULT_RATE_LIMITS
        from .transport import SyncASGITransport
    except ModuleNotFoundError as exc:  # a client-only install: pytest loads this plugin anyway
        if exc.name is None or exc.name.split(".")[0] in ("issuetrak", "issuetrak_mock"):
            raise
        pytest.fail(
            f"the issuetrak_mock fixture needs the [mock] extra ({exc.name} is not installed): "
            "pip install 'issuetrak[mock]'",
            pytrace=False,
        )

    options: dict[str, Any] = {"seed": 0, "issues": 50, "rate_limits": None}
    marker = request.node.get_closest_marker("issuetrak_mock")
    if marker is not None:
        options.update(marker.kwargs)
    if options.get("rate_limits") == "default":
        options["rate_limits"] = DEFAULT_RATE_LIMITS
    app = create_app(**options)
    server = MockServer(app=app, tokens=dict(app.state.tokens), transport=SyncASGITransport(app))
    server.usage = request.config.getoption("issuetrak_usage", None)
    try:
        yield server
    finally:
        server.close()
