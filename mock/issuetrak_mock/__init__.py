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
