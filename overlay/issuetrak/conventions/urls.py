"""URLs: which site a URL belongs to, and which hosts no DNS answer can redirect."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

__all__ = ["is_loopback", "origin"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> str:
    """The origin of ``url``: ``https://Example.com:443/api/v2`` -> ``https://example.com``.

    Scheme and host in lower case, the default port dropped, IPv6 hosts in brackets; text that is
    not an absolute URL comes back stripped and lower-cased, so it still compares with itself.
    """
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        return url.strip().rstrip("/").lower()
    scheme = parts.scheme.lower()
    port = "" if parts.port in (None, _DEFAULT_PORTS.get(scheme)) else f":{parts.port}"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{scheme}://{host}{port}"


def is_loopback(host: str) -> bool:
    """``localhost`` itself, or a literal loopback address (127.0.0.0/8, ::1).

    Other names (``x.localhost`` included) are resolved through DNS, which may answer with any
    address, so they do not count: plain http goes only where no lookup can redirect it.
    """
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False
