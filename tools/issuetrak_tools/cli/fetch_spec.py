"""``issuetrak fetch-spec``: download (or copy) an Issuetrak API v2 document and pin it.

Exactly one source: ``--site URL`` (the usual Swashbuckle locations under ``/api/v2`` are tried
in turn), ``--spec-url URL`` (that URL only) or ``--from FILE``. The document must be valid
OpenAPI 3 (openapi-spec-validator). It is stored byte for byte at ``spec/<label>/openapi.json``
(gitignored) next to a fresh ``spec/<label>/pin.toml``; both appear together or not at all.

Every failure is one line on stderr and a non-zero exit. The token (``--token`` or
``$ISSUETRAK_TOKEN``) is sent as ``X-Api-Key`` to the site's own origin only and never printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from issuetrak.conventions import is_loopback, origin
from issuetrak_tools import _codegen
from issuetrak_tools._overrides import (
    CarryReport,
    carry_overrides,
    render_patch,
    render_unapplied,
)
from issuetrak_tools.cli._errors import one_line
from issuetrak_tools.spec import (
    DEFAULT_LABEL_FILE,
    DOCUMENT_FILE,
    OVERRIDES_FILE,
    PIN_FILE,
    Pin,
    SpecError,
    default_label,
    iter_operations,
    load_document,
    openapi3_problem,
    project_root,
    read_patch,
    spec_dir,
)

__all__ = ["SITE_LOCATIONS", "FetchError", "main"]

# Where Swashbuckle-based sites serve their document, relative to the site root; tried in order.
SITE_LOCATIONS = (
    "/api/v2/swagger/v2/swagger.json",
    "/api/v2/swagger/v1/swagger.json",
    "/api/v2/swagger.json",
    "/api/v2/openapi.json",
    "/api/v2/swagger/docs/v2",
    "/swagger/v2/swagger.json",
    "/swagger/v1/swagger.json",
)
TOKEN_ENV = "ISSUETRAK_TOKEN"
MAX_BYTES = 64 * 1024 * 1024  # far above any real document; stops a runaway response
MAX_REDIRECTS = 5
# the operations of carried overrides that no longer apply, with why and what to do
UNAPPLIED_FILE = "overrides.unapplied.json"
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class FetchError(Exception):
    """The document cannot be fetched, is not OpenAPI 3, or cannot be stored. One line."""


@dataclass
class Answer:
    """What one URL answered."""

    url: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Fetched:
    """A document as received: its bytes, parsed form, pin source and how messages name it."""

    body: bytes
    document: dict[str, Any]
    source: str
    where: str


# --- URLs and HTTP ---------------------------------------------------------------------------


# a DNS name, an IPv4 address or an IPv6 address (urlsplit strips the brackets); IDNs as typed
_HOST = re.compile(r"[\w.-]+|[0-9A-Fa-f:.]+(%\w+)?")


def check_url(url: str) -> str:
    """``url`` if it is an https URL (or http to a loopback address); FetchError otherwise."""
    usage = (
        f"{url!r} is not an http(s) URL with a host; write it like https://yoursite.issuetrak.com"
    )
    try:
        parts = urlsplit(url.strip())
        hostname, _ = parts.hostname, parts.port  # .port raises on a bad or out-of-range port
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise FetchError(f"{usage} ({exc})") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise FetchError(usage)
    if not _HOST.fullmatch(hostname):
        raise FetchError(f"{usage} (the host {hostname!r} has characters a host name cannot have)")
    if parts.scheme == "http" and not is_loopback(hostname):
        raise FetchError(
            f"{url} uses plain http; Issuetrak sites are served over https (http is accepted only for 127.0.0.1/localhost)"
        )
    return url.strip()


def site_candidates(site: str) -> list[str]:
    """The document URLs to try for a site given with or without ``/api/v2``."""
    parts = urlsplit(check_url(site))
    prefix = parts.path.rstrip("/")
    for suffix in ("/swagger/index.html", "/swagger", "/api/v2"):
        if prefix.lower().endswith(suffix):
            prefix = prefix[: -len(suffix)]
            break
    base = f"{parts.scheme}://{parts.netloc}{prefix}"
    return [base + location for location in SITE_LOCATIONS]


def fetch(client: httpx.Client, url: str, token: str | None) -> Answer:
    """GET ``url``, following redirects by hand so the token never leaves the original origin."""
    home = origin(url)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        headers = {"Accept": "application/json"}
        if token and origin(current) == home:
            headers["X-Api-Key"] = token
        try:
            with client.stream("GET", current, headers=headers) as response:
                if response.is_redirect and "location" in response.headers:
                    current = check_url(urljoin(current, response.headers["location"]))
                    continue
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise FetchError(
                            f"{current} sent more than {MAX_BYTES // (1024 * 1024)} MiB; that is not an OpenAPI document"
                        )
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                return Answer(current, response.status_code, content_type, bytes(body))
        except httpx.TimeoutException:
            raise FetchError(f"{current} did not answer within {client.timeout.read} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot reach {current} ({_reason(exc)})") from None
    raise FetchError(f"{url} redirected more than {MAX_REDIRECTS} times")


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    # httpx wraps OS errors as "[Errno 111] Connection refused": keep the human part
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text.splitlines()[0])


# --- checking a document ---------------------------------------------------------------------


def _json_path(parts: Sequence[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def parse_document(body: bytes, where: str) -> dict[str, Any]:
    """The JSON object in ``body`` if it is an OpenAPI 3 document; FetchError naming what it is instead."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        start = body[:40].decode("utf-8", "replace").strip().replace("\n", " ")
        raise FetchError(f"{where} is not JSON (it starts with {start!r})") from None
    problem = openapi3_problem(document)
    if problem is not None:
        raise FetchError(f"{where} {problem}")
    return dict(document)


def validate_document(document: Mapping[str, Any], where: str) -> None:
    """openapi-spec-validator's verdict as one line: where the first problem is and what it is."""
    from openapi_spec_validator.shortcuts import get_validator_cls

    try:
        validator_cls = get_validator_cls(dict(document))
        errors = list(validator_cls(dict(document)).iter_errors())
    except Exception as exc:  # unknown version, unresolvable $ref ...
        raise FetchError(f"{where} cannot be validated as OpenAPI: {_reason(exc)}") from None
    if not errors:
        return
    located = errors[0]
    # Schema-object errors report the whole schema as their message; a later error of the same
    # run usually names the offending keyword (with a path relative to that schema).
    specific = next(
        (e for e in errors if str(e.validator) != "<unset>" and not str(e.message).startswith("{")),
        located,
    )
    message = str(specific.message).splitlines()[0]
    if len(message) > 160:
        message = message[:157] + "..."
    inner = ""
    if specific is not located and list(specific.absolute_path):
        inner = f" (at {'.'.join(str(p) for p in specific.absolute_path)})"
    count = f" ({len(errors)} problems)" if len(errors) > 1 else ""
    raise FetchError(
        f"{where} is not a valid OpenAPI {document.get('openapi')} document{count}: "
        f"at {_json_path(list(located.absolute_path))}: {message}{inner}"
    )


# --- getting the document --------------------------------------------------------------------


def _describe(answer: Answer) -> str:
    return f"{answer.status} {answer.content_type or 'no content type'}".strip()


def from_url(url: str, token: str | None, timeout: float) -> Fetched:
    """Fetch one URL; any non-200 or non-document answer is the error."""
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        answer = fetch(client, check_url(url), token)
    if answer.status != 200:
        hint = (
            "; the site wants a token: pass --token or set ISSUETRAK_TOKEN"
            if answer.status in (401, 403) and not token
            else ""
        )
        raise FetchError(
            f"{answer.url} answered {answer.status} {httpx.codes.get_reason_phrase(answer.status)}{hint}"
        )
    return Fetched(answer.body, parse_document(answer.body, answer.url), answer.url, answer.url)


def from_site(site: str, token: str | None, timeout: float) -> Fetched:
    """Try the usual locations; the first OpenAPI document wins. Connection failures stop at once."""
    site = check_url(site)
    if urlsplit(site).path.lower().endswith((".json", ".yaml", ".yml")):
        return from_url(site, token, timeout)  # the document's own URL was given as the site
    tried: list[str] = []
    wants_token = False
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for url in site_candidates(site):
            answer = fetch(client, url, token)
            short = urlsplit(url).path
            if answer.status != 200:
                wants_token |= answer.status in (401, 403)
                tried.append(f"{short} ({answer.status})")
                continue
            try:
                return Fetched(
                    answer.body, parse_document(answer.body, answer.url), answer.url, answer.url
                )
            except FetchError as exc:
                tried.append(f"{short} ({_describe(answer)}: {str(exc).split(' is ', 1)[-1]})")
    hint = (
        "; the site wants a token: pass --token or set ISSUETRAK_TOKEN"
        if wants_token and not token
        else "; pass the document's URL with --spec-url"
    )
    raise FetchError(f"no OpenAPI document found at {site}; tried: {', '.join(tried)}{hint}")


def from_file(path: Path) -> Fetched:
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise FetchError(f"{path}: no such file") from None
    except OSError as exc:
        raise FetchError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        shown = os.path.relpath(path.resolve(), project_root())
    except ValueError:  # another drive on Windows
        shown = str(path.resolve())
    return Fetched(body, parse_document(body, str(path)), f"file:{shown}", str(path))


# --- pinning ---------------------------------------------------------------------------------


def today() -> dt.date:
    """The capture date (UTC)."""
    return dt.datetime.now(dt.UTC).date()


def default_label_for(source: str) -> str:
    """``<host>-<date>`` for a URL, ``<name>-<date>`` for a file."""
    if source.startswith("file:"):
        path = Path(source[5:])
        name = (
            path.parent.name
            if path.stem.lower() in ("openapi", "swagger", "specification") and path.parent.name
            else path.stem
        )
    else:
        name = urlsplit(source).hostname or "site"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "spec"
    return f"{name}-{today().isoformat()}"


def document_version_of(document: Mapping[str, Any]) -> str:
    """The release the document states for itself (``info``'s ``x-release``-like extension, else
    ``info.version`` when it is a dotted number), or ``""``."""
    info = document.get("info") or {}
    for key in ("x-issuetrak-release", "x-release", "x-product-version"):
        if isinstance(info.get(key), str | int | float):
            return str(info[key])
    version = str(info.get("version", ""))
    return version if re.fullmatch(r"\d+(\.\d+){1,3}", version) else ""


def make_pin(label: str, body: bytes, document: Mapping[str, Any], source: str) -> Pin:
    version = _codegen.generator_version()
    return Pin(
        label=label,
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        source=source,
        captured=today().isoformat(),
        generator=f"{_codegen.GENERATOR_DIST}=={version}"
        if version
        else f"{_codegen.GENERATOR_DIST} (not installed)",
        document_version=document_version_of(document),
        openapi_version=str(document.get("openapi", "")),
        info_version=str((document.get("info") or {}).get("version", "")),
    )


@dataclass
class Carry:
    """The overrides the new pin gets: the file's text, the operations left out, and the lines
    that tell the user what happened (one per operation to review)."""

    overrides: str | None = None
    unapplied: str | None = None
    lines: list[str] = field(default_factory=list)


NO_OVERRIDES = "none"  # --overrides-from none: start the label with no overrides


@dataclass(frozen=True)
class CarrySource:
    """Where a new pin's overrides come from: a label's (``label``) or a patch file (``path``).

    ``chosen``: named with ``--overrides-from`` (carried whatever the document), as opposed to
    the default (the current label's, carried only to a document of the same API).
    """

    path: Path
    label: str | None = None
    chosen: bool = False

    @property
    def name(self) -> str:
        return repr(self.label) if self.label is not None else str(self.path)


def carry_source(label: str, requested: str | None) -> CarrySource | None:
    """Whose overrides a new pin of ``label`` starts from: ``--overrides-from`` (a label, a patch
    file, or ``none``), else the label's own (re-pinning it), else the default label's; None when
    there is nothing to carry."""
    if requested == NO_OVERRIDES:
        return None
    if requested is not None:
        return _requested_source(requested)
    if (spec_dir() / label / OVERRIDES_FILE).is_file():
        return CarrySource(spec_dir() / label / OVERRIDES_FILE, label, chosen=True)
    try:
        current = default_label()
    except SpecError:
        return None
    path = spec_dir() / current / OVERRIDES_FILE
    return CarrySource(path, current) if path.is_file() else None


def _requested_source(requested: str) -> CarrySource:
    as_label = spec_dir() / requested
    if LABEL_RE.match(requested) and (
        (as_label / PIN_FILE).is_file() or (as_label / OVERRIDES_FILE).is_file()
    ):
        return CarrySource(as_label / OVERRIDES_FILE, requested, chosen=True)
    path = Path(requested)
    if path.is_file():
        return CarrySource(path, chosen=True)
    raise FetchError(
        f"--overrides-from {requested!r}: no such label under {spec_dir()} and no such file "
        f"(give a label, an RFC 6902 patch file, or {NO_OVERRIDES!r} to start with no overrides)"
    )


def _raw_document(source: CarrySource) -> dict[str, Any] | None:
    """The document ``source``'s overrides were written for, when it is a label whose document is here."""
    if source.label is None:
        return None
    try:
        return load_document(source.label, patched=False)
    except SpecError:
        return None


def _title(document: Mapping[str, Any] | None) -> str:
    info = (document or {}).get("info")
    return (
        " ".join(str(info.get("title") or "").split()).lower() if isinstance(info, Mapping) else ""
    )


def other_api(
    document: Mapping[str, Any], old: Mapping[str, Any] | None, report: CarryReport
) -> str | None:
    """Why ``document`` is taken for another API than the one the overrides were written for
    (another ``info.title``, or most of the overrides' targets missing), or None."""
    new_title, old_title = _title(document), _title(old)
    if new_title and old_title and new_title != old_title:
        return f"its title {new_title!r} is not {old_title!r}"
    missing = sum(item.status == "vanished" for item in report.items)
    if report.items and missing * 2 > len(report.items):
        return f"{missing} of their {len(report.items)} targets are not in it"
    return None


def carry(
    document: Mapping[str, Any],
    label: str,
    source: CarrySource | None,
    *,
    carry_changed: bool = False,
) -> Carry:
    """Re-apply ``source``'s overrides to ``document`` one by one (see :mod:`issuetrak_tools._overrides`)."""
    if source is None:
        return Carry()
    try:
        operations = read_patch(source.path) if source.path.is_file() else []
    except SpecError as exc:
        raise FetchError(f"--overrides-from {exc}") from exc
    old = _raw_document(source)
    report = carry_overrides(
        operations, document, old, source=str(source.path), carry_changed=carry_changed
    )
    if not source.chosen:
        why = other_api(document, old, report)
        if why is not None:
            return Carry(
                overrides="[]\n",
                lines=[
                    f"overrides: none carried: this document is not the API that the "
                    f"{len(operations)} override(s) of {source.name} were written for ({why}); it starts with no "
                    f"overrides (--overrides-from {source.label or source.path} carries them anyway)"
                ],
            )
    unknown_old = (
        f"; the document of {source.name} is not here, so a target the vendor changed "
        "cannot be told apart from one that applies as before"
        if old is None and operations
        else ""
    )
    lines = [f"overrides: {report.summary()}{unknown_old}"]
    lines += [item.line() for item in report.to_review]
    unapplied = render_unapplied(report) if report.unapplied else None
    if unapplied is not None:
        lines.append(
            f"overrides: the {len(report.unapplied)} operation(s) not carried over are in "
            f"spec/{label}/{UNAPPLIED_FILE}, each with why and what to do"
        )
    return Carry(render_patch(report.kept), unapplied, lines)


def _write(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def store(
    label: str, body: bytes, pin: Pin, overrides: str | None, unapplied: str | None = None
) -> Path:
    """Write document and pin (and the carried overrides) into ``spec/<label>/`` so that they
    all change or none does."""
    directory = spec_dir() / label
    files = {DOCUMENT_FILE: body, PIN_FILE: pin.to_toml().encode("utf-8")}
    if overrides is not None:
        files[OVERRIDES_FILE] = overrides.encode("utf-8")
    if unapplied is not None:
        files[UNAPPLIED_FILE] = unapplied.encode("utf-8")
    if not directory.exists():
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{label}.fetch-", dir=directory.parent))
        try:
            for name, data in files.items():
                _write(staging / name, data)
            os.chmod(staging, 0o755)  # mkdtemp makes it private; a spec folder is not
            os.rename(staging, directory)  # the label appears complete or not at all
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return directory
    # An existing label: stage beside the old files, keep hard links to them, swap, restore on failure.
    staged: dict[str, Path] = {}
    saved: dict[str, Path] = {}
    replaced: list[str] = []
    try:
        for name, data in files.items():
            staged[name] = directory / f".{name}.fetch-{os.getpid()}"
            _write(staged[name], data)
            if (directory / name).exists():
                saved[name] = directory / f".{name}.old-{os.getpid()}"
                saved[name].unlink(missing_ok=True)
                try:
                    os.link(directory / name, saved[name])
                except OSError:  # no hard links on this file system: a copy does the same job
                    shutil.copy2(directory / name, saved[name])
        for name in files:
            os.replace(staged[name], directory / name)
            replaced.append(name)
    except BaseException:
        for name in replaced:
            if name in saved:
                os.replace(saved[name], directory / name)
            else:
                (directory / name).unlink(missing_ok=True)
        raise
    finally:
        for path in [*staged.values(), *saved.values()]:
            path.unlink(missing_ok=True)
    if unapplied is None and overrides is not None:
        (directory / UNAPPLIED_FILE).unlink(missing_ok=True)  # a review list of an earlier pin
    return directory


def _pinned_sha256(label: str) -> str | None:
    """The sha256 an existing pin of ``label`` records, if any."""
    try:
        raw = tomllib.loads((spec_dir() / label / PIN_FILE).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    value = raw.get("sha256")
    return value if isinstance(value, str) else None


def set_default(label: str) -> None:
    path = spec_dir() / DEFAULT_LABEL_FILE
    temporary = path.with_name(f".{DEFAULT_LABEL_FILE}.fetch-{os.getpid()}")
    _write(temporary, f"{label}\n".encode())
    os.replace(temporary, path)


# --- command ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="issuetrak fetch-spec",
        description="Download (or copy) an Issuetrak API v2 OpenAPI document, validate it and pin it under spec/<label>/.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--site",
        metavar="URL",
        help="site URL, with or without /api/v2; the usual document locations are tried",
    )
    source.add_argument("--spec-url", metavar="URL", help="the document's own URL")
    source.add_argument(
        "--from", dest="from_file", type=Path, metavar="FILE", help="a document on disk"
    )
    parser.add_argument("--label", help="name of the pin (default: <host or file>-<date>)")
    parser.add_argument(
        "--token", help=f"API token sent as X-Api-Key (default: ${TOKEN_ENV}); never printed"
    )
    parser.add_argument(
        "--set-default",
        action="store_true",
        help="make this label the one the build uses (spec/default)",
    )
    parser.add_argument(
        "--overrides-from",
        metavar="LABEL|FILE|none",
        help="carry this label's overrides (or this RFC 6902 patch file's) over, one operation at "
        "a time; 'none' starts with no overrides (default: the label's own when re-pinning it, "
        "else spec/default's when the document is the same API)",
    )
    parser.add_argument(
        "--carry-changed",
        action="store_true",
        help="also carry overrides whose target the vendor changed (default: listed and held "
        "back for a decision)",
    )
    parser.add_argument(
        "--timeout", type=float, default=20.0, metavar="SECONDS", help="per request (default: 20)"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if args.label is not None and not LABEL_RE.match(args.label):
        raise FetchError(
            f"label {args.label!r} is not usable as a folder name; use letters, digits, '.', '_' and '-'"
        )
    if args.site:
        fetched = from_site(args.site, token, args.timeout)
    elif args.spec_url:
        fetched = from_url(args.spec_url, token, args.timeout)
    else:
        fetched = from_file(args.from_file)
    body, document, source = fetched.body, fetched.document, fetched.source
    validate_document(document, fetched.where)
    label = args.label or default_label_for(source)
    pin = make_pin(label, body, document, source)
    old_sha = _pinned_sha256(label)
    carried = (
        Carry()
        if old_sha == pin.sha256 and args.overrides_from is None
        else Carry("[]\n", lines=["overrides: none (--overrides-from none)"])
        if args.overrides_from == NO_OVERRIDES
        else carry(
            document,
            label,
            carry_source(label, args.overrides_from),
            carry_changed=args.carry_changed,
        )
    )
    directory = store(label, body, pin, carried.overrides, carried.unapplied)
    if args.set_default:
        set_default(label)
    operations = sum(1 for _ in iter_operations(document))
    replaced = f" (replacing sha256 {old_sha[:12]}...)" if old_sha and old_sha != pin.sha256 else ""
    print(
        f"fetch-spec: pinned {label!r}{replaced}: OpenAPI {pin.openapi_version}, {operations} operations, "
        f"sha256 {pin.sha256[:12]}..., from {source} -> {directory / DOCUMENT_FILE}"
    )
    for line in carried.lines:
        print(f"fetch-spec: {line}")
    default_note = "" if args.set_default else f" LABEL={label}"
    print(f"fetch-spec: next: make regen{default_note}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``issuetrak fetch-spec``; returns the exit status."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return run(args)
    except (FetchError, SpecError) as exc:
        sys.stderr.write(f"fetch-spec: {one_line(exc)}\n")
        return 1
    except OSError as exc:
        sys.stderr.write(f"fetch-spec: cannot store the document ({exc}); nothing was changed\n")
        return 1
