"""A stateful Issuetrak API v2 simulator driven by the pinned OpenAPI document.

Three ways to use it:

* a server: ``issuetrak-mock --port 8000 --seed 1`` prints the base URL and API tokens;
* in process, with no network, through ``httpx.ASGITransport``::

      import httpx
      from issuetrak_mock import create_app

      app = create_app(seed=1)
      transport = httpx.ASGITransport(app=app)
      async with httpx.AsyncClient(transport=transport, base_url="http://mock/api/v2",
                                   headers={"X-Api-Key": app.state.tokens["admin"]}) as client:
          page = (await client.post("/Issues/Search", json={"pageSize": 10})).json()

  (``httpx.ASGITransport`` is async only; for a synchronous client use
  ``starlette.testclient.TestClient(app, base_url="http://mock")``.)
* in pytest: the ``issuetrak_mock`` fixture (installed with the package) gives a fresh site per test.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import API_PREFIX, create_app
    from .clock import Clock, FrozenClock, SystemClock
    from .ratelimit import DEFAULT_RATE_LIMITS, RateLimit
    from .site import MockSite

__all__ = [
    "API_PREFIX",
    "DEFAULT_RATE_LIMITS",
    "Clock",
    "FrozenClock",
    "MockSite",
    "RateLimit",
    "SystemClock",
    "create_app",
]

# Loaded on first use, so that the pytest plugin (which pytest imports in every session of a
# project that has this package installed) costs nothing until a test asks for the fixture.
_WHERE = {
    "API_PREFIX": "app",
    "create_app": "app",
    "Clock": "clock",
    "FrozenClock": "clock",
    "SystemClock": "clock",
    "DEFAULT_RATE_LIMITS": "ratelimit",
    "RateLimit": "ratelimit",
    "MockSite": "site",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'issuetrak_mock' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
