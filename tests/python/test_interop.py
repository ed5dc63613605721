"""python-socketio (a client nobody here wrote) against a real `agentcast serve`.

What a Python user of agentcast's Socket.IO surface (DESIGN.md section 2) relies on: connecting
to `/sessions/{id}` over websocket and over long-polling, subscribing with patterns, receiving
exactly the subscribed typed envelopes in offset order, error acks, and lifecycle events on `/`.

Run: AGENTCAST_BIN=/path/to/agentcast tests/python/.venv/bin/pytest tests/python
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import pytest
import socketio

from conftest import WAIT_S, Clients

TRANSPORTS = {
    "websocket": ["websocket"],
    "polling": ["polling"],
    "polling-then-upgrade": None,  # the client's default: polling first, then websocket
}


def ok(client: socketio.Client, namespace: str, event: str, data: dict[str, Any] | None = None) -> Any:
    """Sends a command and returns the result of its `{ok}` ack (fails on `{error}`)."""
    ack = client.call(event, data if data is not None else {}, namespace=namespace, timeout=WAIT_S)
    assert isinstance(ack, dict) and "ok" in ack, f"{event} {data} answered {ack}"
    return ack["ok"]


def output_text(text: str) -> dict[str, Any]:
    return {"type": "output.text", "data": {"text": text, "delta": False}}


def tool_started(tool_use_id: str) -> dict[str, Any]:
    return {"type": "tool.started", "data": {"tool_use_id": tool_use_id, "name": "Bash", "input": {"command": "ls"}}}


def tool_completed(tool_use_id: str) -> dict[str, Any]:
    return {
        "type": "tool.completed",
        "data": {"tool_use_id": tool_use_id, "name": "Bash", "is_error": False, "output_preview": "ok", "output_bytes": 2},
    }


def usage_updated() -> dict[str, Any]:
    return {
        "type": "usage.updated",
        "data": {"input_tokens": 1, "output_tokens": 2, "cache_read_tokens": 0, "cache_creation_tokens": 0, "total_cost_usd": 0.01},
    }


def session_status(status: str) -> dict[str, Any]:
    return {"type": "session.status", "data": {"status": status}}


MIXED = [
    session_status("running"),
    {"type": "user.prompt", "data": {"text": "list the files"}},
    {"type": "output.thinking", "data": {"text": "hmm", "delta": False}},
    output_text("first"),
    tool_started("t1"),
    output_text("second"),
    tool_completed("t1"),
    usage_updated(),
    tool_started("t2"),
    tool_completed("t2"),
    output_text("last"),
]


def wait(condition, timeout: float = WAIT_S) -> bool:
    """Polls `condition` until it is true or `timeout` passes; returns whether it became true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def assert_envelope(event: str, args: tuple[Any, ...], published: dict[str, Any], offset: int, session_id: str) -> None:
    assert len(args) == 1, f"{event} carried {len(args)} arguments"
    envelope = args[0]
    assert sorted(envelope) == ["data", "offset", "session_id", "ts", "type"]
    assert event == published["type"] == envelope["type"]
    assert envelope["offset"] == offset
    assert envelope["session_id"] == session_id
    datetime.fromisoformat(envelope["ts"].replace("Z", "+00:00"))  # a timestamp
    for key, value in published["data"].items():
        assert envelope["data"][key] == value, f"data.{key} of {event}"


@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_pattern_subscriber_gets_exactly_its_types_in_offset_order(clients: Clients, session_id: str, transport: str) -> None:
    ns = f"/sessions/{session_id}"
    subscriber, sub_events = clients.connect(ns, TRANSPORTS[transport], record=True)
    if transport == "polling-then-upgrade":
        assert wait(lambda: subscriber.transport() == "websocket"), f"no upgrade: transport is {subscriber.transport()}"
    else:
        assert subscriber.transport() == TRANSPORTS[transport][0]
    publisher, pub_events = clients.connect(ns, ["websocket"], record=True)

    assert ok(subscriber, ns, "unsubscribe", {"patterns": ["*"]}) == {"types": []}
    assert ok(subscriber, ns, "subscribe", {"patterns": ["tool.*", "usage.updated"]}) == {
        "types": ["tool.started", "tool.completed", "usage.updated"]
    }

    # The batch ends with a tool event: once the subscriber has it, everything before it has been
    # delivered (one socket receives in offset order), so its record is complete.
    batch = [*MIXED, tool_completed("sentinel")]
    assert ok(publisher, ns, "publish", {"events": batch}) == {"head_offset": len(batch)}

    got = sub_events.wait_for(lambda e, a: a[0]["data"].get("tool_use_id") == "sentinel", "the sentinel")
    expected = [(i + 1, ev) for i, ev in enumerate(batch) if ev["type"].startswith("tool.") or ev["type"] == "usage.updated"]
    assert [(e, a[0]["offset"]) for e, a in got] == [(ev["type"], off) for off, ev in expected]
    for (event, args), (offset, published) in zip(got, expected):
        assert_envelope(event, args, published, offset, session_id)

    # The publisher kept the default `*`: it gets the whole batch, in order.
    everything = pub_events.wait_for(lambda e, a: a[0]["offset"] == len(batch), f"offset {len(batch)}")
    assert len(everything) == len(batch)
    for i, (event, args) in enumerate(everything):
        assert_envelope(event, args, batch[i], i + 1, session_id)


def test_get_status_and_ping(clients: Clients, session_id: str) -> None:
    ns = f"/sessions/{session_id}"
    client, _ = clients.connect(ns, ["websocket"])
    assert ok(client, ns, "publish", {"events": [session_status("running"), output_text("x")]}) == {"head_offset": 2}
    status = ok(client, ns, "get_status")
    assert status["session_id"] == session_id
    assert status["head_offset"] == 2
    assert status["status"] == "running"
    assert status["clients"] == 1
    pong = ok(client, ns, "ping")
    assert "ts" in pong


@pytest.mark.parametrize(
    ("event", "data", "needle"),
    [
        ("publish", {}, "events"),
        ("publish", {"events": "output.text"}, "events"),
        ("subscribe", {"patterns": "tool.*"}, "patterns"),
        ("subscribe", {"patterns": ["tool.*", "Tool.*"]}, "Tool.*"),
        ("unsubscribe", {"patterns": ["nope.*"]}, "nope.*"),
    ],
)
def test_bad_arguments_get_a_bad_request_ack(clients: Clients, session_id: str, event: str, data: dict[str, Any], needle: str) -> None:
    ns = f"/sessions/{session_id}"
    client, _ = clients.connect(ns, ["websocket"])
    ack = client.call(event, data, namespace=ns, timeout=WAIT_S)
    assert isinstance(ack, dict) and "error" in ack and "ok" not in ack, f"{event} {data} answered {ack}"
    assert ack["error"]["code"] == "bad_request"
    assert needle in ack["error"]["message"], f"message {ack['error']['message']!r} does not name {needle}"
    # Nothing was published by a refused command; the socket still works.
    assert ok(client, ns, "get_status")["head_offset"] == 0


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_hub_gets_lifecycle_and_usage_events(clients: Clients, session_id: str, transport: str) -> None:
    hub, hub_events = clients.connect("/", TRANSPORTS[transport], record=True)
    ns = f"/sessions/{session_id}"
    session, session_events = clients.connect(ns, ["websocket"], record=True)
    started = {
        "type": "session.started",
        "data": {"session_id": session_id, "source": "publish", "started_at": datetime.now(timezone.utc).isoformat()},
    }
    ended = {"type": "session.ended", "data": {"status": "completed", "exit_code": 0}}
    batch = [started, *MIXED, ended]
    assert ok(session, ns, "publish", {"events": batch}) == {"head_offset": len(batch)}

    on_session = session_events.wait_for(lambda e, a: a[0]["offset"] == len(batch), "the last event on the session")
    hub_events.wait_for(lambda e, a: e == "session.ended" and a[0].get("session_id") == session_id, "session.ended on /")
    on_hub = [(e, a) for e, a in hub_events.events if a and isinstance(a[0], dict) and a[0].get("session_id") == session_id]
    lifecycle = {"session.started", "session.status", "session.checkpoint", "session.ended", "usage.updated"}
    expected = [(e, a) for e, a in on_session if e in lifecycle]
    assert [e for e, _ in on_hub] == ["session.started", "session.status", "usage.updated", "session.ended"]
    # The same envelopes (offset, ts, data) as on the session namespace.
    assert on_hub == expected


def test_unknown_namespace_is_refused(server) -> None:
    client = socketio.Client(reconnection=False)
    errors: list[Any] = []
    client.on("connect_error", lambda data=None: errors.append(data), namespace="/random")
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, namespaces=["/random"], transports=["websocket"], wait_timeout=WAIT_S)
    finally:
        client.disconnect()
    assert errors, "no connect_error for /random"
    message = errors[0].get("message") if isinstance(errors[0], dict) else errors[0]
    assert message == "Invalid namespace"


def test_unknown_event_is_ignored(clients: Clients, session_id: str) -> None:
    ns = f"/sessions/{session_id}"
    client, _ = clients.connect(ns, ["websocket"])
    acked: list[Any] = []
    client.emit("no_such_command", {"x": 1}, namespace=ns, callback=lambda *a: acked.append(a))
    assert "ts" in ok(client, ns, "ping")
    assert client.connected
    assert acked == [], "the server acked an unknown event"
