"""The official MCP Python SDK (`mcp`, a client nobody here wrote) against the real agentcast: over
streamable HTTP at the server's `/mcp` (the handshake-era protocol and 2026-07-28's), and over stdio
through `agentcast mcp`, which forwards to a running server. Tokens are on, as a user runs it.

What an agent relies on: the tools are listed with their schemas; each answers with text and
structured content about the real sessions; a session is a resource whose update notification
arrives when it changes; a bad argument is a tool error naming the field; a read token is refused
the control tools; `publish_test_event` exists only on a `--dev` server.

Run: tests/python/.venv/bin/pytest tests/python/test_mcp.py
"""

from __future__ import annotations

import asyncio
import json
import secrets
import warnings
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Iterator, TypeVar

import httpx2
import pytest
import requests
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp_types import CallToolResult, ResourceUpdatedNotification, TextContent

from conftest import WAIT_S, Server, binary_path

T = TypeVar("T")

READ_TOOLS = {
    "list_sessions", "get_session", "get_events", "search_events", "get_transcript", "server_status", "health",
}
CONTROL_TOOLS = {"send_prompt", "respond_permission", "interrupt"}
# A session's update notifications come at most every --mcp-notify-interval-ms (200 here).
NOTIFY_WAIT_S = 10.0


def within(awaitable: Awaitable[T], seconds: float = WAIT_S) -> Awaitable[T]:
    """Every wait is bounded."""
    return asyncio.wait_for(awaitable, seconds)


class McpServer:
    """A server with tokens on, its `/mcp`, and tokens of each scope."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.endpoint = f"{server.url}/mcp"
        self.read_token = server.token("read")
        self.write_token = server.token("write")
        self.control_token = server.token("control")

    def publish(self, session_id: str, texts: list[str]) -> int:
        """Publishes `output.text` events into `session_id` over REST; the new head offset."""
        response = requests.post(
            f"{self.server.url}/api/sessions/{session_id}/publish",
            json={"events": [{"type": "output.text", "data": {"text": text, "delta": False}} for text in texts]},
            headers={"Authorization": f"Bearer {self.write_token}"},
            timeout=WAIT_S,
        )
        assert response.status_code == 200, response.text
        return int(response.json()["head_offset"])


@pytest.fixture(scope="module")
def mcp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[McpServer]:
    data_dir = tmp_path_factory.mktemp("mcp") / "data"
    data_dir.mkdir()
    server = Server(data_dir, auth=True, args=["--mcp-notify-interval-ms", "200"])
    try:
        yield McpServer(server)
    finally:
        server.stop()


@pytest.fixture
def session_id() -> str:
    return f"mcp-{secrets.token_hex(6)}"


class Notifications:
    """Resource update notifications a client received."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()

    async def handler(self, message: Any) -> None:
        if isinstance(message, ResourceUpdatedNotification):
            self.queue.put_nowait(message.params.uri)

    async def next_for(self, uri: str) -> None:
        async def wait() -> None:
            while await self.queue.get() != uri:
                pass

        await within(wait(), NOTIFY_WAIT_S)


@asynccontextmanager
async def http_client(endpoint: str, token: str, mode: str = "legacy", notifications: Notifications | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(WAIT_S, read=60.0)) as http:
        transport = streamable_http_client(endpoint, http_client=http)
        handler = notifications.handler if notifications else None
        async with Client(transport, mode=mode, read_timeout_seconds=WAIT_S, message_handler=handler) as client:
            yield client


@asynccontextmanager
async def stdio_client(server: McpServer, token: str, notifications: Notifications | None = None) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=str(binary_path()),
        args=["mcp", "--server", server.server.url, "--token", token],
    )
    handler = notifications.handler if notifications else None
    async with Client(params, mode="legacy", read_timeout_seconds=WAIT_S, message_handler=handler) as client:
        yield client


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


async def call(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
    result = await within(client.call_tool(tool, arguments or {}))
    assert not result.is_error, f"{tool} {arguments}: {text_of(result)}"
    return result


async def every_tool_answers(client: Client, server: McpServer, session_id: str) -> None:
    """The read tools about a session with events `hello from mcp` and `second line`."""
    tools = {tool.name: tool for tool in (await within(client.list_tools())).tools}
    assert set(tools) == READ_TOOLS | CONTROL_TOOLS, sorted(tools)
    # The schemas come from the argument types: fields, descriptions, what is required.
    events_schema = tools["get_events"].input_schema
    assert events_schema["required"] == ["session_id"]
    assert {"session_id", "types", "after", "before", "limit"} <= set(events_schema["properties"])
    assert tools["list_sessions"].annotations is not None and tools["list_sessions"].annotations.read_only_hint

    listed = await call(client, "list_sessions", {"query": session_id})
    rows = listed.structured_content["sessions"]
    assert [row["session_id"] for row in rows] == [session_id]
    assert rows[0]["head_offset"] == 2 and rows[0]["uri"] == f"agentcast://sessions/{session_id}"
    assert session_id in text_of(listed)

    detail = await call(client, "get_session", {"session_id": session_id})
    assert detail.structured_content["session_id"] == session_id
    assert detail.structured_content["needs_you"] is False

    events = await call(client, "get_events", {"session_id": session_id})
    page = events.structured_content
    assert [e["offset"] for e in page["events"]] == [1, 2] and page["head_offset"] == 2
    assert [e["data"]["text"] for e in page["events"]] == ["hello from mcp", "second line"]
    assert "#1" in text_of(events) and "hello from mcp" in text_of(events)
    after = await call(client, "get_events", {"session_id": session_id, "after": 1, "types": ["output.*"]})
    assert [e["offset"] for e in after.structured_content["events"]] == [2]

    found = await call(client, "search_events", {"query": "HELLO FROM", "session_id": session_id})
    hits = found.structured_content["hits"]
    assert [(h["session_id"], h["offset"]) for h in hits] == [(session_id, 1)], hits
    assert found.structured_content["complete"] is True
    everywhere = await call(client, "search_events", {"query": "second line"})
    assert (session_id, 2) in [(h["session_id"], h["offset"]) for h in everywhere.structured_content["hits"]]

    transcript = await call(client, "get_transcript", {"session_id": session_id})
    assert "hello from mcp" in transcript.structured_content["markdown"]
    assert "second line" in text_of(transcript)

    status = await call(client, "server_status")
    report = status.structured_content
    assert report["version"] and report["uptime_s"] >= 0
    assert report["events_in"] >= 2 and sum(report["sessions"].values()) >= 1
    assert "connections" in text_of(status)

    health = await call(client, "health")
    assert health.structured_content["status"] == "ok" and health.structured_content["database"] == "ok"


async def bad_arguments_name_the_field(client: Client, session_id: str) -> None:
    """A bad argument is a tool error (the model reads it and can correct the call) naming it."""
    cases = [
        ("get_events", {"session_id": session_id, "limit": 0}, "limit"),
        ("get_events", {}, "session_id"),
        ("get_events", {"session_id": session_id, "limit": "many"}, "limit"),
        ("list_sessions", {"status": "sleeping"}, "status"),
        ("get_transcript", {"session_id": session_id, "max_events": 999999}, "max_events"),
        ("search_events", {"query": "x", "colour": "red"}, "colour"),
        ("get_events", {"session_id": session_id, "types": ["not a pattern!"]}, "types[0]"),
    ]
    for tool, arguments, field in cases:
        result = await within(client.call_tool(tool, arguments))
        assert result.is_error, (tool, arguments, text_of(result))
        assert field in text_of(result), (tool, arguments, text_of(result))


async def refusals_are_tool_errors(client: Client) -> None:
    """What the caller can act on is a tool result marked as an error, which a model reads."""
    missing = await within(client.call_tool("get_session", {"session_id": "no-such-session"}))
    assert missing.is_error and "not_found" in text_of(missing)
    for tool, arguments in [
        ("send_prompt", {"session_id": "any", "text": "hi"}),
        ("interrupt", {"session_id": "any"}),
        ("respond_permission", {"session_id": "any", "request_id": "r", "decision": "allow"}),
    ]:
        refused = await within(client.call_tool(tool, arguments))
        assert refused.is_error, tool
        assert "control scope" in text_of(refused), text_of(refused)
        assert refused.structured_content["error"]["code"] == "forbidden"


async def resource_updates(client: Client, server: McpServer, session_id: str, notifications: Notifications) -> None:
    """Read a session's resource, subscribe, publish: the update notification arrives."""
    uri = f"agentcast://sessions/{session_id}"
    listed = await within(client.list_resources())
    assert uri in [str(resource.uri) for resource in listed.resources]
    templates = await within(client.list_resource_templates())
    assert [t.uri_template for t in templates.resource_templates] == ["agentcast://sessions/{session_id}"]
    read = await within(client.read_resource(uri))
    body = json.loads(read.contents[0].text)  # type: ignore[union-attr]
    assert body["session"]["session_id"] == session_id
    assert any("hello from mcp" in line for line in body["recent_events"])

    # The handshake-era subscription (2026-07-28's `listen` is tested below).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        await within(client.subscribe_resource(uri))
    server.publish(session_id, ["third line"])
    await notifications.next_for(uri)
    read = await within(client.read_resource(uri))
    assert json.loads(read.contents[0].text)["session"]["head_offset"] == 3  # type: ignore[union-attr]

    with pytest.raises(MCPError) as bad:
        await within(client.read_resource("file:///etc/passwd"))
    assert "uri" in bad.value.message


async def everything_an_agent_uses(client: Client, server: McpServer, session_id: str, notifications: Notifications) -> None:
    await every_tool_answers(client, server, session_id)
    await bad_arguments_name_the_field(client, session_id)
    await refusals_are_tool_errors(client)
    await resource_updates(client, server, session_id, notifications)


def test_streamable_http(mcp_server: McpServer, session_id: str) -> None:
    mcp_server.publish(session_id, ["hello from mcp", "second line"])

    async def scenario() -> None:
        notifications = Notifications()
        async with http_client(mcp_server.endpoint, mcp_server.read_token, notifications=notifications) as client:
            await everything_an_agent_uses(client, mcp_server, session_id, notifications)

    asyncio.run(scenario())


def test_stdio_through_agentcast_mcp(mcp_server: McpServer, session_id: str) -> None:
    mcp_server.publish(session_id, ["hello from mcp", "second line"])

    async def scenario() -> None:
        notifications = Notifications()
        async with stdio_client(mcp_server, mcp_server.read_token, notifications) as client:
            await everything_an_agent_uses(client, mcp_server, session_id, notifications)

    asyncio.run(scenario())


def test_modern_protocol_listens_for_session_updates(mcp_server: McpServer, session_id: str) -> None:
    """2026-07-28 (`server/discover`, no MCP session): tools, and `subscriptions/listen`."""
    mcp_server.publish(session_id, ["hello from mcp", "second line"])
    uri = f"agentcast://sessions/{session_id}"

    async def scenario() -> None:
        async with http_client(mcp_server.endpoint, mcp_server.read_token, mode="auto") as client:
            assert client.session.discover_result is not None, "negotiated the handshake, not 2026-07-28"
            listed = await call(client, "list_sessions", {"query": session_id})
            assert [row["session_id"] for row in listed.structured_content["sessions"]] == [session_id]
            async with client.listen(resource_subscriptions=[uri]) as subscription:
                mcp_server.publish(session_id, ["third line"])

                async def first_update() -> str:
                    async for event in subscription:
                        return str(event)
                    raise AssertionError("the subscription ended")

                assert uri in await within(first_update(), NOTIFY_WAIT_S)

    asyncio.run(scenario())


def test_a_refused_token_is_an_http_401(mcp_server: McpServer) -> None:
    """`/mcp` checks tokens as every REST route does: 401 with the reason, and the SDK fails."""
    initialize = {
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    for headers in [{}, {"Authorization": "Bearer not-a-token"}]:
        response = requests.post(
            mcp_server.endpoint, json=initialize, timeout=WAIT_S,
            headers={"Accept": "application/json, text/event-stream", **headers},
        )
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthorized"

    async def scenario() -> None:
        with pytest.raises(Exception) as refused:
            async with http_client(mcp_server.endpoint, "not-a-token"):
                pass
        assert "MCPError" in repr(refused.value), repr(refused.value)

    asyncio.run(scenario())


def test_publish_test_event_only_in_dev_mode(tmp_path: Path, session_id: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = Server(data_dir, auth=True, args=["--dev"])
    try:
        dev = McpServer(server)

        async def scenario() -> None:
            async with http_client(dev.endpoint, dev.write_token) as client:
                tools = {tool.name for tool in (await within(client.list_tools())).tools}
                assert "publish_test_event" in tools
                published = await call(client, "publish_test_event", {"session_id": session_id, "text": "from a test"})
                assert published.structured_content == {"head_offset": 1}
                events = await call(client, "get_events", {"session_id": session_id})
                assert [e["data"]["text"] for e in events.structured_content["events"]] == ["from a test"]
            async with http_client(dev.endpoint, dev.read_token) as client:
                refused = await within(client.call_tool("publish_test_event", {"session_id": session_id, "text": "x"}))
                assert refused.is_error and "write scope" in text_of(refused)

        asyncio.run(scenario())
    finally:
        server.stop()


def test_stdio_reports_an_unreachable_server_on_each_call(tmp_path: Path) -> None:
    """`agentcast mcp` starts without its server; a call says the server is unreachable."""

    async def scenario() -> None:
        params = StdioServerParameters(
            command=str(binary_path()),
            args=["mcp", "--server", "http://127.0.0.1:9", "--token", "t"],
        )
        async with Client(params, mode="legacy", read_timeout_seconds=WAIT_S) as client:
            result = await within(client.call_tool("list_sessions", {}), 30.0)
            assert result.is_error and "unreachable" in text_of(result), text_of(result)

    asyncio.run(scenario())


def test_stdio_survives_a_server_restart(tmp_path: Path, session_id: str) -> None:
    """`agentcast mcp` outlives its server: after a SIGKILL and a restart on the same port, the
    next call reconnects (a new MCP session upstream) and the subscription is made again, so
    updates keep coming."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    servers = [Server(data_dir, auth=True, args=["--mcp-notify-interval-ms", "200"])]
    url = servers[0].url
    uri = f"agentcast://sessions/{session_id}"
    try:
        first = McpServer(servers[0])
        first.publish(session_id, ["before the restart"])

        async def scenario() -> None:
            notifications = Notifications()
            async with stdio_client(first, first.read_token, notifications) as client:
                listed = await call(client, "list_sessions", {"query": session_id})
                assert len(listed.structured_content["sessions"]) == 1
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", MCPDeprecationWarning)
                    await within(client.subscribe_resource(uri))

                servers[0].proc.kill()
                servers[0].proc.wait(timeout=WAIT_S)
                servers[0].stop()
                port = url.rsplit(":", 1)[1]
                servers.append(Server(data_dir, auth=True, bind=f"127.0.0.1:{port}", args=["--mcp-notify-interval-ms", "200"]))
                again = McpServer(servers[-1])

                events = await call(client, "get_events", {"session_id": session_id})
                assert [e["data"]["text"] for e in events.structured_content["events"]] == ["before the restart"]
                again.publish(session_id, ["after the restart"])
                await notifications.next_for(uri)

        asyncio.run(scenario())
    finally:
        for server in servers:
            server.stop()
