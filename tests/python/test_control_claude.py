"""python-socketio answers the agent (DESIGN.md section 10): `agentcast serve` starts the real
`claude` in control mode through `POST /api/sessions`, against the scripted fake Messages API
(claude.py). A python-socketio watcher receives the `permission.requested` of a Bash command
that needs permission and denies it with a message: the command does not run and Claude's
answer quotes the refusal; then a `prompt` runs a second turn in the same process, and `end`
ends the session.

Run: tests/python/.venv/bin/pytest tests/python/test_control_claude.py
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
import requests

from claude import AgentHome, FakeModelApi, claude_bin, require_tools
from conftest import WAIT_S, Clients, Recorder, Server

# How long a turn of the real CLI may take to show its events.
TURN_S = 60.0
DENIAL = "not in this directory, please"


class Controlled:
    """A server whose agents run in `home` against `fake`."""

    def __init__(self, home: AgentHome, fake: FakeModelApi, server: Server) -> None:
        self.home = home
        self.fake = fake
        self.server = server


@pytest.fixture
def controlled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Controlled]:
    require_tools()
    root = tmp_path_factory.mktemp("control")
    home = AgentHome(root / "agent")
    fake = FakeModelApi(home.home, root / "fake-model-api.log")
    data_dir = root / "data"
    data_dir.mkdir()
    # The server's environment is the agent's: the claude it starts talks to the fake.
    server = Server(data_dir, env=fake.env, unset=fake.unset)
    try:
        yield Controlled(home, fake, server)
    finally:
        server.stop()
        fake.stop()
        # What the model answered, by step: where a failing scenario stopped.
        print(f"fake model API: {fake.log().strip()}")


def ok(client: Any, namespace: str, event: str, data: dict[str, Any]) -> Any:
    """Sends a command and returns the result of its `{ok}` ack (fails on `{error}`)."""
    ack = client.call(event, data, namespace=namespace, timeout=WAIT_S)
    assert isinstance(ack, dict) and "ok" in ack, f"{event} {data} answered {ack}"
    return ack["ok"]


def data(args: tuple[Any, ...]) -> dict[str, Any]:
    return args[0]["data"]


def offset(args: tuple[Any, ...]) -> int:
    return args[0]["offset"]


def wait_event(recorder: Recorder, name: str, after: int = 0, where: Callable[[dict[str, Any]], bool] = lambda _: True) -> tuple[int, dict[str, Any]]:
    """The first `name` event past offset `after` whose data satisfies `where`: its offset and data."""
    events = recorder.wait_for(
        lambda event, args: event == name and offset(args) > after and where(data(args)),
        f"{name} after offset {after}",
        timeout=TURN_S,
    )
    last = events[-1][1]
    return offset(last), data(last)


def text_between(recorder: Recorder, start: int, end: int) -> str:
    """The `output.text` of offsets start..end, streamed pieces joined."""
    return "".join(data(args)["text"] for event, args in recorder.events if event == "output.text" and start < offset(args) < end)


def is_idle(d: dict[str, Any]) -> bool:
    return d["status"] == "idle"


def test_a_denied_command_does_not_run_and_a_prompt_runs_a_second_turn(controlled: Controlled) -> None:
    script = controlled.fake.script
    cwd = controlled.home.cwd
    started = requests.post(
        f"{controlled.server.url}/api/sessions",
        json={"command": [str(claude_bin())], "prompt": controlled.fake.scenarios["permission"], "cwd": str(cwd)},
        timeout=WAIT_S,
    )
    assert started.status_code == 201, started.text
    ns = f"/sessions/{started.json()['session_id']}"
    clients = Clients(controlled.server)
    try:
        client, recorder = clients.connect(ns, ["websocket"], record=True, auth={"offset": 0})
        assert recorder is not None

        asked_at, asked = wait_event(recorder, "permission.requested")
        assert asked["tool_name"] == "Bash"
        assert asked["input"]["command"] == script["permission_command"]
        assert asked["tool_use_id"] == script["permission_tool_id"]
        assert not (cwd / script["permission_file"]).exists()

        answer = ok(client, ns, "permission.respond", {"request_id": asked["request_id"], "decision": "deny", "message": DENIAL})
        assert answer == {"request_id": asked["request_id"], "decision": "deny"}
        _, resolved = wait_event(recorder, "permission.resolved", asked_at)
        assert (resolved["decision"], resolved["reason"], resolved.get("message")) == ("deny", "answered", DENIAL)
        first_turn, _ = wait_event(recorder, "session.status", asked_at, is_idle)
        said = text_between(recorder, asked_at, first_turn)
        assert script["permission_refused_text"] in said and DENIAL in said, said
        assert not (cwd / script["permission_file"]).exists(), "the denied command did not run"

        # The next prompt runs a second turn in the same process.
        sent = ok(client, ns, "prompt", {"text": script["chat_prompt_2"]})
        assert sent == {"queued": False, "ahead": 0}
        prompted, _ = wait_event(recorder, "user.prompt", first_turn, lambda d: d["text"] == script["chat_prompt_2"])
        second_turn, _ = wait_event(recorder, "session.status", prompted, is_idle)
        answered = text_between(recorder, prompted, second_turn)
        assert script["chat_answer_2"] in answered, answered

        assert ok(client, ns, "end", {}) == {"ending": True}
        _, ended = wait_event(recorder, "session.ended", second_turn)
        assert ended["status"] == "completed", ended
    finally:
        clients.close()
