"""Request kinds: which Issuetrak requests change something."""

from __future__ import annotations

__all__ = ["is_search", "is_write"]


def is_search(path: str) -> bool:
    """Whether ``path`` is an Issuetrak search endpoint (``.../Search``, any case)."""
    return path.rstrip("/").lower().endswith("/search")


def is_write(method: str, path: str) -> bool:
    """Whether the request counts against the server's write window (POST/PUT/DELETE/PATCH,
    except POST searches)."""
    method = method.upper()
    if method == "POST":
        return not is_search(path)
    return method in ("PUT", "DELETE", "PATCH")
