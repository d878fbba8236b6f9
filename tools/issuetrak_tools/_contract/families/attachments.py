"""Attachments: an upload is stored as sent (``--allow-writes``).

``POST /Issues/{iid}/Attachments/Upload`` takes ``multipart/form-data`` (its ``File`` part, the
document says). One small file is uploaded to an issue the run created, with the form's
``IsPrivate`` part ``true``: the answer must be 2xx and list one attachment with the file's name,
its size in bytes, ``isPrivate`` true as sent (the document's form field, "defaults to 'False'")
and, where a hash is given, the SHA-256 of its content (the hash Issuetrak reports; version 1). The same content sent as JSON
instead of multipart must be refused with 415 Unsupported Media Type: the document gives the
operation no other media type, and ASP.NET answers 415 for a body its endpoint does not consume.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from issuetrak_tools._contract.families.create_minimal import created_issue
from issuetrak_tools._contract.families.registry import PlanContext, family
from issuetrak_tools._contract.probe import json_or_none
from issuetrak_tools._contract.tiers import Step, Tier

if TYPE_CHECKING:
    from issuetrak_tools._contract.report import FailureRecord
    from issuetrak_tools._contract.steps import Engine

CHECK = "attachment_persisted"
UPLOAD = "POST /Issues/{iid}/Attachments/Upload"


@family(
    "attachments",
    tier=Tier.READS,
    priority=36,
    checks=(CHECK,),
    invariant="a multipart upload of one small file to an issue answers 2xx and lists it with "
    "its name, size, SHA-256 hash and the IsPrivate sent; an upload not sent as multipart/form-data is refused with "
    "415 (ASP.NET convention)",
    modes="writes",
)
def attachments(ctx: PlanContext) -> list[Step]:
    if not {UPLOAD, "POST /Issues/Create"} <= ctx.labels:
        return []
    return [ctx.step(attachments, "upload", UPLOAD, 3, writes=2)]


def _problems(answer: Any, name: str, content: bytes) -> list[str]:
    values = answer.get("values") if isinstance(answer, Mapping) else None
    listed = [v for v in values or [] if isinstance(v, Mapping)]
    if len(listed) != 1:
        return [f"the answer lists {len(listed)} attachments, expected the 1 uploaded"]
    found = listed[0]
    problems = []
    if found.get("originalFileName") not in (None, name):
        problems.append(f"originalFileName {found.get('originalFileName')!r}, sent {name!r}")
    if "isPrivate" in found and found["isPrivate"] is not True:
        problems.append(f"isPrivate {found['isPrivate']!r}, sent IsPrivate=true")
    if found.get("fileSize") != len(content):
        problems.append(f"fileSize {found.get('fileSize')!r}, sent {len(content)} bytes")
    digest = hashlib.sha256(content).hexdigest()
    if found.get("fileHash") not in (None, "") and str(found["fileHash"]).lower() != digest:
        problems.append(f"fileHash {found.get('fileHash')!r}, the content's SHA-256 is {digest}")
    return problems


@attachments.handles("upload")
def upload_reads_back(engine: Engine, step: Step) -> list[FailureRecord]:
    ref = engine.ref(step)
    issue = engine.knowledge.pick("issues:issue", created_only=True) or created_issue(engine)
    path = f"/Issues/{issue}/Attachments/Upload"
    name, content = f"contract-{engine.stamp}.txt", f"contract {engine.stamp}\n".encode()
    form = {"File": (name, content, "text/plain"), "IsPrivate": (None, "true")}
    uploaded = engine.request("POST", path, files=form)
    engine.recorder.ran_check(CHECK)
    failures = []
    if not 200 <= uploaded.status_code < 300:
        problems = [f"answered {uploaded.status_code}: {uploaded.text[:300]}"]
    else:
        problems = _problems(json_or_none(uploaded.content), name, content)
    if problems:
        failures.append(
            engine.failure(
                ref,
                uploaded,
                CHECK,
                "A multipart upload of one small file is not stored as sent",
                f"POST {path} with one File part ({name}, {len(content)} bytes) and "
                "IsPrivate=true: " + "; ".join(problems),
            )
        )
    as_json = engine.request("POST", path, json={"File": [content.decode()]})
    if as_json.status_code != 415:
        failures.append(
            engine.failure(
                ref,
                as_json,
                CHECK,
                "An upload not sent as multipart/form-data is not refused with 415",
                f"POST {path} with a JSON body answered {as_json.status_code}, expected 415 "
                f"Unsupported Media Type: the document gives the upload only multipart/form-data "
                f"(ASP.NET convention)",
            )
        )
    return failures
