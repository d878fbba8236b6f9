"""The plan's unit of work: a :class:`Step`, in one :class:`Tier` of the plan.

A leaf module: the plan (:mod:`.plan`), the engine (:mod:`.steps`) and every check family
(:mod:`.families`) build or read steps, and none of them is imported from here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["LIVE_AUTH_SAMPLE", "Step", "Tier"]

LIVE_AUTH_SAMPLE = 3  # operations probed without the token on a live site


class Tier(enum.IntEnum):
    POSITIVE = 1
    ERRORS = 2
    READS = 3
    PAGING = 4
    SEARCH = 5
    STATEFUL = 6
    DEPTH = 7

    @property
    def title(self) -> str:
        return {
            Tier.POSITIVE: "positive cases",
            Tier.ERRORS: "error paths",
            Tier.READS: "records agree",
            Tier.PAGING: "paging",
            Tier.SEARCH: "search and sort",
            Tier.STATEFUL: "linked sequences",
            Tier.DEPTH: "depth",
        }[self]


@dataclass(frozen=True)
class Step:
    """One planned unit of work (one pytest item, one JUnit test case)."""

    tier: Tier
    kind: str  # positive | discover | auth | not_found | paging | search | sort | sort_asc | depth
    operation: str  # "METHOD /path"
    estimate: int  # requests it is expected to send
    round: int = 0  # depth round (1, 2, ...)
    writes: int = 0  # of which writes
    family: str = ""  # the registered check family that planned it

    @property
    def id(self) -> str:
        suffix = f" #{self.round}" if self.round else ""
        return f"{self.kind} {self.operation}{suffix}"
