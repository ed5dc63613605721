"""The `agentcast` Python package (shared/python) against a real `agentcast serve`.

The package is installed into the venv as a wheel (`pip install ./shared/python`, the install
step), so these tests also prove it packages. They check that its generated models are fresh
and that it passes mypy --strict, then drive it: typed events in offset order, commands with
typed results and errors, a session followed across a SIGKILL and restart of the server with
every offset exactly once, and the README's example against a live session.

Every wait is bounded (`asyncio.wait_for`, subprocess timeouts).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from pydantic import TypeAdapter

import agentcast
from agentcast.models import (
    AnyEnvelope,
    Envelope,
    Event,
    OutputText,
    OutputTextEnvelope,
    OutputTextEvent,
    SessionEnded,
    SessionEndedEvent,
    SessionStatus,
    SessionStatusEnvelope,
    SessionStatusEvent,
    ToolCompleted,
    ToolCompletedEnvelope,
    ToolCompletedEvent,
    ToolStarted,
    ToolStartedEnvelope,
    ToolStartedEvent,
)
from conftest import REPO_ROOT, WAIT_S, Server

PACKAGE = REPO_ROOT / "shared" / "python"
README = REPO_ROOT / "README.md"
T = TypeVar("T")
# Short waits between reconnect attempts, so a restart is noticed within a second or so.
FAST = agentcast.Settings(backoff_initial=0.05, backoff_max=0.5, reconnect_timeout=30.0, command_timeout=WAIT_S)


def run(main: Callable[[], Awaitable[T]], timeout: float = 60.0) -> T:
    """Runs a coroutine to completion, failing the test if it takes longer than `timeout`."""

    async def bounded() -> T:
        return await asyncio.wait_for(main(), timeout)

    return asyncio.run(bounded())


def text(value: str) -> OutputTextEvent:
    return OutputTextEvent(type="output.text", data=OutputText(text=value, delta=False))


def mixed(tag: str) -> list[Event]:
    """One turn's worth of events, tagged so every run's are its own."""
    return [
        SessionStatusEvent(type="session.status", data=SessionStatus(status="running")),
        text(f"{tag} first"),
        ToolStartedEvent(type="tool.started", data=ToolStarted(tool_use_id=f"{tag}-t1", name="Bash", input={"command": "ls"})),
        ToolCompletedEvent(
            type="tool.completed",
            data=ToolCompleted(tool_use_id=f"{tag}-t1", name="Bash", output_preview="ok", output_bytes=2),
        ),
        text(f"{tag} last"),
    ]


async def take(stream: agentcast.Session, count: int) -> list[AnyEnvelope]:
    """The next `count` events of the stream."""
    got: list[AnyEnvelope] = []
    async for event in stream:
        got.append(event)
        if len(got) == count:
            break
    return got


# The package itself: generated code fresh, types strict, installed from this source.


def test_models_are_fresh() -> None:
    # The schema's own freshness is the Rust test `json_schema_is_fresh` (cargo test -p
    # agentcast-shared); this one checks the Python generated from it.
    done = subprocess.run(
        [sys.executable, str(PACKAGE / "generate_models.py"), "--check"], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr


def readme_example() -> str:
    """The ```python block of README.md's "Python package" section."""
    section = README.read_text("utf-8").split("\n## Python package\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the Python package section has one python example"
    return str(blocks[0])


def test_package_and_readme_example_pass_mypy_strict(tmp_path: Path) -> None:
    example = tmp_path / "readme_example.py"
    example.write_text(readme_example(), "utf-8")
    done = subprocess.run(
        [
            sys.executable, "-m", "mypy",
            "--config-file", str(PACKAGE / "pyproject.toml"),
            "--cache-dir", str(tmp_path / "mypy-cache"),
            str(PACKAGE / "src" / "agentcast"),
            str(example),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found in" in done.stdout


def test_the_installed_package_is_this_source() -> None:
    installed = Path(agentcast.__file__).resolve().parent
    source = PACKAGE / "src" / "agentcast"
    assert installed != source, "installed editable; the install step installs a wheel"
    stale = [p.name for p in source.glob("*.py") if not (installed / p.name).exists() or (installed / p.name).read_bytes() != p.read_bytes()]
    assert not stale, f"{stale} differ from shared/python: run `cargo xtask test --only install`"


def test_envelopes_parse_into_their_types_and_unknown_types_stay_generic() -> None:
    tool = agentcast.parse_envelope(
        {"offset": 3, "session_id": "s", "ts": "t", "type": "tool.started", "data": {"tool_use_id": "u", "name": "Bash", "input": {}}}
    )
    assert isinstance(tool, ToolStartedEnvelope) and tool.data.name == "Bash"
    future = agentcast.parse_envelope({"offset": 4, "session_id": "s", "ts": "t", "type": "future.kind", "data": {"x": [1]}})
    assert type(future) is Envelope and future.data == {"x": [1]}
    # A newer server may add fields: they are ignored, not refused.
    grown = agentcast.parse_envelope(
        {"offset": 5, "session_id": "s", "ts": "t", "type": "output.text", "data": {"text": "hi", "new_field": 1}}
    )
    assert isinstance(grown, OutputTextEnvelope) and grown.data.text == "hi"
    for bad in [None, [], {"type": "tool.started"}, {"offset": 1, "session_id": "s", "ts": "t", "type": "tool.started", "data": {}}]:
        with pytest.raises(agentcast.ProtocolError):
            agentcast.parse_envelope(bad)
    assert len(agentcast.KNOWN_TYPES) >= 30 and "permission.requested" in agentcast.KNOWN_TYPES


# Against the server.


def test_typed_events_arrive_in_offset_order(server: Server, session_id: str) -> None:
    async def main() -> list[AnyEnvelope]:
        async with agentcast.connect(server.url, settings=FAST) as hub:
            session = hub.session(session_id, from_offset=0)
            published = await session.publish(mixed("a"))
            assert published.head_offset == 5
            # Half from the history replay, half live.
            follower = asyncio.ensure_future(take(session, 10))
            await session.publish(mixed("b"))
            return await follower

    got = run(main)
    assert [e.offset for e in got] == list(range(1, 11))
    kinds = [SessionStatusEnvelope, OutputTextEnvelope, ToolStartedEnvelope, ToolCompletedEnvelope, OutputTextEnvelope] * 2
    assert [type(e) for e in got] == kinds
    texts = [e.data.text for e in got if isinstance(e, OutputTextEnvelope)]
    assert texts == ["a first", "a last", "b first", "b last"]
    assert all(e.session_id == session_id for e in got)


class SkippingReplay(agentcast.Session):
    """A session whose first stream connect asks the server to replay from 10 offsets too far:
    the replay starts with a gap, as after `session.recovered {recovered: false}`."""

    skipped = False

    async def _open(self, stream: bool) -> agentcast.connection.Connection:
        if not stream or self.skipped:
            return await super()._open(stream)
        self.skipped = True
        last = self._last
        self._last = (last or 0) + 10
        try:
            return await super()._open(stream)
        finally:
            self._last = last


def test_a_gap_in_the_replay_is_filled_from_the_history_in_order(server: Server, session_id: str) -> None:
    # Pages of 3, so filling the gap of 10 takes four `get_history` calls.
    settings = agentcast.Settings(history_page=3, command_timeout=WAIT_S)

    async def main() -> list[AnyEnvelope]:
        async with agentcast.connect(server.url, settings=settings) as hub:
            await hub.session(session_id).publish([text(f"{i}") for i in range(1, 21)])
            session = SkippingReplay(hub.url, None, session_id, 0, settings)
            try:
                return await take(session, 20)
            finally:
                await session.close()

    got = run(main)
    assert [e.offset for e in got] == list(range(1, 21))
    assert [e.data.text for e in got if isinstance(e, OutputTextEnvelope)] == [f"{i}" for i in range(1, 21)]


def test_a_reader_that_falls_behind_its_queue_recovers_by_offset(server: Server, session_id: str) -> None:
    # Room for 5 unread events; the reader pauses while the replay of 50 arrives, so its
    # socket is dropped and it resumes after the last offset it read, until it has all.
    settings = agentcast.Settings(queue_size=5, backoff_initial=0.05, command_timeout=WAIT_S)

    async def main() -> tuple[list[int], int]:
        async with agentcast.connect(server.url, settings=settings) as hub:
            session = hub.session(session_id, from_offset=0)
            await session.publish([text(f"{i}") for i in range(50)])
            offsets: list[int] = []
            async for event in session:
                offsets.append(event.offset)
                if len(offsets) == 1:
                    await asyncio.sleep(0.5)
                if len(offsets) == 50:
                    break
            return offsets, session.reconnects

    offsets, reconnects = run(main)
    assert offsets == list(range(1, 51))
    assert reconnects >= 1


def test_a_subscribed_stream_yields_only_its_patterns(server: Server, session_id: str) -> None:
    async def main() -> list[AnyEnvelope]:
        async with agentcast.connect(server.url, settings=FAST) as hub:
            session = hub.session(session_id, from_offset=0)
            await session.publish(mixed("e"))
            await session.subscribe(["tool.*"])
            follower = asyncio.ensure_future(take(session, 4))
            await session.publish(mixed("f"))
            return await follower

    got = run(main)
    assert [(e.offset, e.type) for e in got] == [
        (3, "tool.started"), (4, "tool.completed"), (8, "tool.started"), (9, "tool.completed")
    ]


def test_commands_have_typed_results_and_errors(server: Server, session_id: str) -> None:
    async def main() -> None:
        async with agentcast.connect(server.url, settings=FAST) as hub:
            session = hub.session(session_id)
            await session.publish(mixed("c") + mixed("d"))
            page = await session.get_history(types=["output.*"], after=2, limit=2)
            assert [(e.offset, e.type) for e in page.events] == [(5, "output.text"), (7, "output.text")]
            assert page.head_offset == 10 and page.has_more
            status = await session.get_status()
            assert status.session_id == session_id and status.head_offset == 10 and status.clients >= 1
            subscription = await session.subscribe(["tool.*"])
            assert subscription.types == ["tool.started", "tool.completed"]

            hub_status = await hub.get_status()
            assert hub_status.stats.uptime_s >= 0
            listed = {s.session_id: s for s in await hub.list_sessions()}
            assert listed[session_id].head_offset == 10

            # A session agentcast does not run cannot be controlled: typed errors, with the
            # server's code and message.
            with pytest.raises(agentcast.AgentcastError) as refused:
                await session.prompt("hello")
            assert refused.value.code == "conflict" and refused.value.message
            with pytest.raises(agentcast.AgentcastError) as unknown:
                await session.respond_permission("no-such-request", "allow")
            assert unknown.value.code in ("conflict", "not_found") and unknown.value.message
            with pytest.raises(agentcast.AgentcastError) as bad:
                await session.subscribe(["no such pattern!"])
            assert bad.value.code == "bad_request"
            # The connection is still good after refusals.
            assert (await session.get_status()).head_offset == 10

    run(main)


def test_a_refused_namespace_is_a_typed_error(server: Server) -> None:
    async def main() -> None:
        async with agentcast.connect(server.url, settings=FAST) as hub:
            with pytest.raises(agentcast.ConnectRefused) as refused:
                await hub.session("not a valid id!").get_status()
            assert refused.value.code == "connect_refused"

    run(main)


def test_an_unreachable_server_is_connection_lost_after_the_reconnect_timeout(unused_port: int) -> None:
    settings = agentcast.Settings(backoff_initial=0.05, backoff_max=0.2, reconnect_timeout=1.0, connect_timeout=1.0)

    async def main() -> None:
        with pytest.raises(agentcast.ConnectionLost) as lost:
            async with agentcast.connect(f"http://127.0.0.1:{unused_port}", settings=settings):
                pass
        assert lost.value.code == "connection_lost" and "attempts" in lost.value.message

    run(main, timeout=20)


@pytest.fixture
def unused_port(tmp_path: Path) -> int:
    """A port nothing listens on: one a server had, after it stopped."""
    data = tmp_path / "probe"
    data.mkdir()
    probe = Server(data)
    port = int(probe.url.rsplit(":", 1)[1])
    probe.stop()
    return port


def test_a_session_is_followed_exactly_once_across_a_sigkill_and_restart(tmp_path: Path, session_id: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    servers = [Server(data_dir)]
    url = servers[0].url
    port = url.rsplit(":", 1)[1]
    per_batch = 5
    batches = 20

    async def main() -> tuple[list[AnyEnvelope], int]:
        async with agentcast.connect(url, settings=FAST) as follower_hub, agentcast.connect(url, settings=FAST) as publisher_hub:
            follower = follower_hub.session(session_id, from_offset=0)
            publisher = publisher_hub.session(session_id)
            received: list[AnyEnvelope] = []

            async def follow() -> None:
                async for event in follower:
                    received.append(event)
                    if event.offset == batches * per_batch:
                        return

            def kill_and_restart() -> None:
                servers[0].proc.kill()
                servers[0].proc.wait(timeout=WAIT_S)
                servers[0].stop()
                servers.append(Server(data_dir, bind=f"127.0.0.1:{port}"))
                assert servers[-1].url == url

            following = asyncio.ensure_future(follow())
            restarted = False
            for batch in range(batches):
                events = [text(f"{batch}.{i}") for i in range(per_batch)]
                try:
                    await publisher.publish(events)
                except agentcast.ConnectionLost:
                    # Only right after the restart: the publisher's socket to the killed server
                    # was not yet seen closed, so this publish never left; the next one opens
                    # a socket to the new server. A publish that reached a server and is sent
                    # again would show as duplicate texts below.
                    assert restarted and batch == batches // 2
                    await publisher.publish(events)
                if batch == batches // 2 - 1:
                    # Mid-stream: the follower is still receiving the batch just published.
                    # In a thread, so the clients keep running (and retrying) meanwhile.
                    await asyncio.to_thread(kill_and_restart)
                    restarted = True
            await asyncio.wait_for(following, 30)
            return received, follower.reconnects

    try:
        received, reconnects = run(main, timeout=90)
    finally:
        for server in servers:
            server.stop()
    assert [e.offset for e in received] == list(range(1, batches * per_batch + 1))
    expected = [f"{b}.{i}" for b in range(batches) for i in range(per_batch)]
    assert [e.data.text for e in received if isinstance(e, OutputTextEnvelope)] == expected
    assert reconnects >= 1


def test_the_readme_example_follows_a_live_session(session_id: str, tmp_path: Path) -> None:
    """As a user runs it: tokens on, the example's token in AGENTCAST_TOKEN."""
    example = tmp_path / "follow.py"
    example.write_text(readme_example(), "utf-8")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = Server(data_dir, auth=True)
    reader = server.token("read")

    async def main() -> list[str]:
        async with agentcast.connect(server.url, token=server.token("write"), settings=FAST) as hub:
            session = hub.session(session_id)
            await session.publish(mixed("before"))
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(example), server.url, session_id,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "AGENTCAST_TOKEN": reader},
            )
            assert proc.stdout is not None
            lines: list[str] = []
            try:
                # The history first: then the example is following live.
                while len(lines) < 5:
                    line = await asyncio.wait_for(proc.stdout.readline(), WAIT_S)
                    assert line, f"the example exited early: {lines}"
                    lines.append(line.decode().rstrip("\n"))
                await session.publish(
                    [*mixed("live"), SessionEndedEvent(type="session.ended", data=SessionEnded(status="completed"))]
                )
                rest, stderr = await asyncio.wait_for(proc.communicate(), WAIT_S)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            assert proc.returncode == 0, stderr.decode()
            return lines + rest.decode().splitlines()

    try:
        lines = run(main)
    finally:
        server.stop()
    assert lines == [
        "#1 session.status",
        "#2 says: before first",
        "#3 runs Bash",
        "#4 tool.completed",
        "#5 says: before last",
        "#6 session.status",
        "#7 says: live first",
        "#8 runs Bash",
        "#9 tool.completed",
        "#10 says: live last",
        "#11 ended: completed",
    ]


def test_publish_items_serialize_as_the_server_expects() -> None:
    # `{type, data}` with the data's optional fields left out when unset.
    items = TypeAdapter(list[Event]).dump_python(mixed("x")[:2], mode="json", exclude_none=True)
    assert items == [
        {"type": "session.status", "data": {"status": "running"}},
        {"type": "output.text", "data": {"text": "x first", "delta": False}},
    ]
