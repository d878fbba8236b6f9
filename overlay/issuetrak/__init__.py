"""Issuetrak API v2 SDK."""

from __future__ import annotations

__version__ = "0.1.0"
