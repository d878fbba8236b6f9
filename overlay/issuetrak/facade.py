"""The surface generated packages build on: what regen's namespace classes import.

Every ``issuetrak_client.<label>.namespaces`` module that ``regen`` writes is a set of real
classes (one per tag, sync and async) whose methods hand an :class:`OpSpec` to the runtime's one
invocation core. Those modules import from here only, never a private ``issuetrak._*`` module, so
the runtime can rearrange its internals without breaking an installed generated package.

The entity namespaces with hand-written helpers (issues, groups) are here too: a generated class
for such a tag derives from its ``Sync...``/``Async...`` base.

Not meant for application code: use the client's namespaces (``client.users.get(...)``).
"""

from __future__ import annotations

from ._catalog import OpSpec
from ._groups import AsyncGroups, SyncGroups
from ._issues import AsyncIssues, SyncIssues
from ._namespace import NOT_GIVEN, AsyncNamespace, Namespaces, SyncNamespace, given, supplied
from ._paging import AsyncPager, Page, SyncPager
from ._raw import RawResponse

__all__ = [
    "NOT_GIVEN",
    "AsyncGroups",
    "AsyncIssues",
    "AsyncNamespace",
    "AsyncPager",
    "Namespaces",
    "OpSpec",
    "Page",
    "RawResponse",
    "SyncGroups",
    "SyncIssues",
    "SyncNamespace",
    "SyncPager",
    "given",
    "supplied",
]
