"""Resolving the base URL and token from arguments and the environment, with clear errors."""

from __future__ import annotations

import math
import os
import re

import httpx

from ._exceptions import ConfigurationError
from .conventions.urls import is_loopback

__all__ = [
    "API_PATH",
    "BASE_URL_ENV",
    "TOKEN_ENV",
    "resolve_base_url",
    "resolve_timeout",
    "resolve_token",
]

BASE_URL_ENV = "ISSUETRAK_BASE_URL"
TOKEN_ENV = "ISSUETRAK_TOKEN"
API_PATH = "/api/v2"
_OTHER_VERSION = re.compile(r"/api/v(\d+)$", re.IGNORECASE)
# URL.raw_host: a DNS name (IDNs in punycode), IPv4, or IPv6 without its brackets
_HOST = re.compile(r"[A-Za-z0-9_.-]+|[0-9A-Fa-f:.]+")


def resolve_base_url(base_url: str | None, *, allow_insecure_http: bool = False) -> httpx.URL:
    """The API v2 base URL from ``base_url`` or ``ISSUETRAK_BASE_URL``.

    A site URL (``https://example.issuetrak.com``) gets ``/api/v2`` appended. Plain ``http://`` is
    refused unless the host is loopback or ``allow_insecure_http`` is set: the token travels in a
    header and would be readable on the way.
    """
    raw = base_url if base_url is not None else os.environ.get(BASE_URL_ENV)
    if raw is None or not str(raw).strip():
        raise ConfigurationError(
            f"no base URL: pass base_url='https://<site>' or set {BASE_URL_ENV}"
        )
    text = str(raw).strip()
    if "://" not in text:
        text = "https://" + text
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"invalid base URL {text!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base URL must be http(s)://<host>[/path], got {text!r}")
    if url.query or url.fragment:
        raise ConfigurationError(f"base URL must not have a query or fragment, got {text!r}")
    if url.userinfo:
        # it would show up in reprs and logs; Issuetrak authenticates by token only
        raise ConfigurationError(
            "base URL must not contain a user name or password; pass the API token as token=..."
        )
    if not _HOST.fullmatch(url.raw_host.decode("ascii", "replace")):
        raise ConfigurationError(f"base URL host {url.host!r} is not a valid host name")
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigurationError(f"base URL port {url.port} is out of range (1-65535)")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(url.host):
        raise ConfigurationError(
            f"refusing plain http:// to {url.host}: the API token would travel unencrypted. "
            "Use https:// or pass allow_insecure_http=True"
        )
    path = url.path.rstrip("/")
    other = _OTHER_VERSION.search(path)
    if other and other.group(1) != "2":
        raise ConfigurationError(
            f"base URL points at API v{other.group(1)}; this client speaks API v2 ({API_PATH})"
        )
    inside = path.lower().find(API_PATH + "/")
    if inside >= 0:
        raise ConfigurationError(
            f"base URL {text!r} goes past the API root; use "
            f"{str(url.copy_with(path=path[: inside + len(API_PATH)]))!r} "
            "and pass the rest as the request path"
        )
    if not path.lower().endswith(API_PATH):
        path += API_PATH
    return url.copy_with(path=path)


def resolve_token(token: str | None) -> str:
    """The API token from ``token`` or ``ISSUETRAK_TOKEN``; a clear error when there is none."""
    value = token if token is not None else os.environ.get(TOKEN_ENV)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"the API token must be a string, got {type(value).__name__}")
    if value is None or not value.strip():
        raise ConfigurationError(f"no API token: pass token=... or set {TOKEN_ENV}")
    if value != value.strip():
        raise ConfigurationError(
            "the API token has leading or trailing whitespace; check how it was copied"
        )
    return value


def resolve_timeout(timeout: object, what: str = "timeout") -> httpx.Timeout:
    """``timeout`` (seconds, ``None`` for none, or an ``httpx.Timeout``) as an ``httpx.Timeout``.

    A string or a negative number would only fail (or time out at once) on the first request.
    """
    if isinstance(timeout, httpx.Timeout):
        values = [timeout.connect, timeout.read, timeout.write, timeout.pool]
    elif timeout is None or (isinstance(timeout, int | float) and not isinstance(timeout, bool)):
        values = [timeout]
    else:
        raise ConfigurationError(
            f"{what} must be seconds (a number), None or an httpx.Timeout, "
            f"got {type(timeout).__name__} {timeout!r}"
        )
    for value in values:
        if value is not None and not (isinstance(value, int | float) and 0 < value < math.inf):
            raise ConfigurationError(
                f"{what} must be > 0 seconds (or None for none), got {value!r}"
            )
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
