"""Group permission sets: conflicts and prerequisites, checked or resolved before a group is saved.

Issuetrak's group permissions screen does not let an administrator save some combinations; the
API accepts them and stores a group that behaves unlike what the screen would have produced. The
rules below are that screen's rules, kept small and named:

========================  ==========================================================  =========
rule                      what it says                                                resolution
========================  ==========================================================  =========
admin_vs_readonly_admin   IsAdmin and IsReadOnlyAdmin exclude each other              keep IsAdmin
assets_vs_readonly        CanManageAssets and ReadOnlyAccessToAssets exclude each      keep CanManageAssets
                          other
org_users_vs_admin        CanManageUsersInOrganization conflicts with either          keep the admin
                          administration permission (IsAdmin, IsReadOnlyAdmin)         permission
assignee_sees_assignment  CanBeAssignedIssues needs                                   add it
                          CanViewAssignmentInformationInIssuesAndEmailNotifications
========================  ==========================================================  =========

Sources (each rule's ``source`` attribute says which): the API document lists the ``Permissions``
enum and states no rule, so every rule comes from the behaviour of Issuetrak's group permission
editor as this project's facade requirements record it (:data:`EDITOR`): the three exclusive pairs
and the one prerequisite above. A rule learnt elsewhere (a site's release notes, a support answer)
gets its own ``source`` text. Conflicts resolve toward the greater access.

``normalize_permissions(perms)`` returns the resolved list; ``strict=True`` (the default used by
``client.groups.create/update`` unless ``normalize=True``) raises instead of changing anything.
Names are checked against the document's ``Permissions`` enum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import PermissionConflictError, UsageError

__all__ = [
    "EDITOR",
    "RULES",
    "PermissionConflictError",
    "Rule",
    "check_permissions",
    "normalize_permissions",
]


@dataclass(frozen=True)
class Rule:
    """``keep`` wins over every permission in ``drop``; or ``needs`` is added when ``keep`` is present."""

    name: str
    keep: tuple[str, ...]
    drop: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    resolution: str = ""
    source: str = ""


EDITOR = (
    "Issuetrak group permission editor, as recorded in the facade requirements "
    "(group permissions); not stated in the API document"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "admin_vs_readonly_admin",
        keep=("IsAdmin",),
        drop=("IsReadOnlyAdmin",),
        resolution="keeps IsAdmin",
        source=EDITOR,
    ),
    Rule(
        "assets_vs_readonly",
        keep=("CanManageAssets",),
        drop=("ReadOnlyAccessToAssets",),
        resolution="keeps CanManageAssets",
        source=EDITOR,
    ),
    Rule(
        "org_users_vs_admin",
        keep=("IsAdmin", "IsReadOnlyAdmin"),
        drop=("CanManageUsersInOrganization",),
        resolution="keeps the administration permission",
        source=EDITOR,
    ),
    Rule(
        "assignee_sees_assignment",
        keep=("CanBeAssignedIssues",),
        needs=("CanViewAssignmentInformationInIssuesAndEmailNotifications",),
        resolution="adds CanViewAssignmentInformationInIssuesAndEmailNotifications",
        source=EDITOR,
    ),
)


def _known() -> frozenset[str]:
    from ._models import resolve_model

    permissions: Any = resolve_model("Permissions")
    return frozenset(m.value for m in permissions)


def _names(perms: Iterable[Any]) -> list[str]:
    known = _known()
    out: list[str] = []
    for p in perms:
        name = str(getattr(p, "value", p))
        if name not in known:
            raise UsageError(f"unknown permission {name!r}; valid: {', '.join(sorted(known))}")
        if name not in out:
            out.append(name)
    return out


def check_permissions(perms: Iterable[Any]) -> list[str]:
    """Validate names and raise :class:`PermissionConflictError` on the first broken rule."""
    return normalize_permissions(perms, strict=True)


def normalize_permissions(perms: Iterable[Any], *, strict: bool = False) -> list[str]:
    """Resolve conflicts toward greater access and add prerequisites; order is kept, additions last.

    With ``strict=True`` nothing is changed: the first broken rule raises.
    """
    current = _names(perms)
    for rule in RULES:
        present = set(current)
        if not present.intersection(rule.keep):
            continue
        losing = [p for p in rule.drop if p in present]
        missing = [p for p in rule.needs if p not in present]
        if strict and (losing or missing):
            have = ", ".join(sorted(present.intersection(rule.keep)))
            detail = (
                f"{have} conflicts with {', '.join(losing)}"
                if losing
                else f"{have} needs {', '.join(missing)}"
            )
            raise PermissionConflictError(rule, detail)
        current = [p for p in current if p not in losing] + missing
    return current
