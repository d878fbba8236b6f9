"""Usage files checked against documents (``issuetrak usage``, ``spec-diff --usage``, ``contract --usage``)."""

from .check import UsageReport, change_pointer, check_usage, touches, usage_marks
from .walk import Finding, Walk, walk_usage

__all__ = [
    "Finding",
    "UsageReport",
    "Walk",
    "change_pointer",
    "check_usage",
    "touches",
    "usage_marks",
    "walk_usage",
]
