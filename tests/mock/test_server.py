"""The CLI server answers keep-alive clients without Nagle's delay (``TCP_NODELAY`` everywhere).

Checked on the socket options, not on timings: the listening socket ``issuetrak-mock`` binds,
and the connections uvicorn accepts from it, have Nagle's algorithm off.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from issuetrak_mock import __main__ as cli
from issuetrak_mock import server as server_module
from issuetrak_mock.server import listening_socket

from .conftest import new_app, serve


def _nodelay(sock: Any) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_the_listening_socket_is_a_tcp_socket_with_nodelay() -> None:
    with listening_socket("127.0.0.1", 0) as sock:
        # asyncio sets TCP_NODELAY on accepted connections only when the socket says IPPROTO_TCP
        assert sock.proto == socket.IPPROTO_TCP
        assert _nodelay(sock)
        assert sock.getsockname()[1] != 0


def test_a_taken_port_is_an_oserror_and_the_socket_is_closed() -> None:
    with listening_socket("127.0.0.1", 0) as taken:
        taken.listen()
        with pytest.raises(OSError):
            listening_socket("127.0.0.1", taken.getsockname()[1])


@pytest.fixture
def served() -> Iterator[tuple[Any, str]]:
    """The app served as the CLI serves it: our socket handed to uvicorn, in a thread."""
    with serve(new_app(issues=3)) as (server, port):
        yield server, f"http://127.0.0.1:{port}/api/v2"


@pytest.mark.network
def test_connections_accepted_by_the_server_have_nodelay(served: tuple[Any, str]) -> None:
    server, base = served
    app_token = server.config.app.state.tokens["admin"]
    with httpx.Client(base_url=base, headers={"X-Api-Key": app_token}) as client:
        for iid in (1, 2, 3):  # one keep-alive connection, three requests
            assert client.get(f"/Issues/{iid}").status_code == 200
        connections = list(server.server_state.connections)
        assert len(connections) == 1
        accepted = connections[0].transport.get_extra_info("socket")
        assert accepted.proto == socket.IPPROTO_TCP
        assert _nodelay(accepted)


def test_the_console_script_serves_on_the_nodelay_socket(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[socket.socket] = []

    class Recorder:
        def __init__(self, app: Any, **_: Any) -> None:
            self.app = app

        def run(self, sockets: list[socket.socket]) -> None:
            served.extend(sockets)

    monkeypatch.setattr(server_module, "uvicorn_server", Recorder)  # main() imports it late
    assert cli.main(["--port", "0", "--issues", "2", "--no-rate-limit"]) == 0
    assert len(served) == 1
    with served[0] as sock:
        assert sock.proto == socket.IPPROTO_TCP and _nodelay(sock)
        assert f":{sock.getsockname()[1]}/api/v2" in capsys.readouterr().out


def test_the_banner_says_what_the_default_limits_are_and_how_to_turn_them_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Idle:
        def __init__(self, app: Any, **_: Any) -> None:
            pass

        def run(self, sockets: list[socket.socket]) -> None:
            for sock in sockets:
                sock.close()

    monkeypatch.setattr(server_module, "uvicorn_server", Idle)
    assert cli.main(["--port", "0", "--issues", "2"]) == 0
    limits = next(line for line in capsys.readouterr().out.splitlines() if "rate limits" in line)
    assert "100/10 min" in limits and "--no-rate-limit" in limits
    assert cli.main(["--port", "0", "--issues", "2", "--no-rate-limit"]) == 0
    assert "rate limits        : off" in capsys.readouterr().out
