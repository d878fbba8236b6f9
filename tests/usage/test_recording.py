"""Recording what an integration uses from the SDK's own calls."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from issuetrak.filters import contains, entity, is_true, match_any, where
from issuetrak.usage import ENV, load_usage, stop_recording
from issuetrak_client.models import Issue


@pytest.fixture(autouse=True)
def _recording_stops() -> object:
    yield
    stop_recording()


def test_records_operations_filters_and_reads_but_no_values(issuetrak_mock, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "usage.json"
    client = issuetrak_mock.sdk(record_usage=path)
    client.issues.search(
        where(subject=contains("secret-subject"), priority=entity(iid=match_any(3))),
        sort_field="SubmittedDate",
    ).pages().__next__()  # one page is enough (nothing matches)
    issue = next(iter(client.issues.search(where(is_open=is_true()))))
    assert isinstance(issue, Issue)  # the models stay what they are
    print(issue.subject)
    issue.to_dict()  # the SDK's own reads of every field are not the integration's
    client.close()

    usage = load_usage(path)
    search = usage["operations"]["POST /Issues/Search"]
    assert search["filters"] == {
        "filter.isOpen": ["IsTrue"],
        "filter.priority.iid": ["MatchAny"],
        "filter.subject": ["Contains"],
    }
    assert search["sort"] == ["SubmittedDate"]
    assert usage["reads"]["Issue"] == ["subject"]
    assert usage["labels"] == [client.version.label]
    text = path.read_text()
    for value in ("secret-subject", issuetrak_mock.tokens["admin"], "localhost", issue.subject):
        assert value not in text


def test_reads_of_nested_models_and_list_items_are_recorded(issuetrak_mock, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "usage.json"
    with issuetrak_mock.sdk(record_usage=path) as client:
        issue = next(
            i for i in client.issues.search(where(is_open=is_true())) if i.assigned_to_user
        )
        print(issue.assigned_to_user.iid)
        print([field.name for field in client.issues.get_issue_udfs().text_fields])
    reads = load_usage(path)["reads"]
    assert reads["Issue"] == ["assignedToUser"]
    assert reads["ReferencedEntityStringId"] == ["iid"]
    assert reads["IssueUdfDefinitions"] == ["textFields"]
    assert reads["IssueTextUdfDefinition"] == ["name"]


def test_a_raw_body_counts_as_the_whole_answer_read(issuetrak_mock, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "usage.json"
    with issuetrak_mock.sdk(record_usage=path) as client:
        client.with_raw_response.users.get(1)
        client.request("GET", "/Priorities", params={"PageSize": "5"})
    operations = load_usage(path)["operations"]
    assert operations["GET /Users/{iid}"] == {"whole_response": True}
    assert operations["GET /Priorities"] == {"query": ["PageSize"], "whole_response": True}


def test_the_environment_and_the_async_client_record_too(issuetrak_mock, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    path = tmp_path / "usage.json"
    monkeypatch.setenv(ENV, str(path))

    async def run() -> None:
        async with issuetrak_mock.async_sdk() as client:
            print((await client.users.get(1)).display_name)

    asyncio.run(run())
    usage = load_usage(path)
    assert list(usage["operations"]) == ["GET /Users/{iid}"]
    assert usage["reads"] == {"User": ["displayName"]}


def test_off_by_default_nothing_is_hooked_or_written(issuetrak_mock, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with issuetrak_mock.sdk(record_usage=tmp_path / "on.json") as recording:
        recording.users.get(1)
    stop_recording()
    assert "__getattribute__" not in vars(Issue)
    with issuetrak_mock.sdk() as client:
        assert client._usage is None
        print(client.users.get(1).display_name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["on.json"]


def test_the_same_calls_give_the_same_file(issuetrak_mock, tmp_path):  # type: ignore[no-untyped-def]
    texts = []
    for name in ("a.json", "b.json"):
        with issuetrak_mock.sdk(record_usage=tmp_path / name) as client:
            print(client.users.get(2).email, next(iter(client.priorities.list())).name)
        stop_recording()
        texts.append((tmp_path / name).read_text())
    assert texts[0] == texts[1]


_PROCESS = """
import sys, httpx
from issuetrak import Issuetrak

body = b'{"traceId": "t", "values": {"lastName": "L", "firstName": "F", "displayName": "D"}}'
transport = httpx.MockTransport(
    lambda request: httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
)
client = Issuetrak("https://usage.example", token="t", transport=transport, record_usage=sys.argv[1])
user = client.users.get(1)
print(getattr(user, sys.argv[2]))
"""


def test_processes_recording_into_one_file_merge(tmp_path: Path) -> None:
    path = tmp_path / "usage.json"
    script = tmp_path / "record.py"
    script.write_text(textwrap.dedent(_PROCESS))
    runs = [
        subprocess.Popen([sys.executable, str(script), str(path), attribute])
        for attribute in ("first_name", "display_name", "last_name")
    ]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    assert load_usage(path)["reads"] == {"User": ["displayName", "firstName", "lastName"]}


def test_a_file_that_is_not_a_usage_file_is_never_overwritten(issuetrak_mock, tmp_path, caplog):  # type: ignore[no-untyped-def]
    path = tmp_path / "notes.json"
    path.write_text('{"mine": true}')
    client = issuetrak_mock.sdk(record_usage=path)
    client.users.get(1)
    client.close()
    stop_recording()
    assert path.read_text() == '{"mine": true}'
    assert "usage not recorded" in caplog.text
