"""Does the site run the Issuetrak version the client was generated for?

A client is bound to one pinned document (``Issuetrak(..., version="<label>")``); a self-hosted
site may run another release. :meth:`SyncSiteVersion.check_version` reads the document the site
serves (the Swashbuckle locations under the API base) and compares it with the client's pin: the
sha256 first, then the operations (added, missing, and changed in what a call sends: parameters,
request body, success statuses). The result, a :class:`VersionCheck`, also names the installed
labels whose pin *is* the site's document, so the fix is one keyword away.

Example::

    check = client.check_version()
    if not check.matches:
        print(check)            # what differs, and which installed label is the site's
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._exceptions import APIConnectionError, APIStatusError
from ._versions import UnknownVersionError, Version, labels, resolve
from .conventions.documents import Operation, deref_node, iter_operations, pair_operations

if TYPE_CHECKING:
    from ._client import AsyncIssuetrak, Issuetrak

__all__ = [
    "DOCUMENT_LOCATIONS",
    "AsyncSiteVersion",
    "SyncSiteVersion",
    "VersionCheck",
    "build_check",
    "compare_documents",
]

# Where Swashbuckle-based Issuetrak sites serve their document, relative to the API base (/api/v2).
DOCUMENT_LOCATIONS = (
    "/swagger/v2/swagger.json",
    "/swagger/v1/swagger.json",
    "/swagger.json",
    "/openapi.json",
)
_SHOWN = 10  # operations listed per kind in the message


@dataclass(frozen=True)
class VersionCheck:
    """What :meth:`SyncSiteVersion.check_version` found.

    Attributes:
        label: the client's version (pinned label).
        pinned_sha256: the sha256 of the document the client was generated from.
        site_sha256: the sha256 of the document the site served; ``None`` if it served none.
        document_url: where the site served it.
        missing_at_site: operations (``"GET /Causes/{iid}"``) the client has and the site lacks.
        new_at_site: operations the site has and the client lacks.
        changed: operations both have whose parameters, body or success statuses differ.
        matching_labels: installed labels generated from exactly the site's document.
        problem: why the site's document could not be read (then nothing else is known).
    """

    label: str
    pinned_sha256: str
    site_sha256: str | None = None
    document_url: str | None = None
    missing_at_site: tuple[str, ...] = ()
    new_at_site: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    matching_labels: tuple[str, ...] = ()
    problem: str = ""

    @property
    def known(self) -> bool:
        """Whether the site's document was read at all."""
        return self.site_sha256 is not None

    @property
    def matches(self) -> bool:
        """The site serves byte for byte the document the client was generated from (the
        vendor's, or the patched one the mock serves)."""
        return self.label in self.matching_labels

    @property
    def same_operations(self) -> bool:
        """The site has the client's operations, each taking what the client sends (schemas
        may still differ: see ``matching_labels`` and ``issuetrak spec-diff``)."""
        return self.known and not (self.missing_at_site or self.new_at_site or self.changed)

    def lacks(self, operation: str) -> bool:
        """Whether the site's document lacks ``operation`` (``"GET /Causes/{iid}"``)."""
        return operation in self.missing_at_site

    def __str__(self) -> str:
        if not self.known:
            return f"could not compare the site with {self.label!r}: {self.problem}"
        head = (
            f"the site's document (sha256 {(self.site_sha256 or '')[:12]}..., {self.document_url})"
        )
        if self.matches:
            return f"{head} is the one {self.label!r} was generated from"
        lines = [
            f"{head} is not the one {self.label!r} was generated from ({self.pinned_sha256[:12]}...)"
        ]
        for title, items in (
            ("operations the site lacks", self.missing_at_site),
            ("operations only the site has", self.new_at_site),
            ("operations that differ", self.changed),
        ):
            if items:
                more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
                lines.append(f"  {title} ({len(items)}): {', '.join(items[:_SHOWN])}{more}")
        if not (self.missing_at_site or self.new_at_site or self.changed):
            lines.append(
                "  its operations are the client's (the difference is in schemas or prose)"
            )
        others = [label for label in self.matching_labels if label != self.label]
        if others:
            lines.append(
                f"  installed and generated from the site's document: {', '.join(others)} "
                f"(Issuetrak(..., version={others[0]!r}))"
            )
        else:
            lines.append(
                "  no installed version was generated from it: pin it with "
                "`issuetrak fetch-spec --site <site> --label <label>` and `issuetrak regen --label <label>`"
            )
        return "\n".join(lines)


def _operations(document: Mapping[str, Any]) -> dict[tuple[str, str], Operation]:
    """Operations by ``(METHOD, path)``."""
    return {(op.method, op.path): op for op in iter_operations(document)}


def _shape(document: Mapping[str, Any], op: Operation) -> dict[str, Any]:
    """What a call of ``op`` depends on: parameters, body, success statuses.

    Parameters are matched as :func:`~issuetrak.conventions.parameter_key` matches them (a path
    parameter by its place in the template), and named as the document names them.
    """
    operation = op.spec
    parameters = {
        key: (
            f"{key[0]} parameter {param.get('name')!r}",
            bool(param.get("required")) or key[0] == "path",
        )
        for key, param in op.parameter_map(document).items()
    }
    body = deref_node(document, operation.get("requestBody"))
    responses = operation.get("responses")
    if not isinstance(responses, Mapping):
        responses = {}
    return {
        "parameters": parameters,
        "body": None if not isinstance(body, Mapping) else bool(body.get("required")),
        "success": sorted(str(s) for s in responses if str(s).startswith("2")),
    }


def _differences(name: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out: list[str] = []
    was, now = before["parameters"], after["parameters"]
    for key in sorted(set(now) - set(was)):
        out.append(f"{name}: {now[key][0]} added" + (" (required)" if now[key][1] else ""))
    for key in sorted(set(was) - set(now)):
        out.append(f"{name}: {was[key][0]} removed")
    for key in sorted(set(was) & set(now)):
        if was[key][1] != now[key][1]:
            out.append(f"{name}: {now[key][0]} is now {'required' if now[key][1] else 'optional'}")
    if before["body"] != after["body"]:
        shown = {None: "no body", True: "a required body", False: "an optional body"}
        out.append(f"{name}: takes {shown[after['body']]} (was {shown[before['body']]})")
    if before["success"] != after["success"]:
        out.append(
            f"{name}: answers {', '.join(after['success']) or 'no 2xx'} "
            f"(was {', '.join(before['success']) or 'no 2xx'})"
        )
    return out


def compare_documents(
    pinned: Mapping[str, Any], site: Mapping[str, Any]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(missing at the site, new at the site, changed) operations of ``site`` against ``pinned``.

    Overrides (a pin's corrections) add error responses and fix schemas; they do not change what
    this compares, so a patched pin and the raw document the site serves compare equal.
    """
    ours, theirs = _operations(pinned), _operations(site)
    missing: list[str] = []
    new: list[str] = []
    changed: list[tuple[str, list[str]]] = []
    for old_key, new_key in pair_operations(set(ours), set(theirs)):
        if old_key is None and new_key is not None:
            new.append(theirs[new_key].key)
        elif new_key is None and old_key is not None:
            missing.append(ours[old_key].key)
        elif old_key is not None and new_key is not None:
            before, after = ours[old_key], theirs[new_key]
            changed.append(
                (after.key, _differences(after.key, _shape(pinned, before), _shape(site, after)))
            )
    lines = [line for _, found in sorted(changed) for line in found]
    return tuple(sorted(missing)), tuple(sorted(new)), tuple(lines)


def _matching_labels(sha256: str) -> tuple[str, ...]:
    found = []
    for label in labels():
        try:
            version = resolve(label)
        except UnknownVersionError:
            continue
        if sha256 in (version.sha256, version.document_sha256):
            found.append(label)
    return tuple(found)


def build_check(version: Version, body: bytes, url: str) -> VersionCheck:
    """The :class:`VersionCheck` of ``version`` against a document the site served as ``body``."""
    sha256 = hashlib.sha256(body).hexdigest()
    try:
        site = json.loads(body)
    except ValueError:
        return VersionCheck(version.label, version.sha256, problem=f"{url} did not answer JSON")
    if not isinstance(site, Mapping) or "paths" not in site:
        return VersionCheck(
            version.label, version.sha256, problem=f"{url} is not an OpenAPI document"
        )
    matching = _matching_labels(sha256)
    if version.label in matching:
        missing: tuple[str, ...] = ()
        new: tuple[str, ...] = ()
        changed: tuple[str, ...] = ()
    else:
        missing, new, changed = compare_documents(version.document(), site)
    return VersionCheck(version.label, version.sha256, sha256, url, missing, new, changed, matching)


def _not_served(version: Version, tried: Iterable[str]) -> VersionCheck:
    return VersionCheck(
        version.label,
        version.sha256,
        problem=f"the site serves no OpenAPI document at {', '.join(tried)} (relative to the API "
        "base); compare it by hand with `issuetrak spec-diff <label> <file>`",
    )


class SyncSiteVersion:
    """Mixin of :class:`~issuetrak.Issuetrak`: ``check_version()``."""

    _version: Version
    _version_check: VersionCheck | None = None

    def check_version(self) -> VersionCheck:
        """Compare the document the site serves with the client's pin (sha256, operations).

        Sends one GET per location tried (the first answer wins). The result is kept, so a later
        :class:`OperationNotAvailableError` can say what the site's document lacks.
        """
        client: Issuetrak = self  # type: ignore[assignment]
        for location in DOCUMENT_LOCATIONS:
            try:
                response = client.request("GET", location, max_retries=1)
            except (APIStatusError, APIConnectionError):
                continue
            check = _keep_if_known(self, response)
            if check is not None:
                return check
        return _keep_not_served(self)


class AsyncSiteVersion:
    """Mixin of :class:`~issuetrak.AsyncIssuetrak`: ``await check_version()``."""

    _version: Version
    _version_check: VersionCheck | None = None

    async def check_version(self) -> VersionCheck:
        """Async form of :meth:`SyncSiteVersion.check_version`."""
        client: AsyncIssuetrak = self  # type: ignore[assignment]
        for location in DOCUMENT_LOCATIONS:
            try:
                response = await client.request("GET", location, max_retries=1)
            except (APIStatusError, APIConnectionError):
                continue
            check = _keep_if_known(self, response)
            if check is not None:
                return check
        return _keep_not_served(self)


def _keep_if_known(
    holder: SyncSiteVersion | AsyncSiteVersion, response: Any
) -> VersionCheck | None:
    """The check built from one location's answer, kept on the client, if it is a document."""
    check = build_check(holder._version, response.content, str(response.url))
    if not check.known:
        return None
    holder._version_check = check
    return check


def _keep_not_served(holder: SyncSiteVersion | AsyncSiteVersion) -> VersionCheck:
    """No location served a document: that is the check, kept on the client."""
    check = _not_served(holder._version, DOCUMENT_LOCATIONS)
    holder._version_check = check
    return check
