"""Usage files: what an integration uses of the Issuetrak API, recorded from the SDK's own calls.

Recording is off unless a client is made with ``record_usage=PATH``, ``$ISSUETRAK_USAGE`` is set,
or pytest runs with ``--issuetrak-usage=PATH`` (the ``issuetrak_mock`` fixture's clients). The
file is checked by ``issuetrak usage check`` against the next Issuetrak release and narrows
``issuetrak contract --usage`` to what the integration needs. See "Contracts of your integration"
in the docs.
"""

from __future__ import annotations

from ._usage import (
    ENV,
    FORMAT,
    UsageFileError,
    flush_all,
    load_usage,
    merge_usage,
    usage_text,
)
from ._usage_reads import unwatch

__all__ = [
    "ENV",
    "FORMAT",
    "UsageFileError",
    "flush_all",
    "load_usage",
    "merge_usage",
    "stop_recording",
    "usage_text",
]


def stop_recording() -> None:
    """Write every usage file of this process and stop recording (the models lose their hooks)."""
    from . import _usage

    flush_all()
    _usage.stop_all()
    unwatch()
