"""How a client reads its site and token: the checks behind ``Issuetrak(base_url, token)``.

:func:`resolve_base_url` accepts a site (``https://example.issuetrak.com``) or its API base and
refuses plain http except to a loopback address; the environment variables are read when no
value is passed.
"""

from __future__ import annotations

from ._config import API_PATH, BASE_URL_ENV, TOKEN_ENV, resolve_base_url, resolve_token

__all__ = ["API_PATH", "BASE_URL_ENV", "TOKEN_ENV", "resolve_base_url", "resolve_token"]
