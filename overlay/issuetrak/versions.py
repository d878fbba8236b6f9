"""The Issuetrak versions this installation can talk to, side by side.

Each pinned label has its own generated package; a client is bound to one
(``Issuetrak(site, token, version="<label>")``, default: the label the build used)::

    from issuetrak import versions

    versions.labels()                    # ('cloud-2026.07', ...), the default first
    versions.resolve("cloud-2026.07")    # Version(label=..., package=..., sha256=...)

``client.check_version()`` tells which of them the site runs (:class:`VersionCheck`).
"""

from __future__ import annotations

from ._site_version import VersionCheck
from ._versions import (
    UnknownVersionError,
    Version,
    default_version,
    label_ident,
    labels,
    resolve,
)

__all__ = [
    "UnknownVersionError",
    "Version",
    "VersionCheck",
    "default_version",
    "label_ident",
    "labels",
    "resolve",
]
