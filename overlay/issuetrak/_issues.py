"""Issue helpers on ``client.issues``: the PATCH builder and multipart attachment upload.

The generated ``issuetrak_client.<label>.namespaces.issues`` classes derive from
:class:`SyncIssues`/:class:`AsyncIssues` (see :data:`issuetrak._resources.ENTITIES`) and add the
tag's operations (``get``, ``search``, ``create``, ``close_duplicate_issues``, ...).
"""

from __future__ import annotations

import importlib
import io
import mimetypes
import os
from collections.abc import Awaitable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any, ClassVar, Generic, TypeVar, Unpack, overload

from ._calls import bind
from ._catalog import OpSpec
from ._facade_errors import UsageError
from ._namespace import AsyncNamespace, SyncNamespace, _Namespace
from ._options import RequestOptions, pop_options
from ._patch import IssuePatch, issue_patch_rules

__all__ = ["AsyncIssues", "SyncIssues", "attachment_files"]

FileSpec = (
    str
    | os.PathLike[str]
    | IO[bytes]
    | tuple[str, bytes | IO[bytes]]
    | tuple[str, bytes | IO[bytes], str]
)


def attachment_files(files: Iterable[Any], file_cls: type) -> list[Any]:
    """Normalise paths, open binary files and ``(name, content[, mime])`` tuples to the generated
    package's ``File`` (``file_cls``)."""
    File = file_cls
    out: list[Any] = []
    if isinstance(files, str | bytes | os.PathLike) or hasattr(files, "read"):
        files = [files]
    for item in files:
        if isinstance(item, File):
            out.append(item)
        elif isinstance(item, str | os.PathLike):
            path = Path(item)
            out.append(
                File(
                    payload=io.BytesIO(path.read_bytes()),
                    file_name=path.name,
                    mime_type=_mime(path.name),
                )
            )
        elif isinstance(item, tuple) and len(item) in (2, 3):
            name, content = item[0], item[1]
            payload = io.BytesIO(content) if isinstance(content, bytes) else content
            mime = item[2] if len(item) == 3 else _mime(name)
            out.append(File(payload=payload, file_name=name, mime_type=mime))
        elif hasattr(item, "read"):
            name = os.path.basename(str(getattr(item, "name", "attachment")))
            out.append(File(payload=item, file_name=name, mime_type=_mime(name)))
        else:
            raise UsageError(
                f"cannot upload {type(item).__name__}; pass paths, binary files or (name, bytes[, mime]) tuples"
            )
    if not out:
        raise UsageError("upload_attachments needs at least one file")
    return out


def _mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


IssueT = TypeVar("IssueT")
AttachmentsT = TypeVar("AttachmentsT")


class _IssuesMixin(_Namespace):
    # the PATCH of an issue and the attachment upload: set by the generated namespace classes
    # (regen reads them from issuetrak._resources.ENTITIES)
    _patch_op: ClassVar[OpSpec]
    _upload_op: ClassVar[OpSpec]

    def _patch(self, iid: int, operations: Sequence[Any] | None, options: dict[str, Any]) -> Any:
        spec = self._patch_op
        given = dict(options)
        call_options = pop_options(options)  # checked now, before any request
        if options:
            raise TypeError(f"issues.patch() got unexpected keyword(s) {', '.join(options)}")
        if operations is not None:
            return self._call(spec, bind(spec, (iid, list(operations)), {}).kwargs, call_options)

        def send(issue_iid: int, ops: list[dict[str, Any]], **send_options: Any) -> Any:
            assert spec.body_cls is not None
            body = [spec.body_cls.from_dict(op) for op in ops]  # type: ignore[attr-defined]
            merged = pop_options({**given, **send_options})  # send()'s options win
            return self._call(spec, {"iid": issue_iid, "body": body}, merged)

        return IssuePatch(iid, send, issue_patch_rules(self._package))

    def _upload(self, iid: int, files: Any, private: bool, options: dict[str, Any]) -> Any:
        options = dict(options)
        call_options = pop_options(options)
        if options:
            raise TypeError(
                f"issues.upload_attachments() got unexpected keyword(s) {', '.join(options)}"
            )
        spec = self._upload_op
        assert spec.body_cls is not None
        file_cls = importlib.import_module(f"{spec.package}.types").File
        body = spec.body_cls(is_private=private, file=attachment_files(files, file_cls))
        return self._call(spec, {"iid": iid, "body": body}, call_options)


class SyncIssues(_IssuesMixin, SyncNamespace, Generic[IssueT, AttachmentsT]):
    """``client.issues``: the issue PATCH builder and multipart attachment upload, besides the
    tag's operations. ``IssueT`` is what a PATCH returns, ``AttachmentsT`` what an upload does."""

    @overload
    def patch(
        self, iid: int, operations: None = None, **options: Unpack[RequestOptions]
    ) -> IssuePatch[IssueT]: ...
    @overload
    def patch(
        self, iid: int, operations: Sequence[Any], **options: Unpack[RequestOptions]
    ) -> IssueT: ...
    def patch(
        self, iid: int, operations: Sequence[Any] | None = None, **options: Any
    ) -> IssuePatch[IssueT] | IssueT:
        """Start a PATCH of issue ``iid``: ``.replace(...)``, ``.add_note(...)``, ... then ``.send()``.

        With ``operations`` (a list of ``{"op", "path", "value"}`` dicts or ``PatchIssue`` models)
        the request is sent at once, unvalidated, as the document's raw operation. Per-call
        options (``timeout=``, ...) go to ``send()``, or here with ``operations``.
        """
        result: Any = self._patch(iid, operations, options)
        return result  # type: ignore[no-any-return]

    def upload_attachments(
        self,
        iid: int,
        files: Iterable[Any] | FileSpec,
        *,
        private: bool = False,
        **options: Unpack[RequestOptions],
    ) -> AttachmentsT:
        """Upload one or more files to issue ``iid`` in one multipart request.

        ``files``: paths, open binary files, or ``(name, bytes_or_file[, mime])`` tuples.
        Returns the created attachments.
        """
        result: AttachmentsT = self._upload(iid, files, private, dict(options))
        return result


class AsyncIssues(_IssuesMixin, AsyncNamespace, Generic[IssueT, AttachmentsT]):
    """``client.issues`` on the async client (``await ....send()``, ``await upload_attachments(...)``)."""

    @overload
    def patch(
        self, iid: int, operations: None = None, **options: Unpack[RequestOptions]
    ) -> IssuePatch[Awaitable[IssueT]]: ...
    @overload
    def patch(
        self, iid: int, operations: Sequence[Any], **options: Unpack[RequestOptions]
    ) -> Awaitable[IssueT]: ...
    def patch(
        self, iid: int, operations: Sequence[Any] | None = None, **options: Any
    ) -> IssuePatch[Awaitable[IssueT]] | Awaitable[IssueT]:
        """:meth:`SyncIssues.patch` on the async client: ``await ....send()``, or await the call
        with ``operations``."""
        result: Any = self._patch(iid, operations, options)
        return result  # type: ignore[no-any-return]

    def upload_attachments(
        self,
        iid: int,
        files: Iterable[Any] | FileSpec,
        *,
        private: bool = False,
        **options: Unpack[RequestOptions],
    ) -> Awaitable[AttachmentsT]:
        """:meth:`SyncIssues.upload_attachments` on the async client: await the call."""
        result: Awaitable[AttachmentsT] = self._upload(iid, files, private, dict(options))
        return result
