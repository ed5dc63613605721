"""The real Claude Code CLI as the MCP client of agentcast, set up as the README says.

The README's `claude mcp add agentcast -- agentcast mcp` is run as written (with the paths of the
binaries under test), in a Claude Code home of its own; then `claude -p` plays the fake Messages
API's `mcp` scenario, which calls `mcp__agentcast__list_sessions` then
`mcp__agentcast__server_status` and answers with the tool results it was sent. `agentcast mcp`
finds the server as a user's would on its machine: `AGENTCAST_SERVER`, and no token but the data
directory's key (`AGENTCAST_DATA_DIR`). The answer holds the ids of the sessions on the server.

Run: tests/python/.venv/bin/pytest tests/python/test_mcp_claude.py
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import requests

from claude import AgentHome, FakeModelApi, claude_bin, require_tools
from conftest import REPO_ROOT, WAIT_S, Server, binary_path
from mcp import Client
from test_mcp import call, http_client

# A `claude -p` run with two MCP calls, or a turn of a controlled one, on this 2-core machine
# (within pytest.ini's 120 s per test).
RUN_S = 60.0
README_MARKER = "<!-- test: tests/python/test_mcp_claude.py runs this command -->"


def readme_command() -> list[str]:
    """The command the README's MCP section gives, as words."""
    readme = (REPO_ROOT / "README.md").read_text("utf-8")
    block = re.search(re.escape(README_MARKER) + r"\s*```sh\n(.*?)\n```", readme, re.DOTALL)
    assert block, f"README.md has no ```sh block after {README_MARKER}"
    return shlex.split(block.group(1))


def with_binaries_under_test(words: list[str]) -> list[str]:
    """`claude ... -- agentcast ...` with the paths of the binaries under test."""
    assert words[0] == "claude" and "--" in words, words
    split = words.index("--")
    assert words[split + 1] == "agentcast", words
    return [str(claude_bin()), *words[1:split + 1], str(binary_path()), *words[split + 2:]]


async def until(client: Client, tool: str, arguments: dict[str, Any], done: Callable[[Any], bool]) -> Any:
    """Calls `tool` until its structured result satisfies `done` (a turn of the real CLI takes
    seconds); bounded by RUN_S."""
    deadline = time.monotonic() + RUN_S
    while True:
        result = (await call(client, tool, arguments)).structured_content
        if done(result):
            return result
        assert time.monotonic() < deadline, f"{tool} {arguments} never satisfied the wait: {result}"
        await asyncio.sleep(0.2)


def publish(server: Server, token: str, session_id: str, text: str) -> None:
    response = requests.post(
        f"{server.url}/api/sessions/{session_id}/publish",
        json={"events": [{"type": "output.text", "data": {"text": text, "delta": False}}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=WAIT_S,
    )
    assert response.status_code == 200, response.text


def test_claude_code_lists_the_sessions_through_agentcast_mcp(tmp_path: Path) -> None:
    require_tools()
    home = AgentHome(tmp_path / "agent")
    fake = FakeModelApi(home.home, tmp_path / "fake-model-api.log")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = Server(data_dir, auth=True)
    try:
        writer = server.token("write")
        sessions = [f"other-agent-{secrets.token_hex(4)}" for _ in range(2)]
        for session_id in sessions:
            publish(server, writer, session_id, f"working in {session_id}")

        env = {k: v for k, v in os.environ.items() if k not in fake.unset and not k.startswith("AGENTCAST_")}
        env.update(fake.env)
        # Where `agentcast mcp` finds its server and, with no token, the key to sign one with.
        env["AGENTCAST_SERVER"] = server.url
        env["AGENTCAST_DATA_DIR"] = str(data_dir)

        added = subprocess.run(
            with_binaries_under_test(readme_command()),
            cwd=home.cwd, env=env, capture_output=True, text=True, timeout=RUN_S,
        )
        assert added.returncode == 0, f"claude mcp add failed: {added.stdout}\n{added.stderr}"

        tools: list[str] = list(fake.script["mcp_tools"])
        run = subprocess.run(
            [
                str(claude_bin()), "-p", fake.scenarios["mcp"],
                "--output-format", "json", "--allowedTools", *tools,
            ],
            cwd=home.cwd, env=env, capture_output=True, text=True, timeout=RUN_S, stdin=subprocess.DEVNULL,
        )
        assert run.returncode == 0, f"claude -p failed ({run.returncode}): {run.stdout}\n{run.stderr}"
        result = json.loads(run.stdout)
        answer = result["result"]
        assert result["is_error"] is False, answer
        assert answer.startswith(fake.script["mcp_done_text"]), answer
        # The tool results Claude Code sent the model: the real sessions, the server's status.
        for session_id in sessions:
            assert session_id in answer, f"{session_id} not in the list_sessions result: {answer}"
        assert "uptime_s" in answer and "connections" in answer, answer
    finally:
        server.stop()
        fake.stop()
        print(f"fake model API: {fake.log().strip()}")


def test_an_agent_answers_another_through_mcp(tmp_path: Path) -> None:
    """With a control token, the MCP tools answer a real Claude Code that agentcast runs in
    control mode: its permission request is allowed (the command runs), a prompt runs a second
    turn, and an interrupt with no turn running says so."""
    require_tools()
    home = AgentHome(tmp_path / "agent")
    fake = FakeModelApi(home.home, tmp_path / "fake-model-api.log")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # The server's environment is the agent's: the claude it starts talks to the fake.
    server = Server(data_dir, env=fake.env, unset=fake.unset, auth=True)
    script = fake.script
    try:
        started = requests.post(
            f"{server.url}/api/sessions",
            json={"command": [str(claude_bin())], "prompt": fake.scenarios["permission"], "cwd": str(home.cwd)},
            headers={"Authorization": f"Bearer {server.token('admin')}"},
            timeout=WAIT_S,
        )
        assert started.status_code == 201, started.text
        session_id = started.json()["session_id"]

        async def scenario() -> None:
            async with http_client(f"{server.url}/mcp", server.token("control")) as client:
                row = await until(client, "get_session", {"session_id": session_id}, lambda s: bool(s["open_permissions"]))
                assert row["needs_you"] is True
                request = row["open_permissions"][0]
                assert request["tool_name"] == "Bash" and script["permission_command"] in request["summary"]
                answered = await call(client, "respond_permission", {
                    "session_id": session_id, "request_id": request["request_id"], "decision": "allow",
                })
                assert answered.structured_content == {"request_id": request["request_id"], "decision": "allow"}
                await until(client, "get_session", {"session_id": session_id}, lambda s: s["status"] == "idle")
                assert (home.cwd / script["permission_file"]).exists(), "the allowed command ran"

                sent = await call(client, "send_prompt", {"session_id": session_id, "text": script["chat_prompt_2"]})
                assert sent.structured_content == {"queued": False, "ahead": 0}
                # The answer streams in pieces; the transcript joins them.
                await until(
                    client, "get_transcript", {"session_id": session_id},
                    lambda transcript: script["chat_answer_2"] in transcript["markdown"],
                )
                await until(client, "get_session", {"session_id": session_id}, lambda s: s["status"] == "idle")
                interrupted = await call(client, "interrupt", {"session_id": session_id})
                assert interrupted.structured_content == {"interrupted": False}

                resolved = await call(client, "get_events", {"session_id": session_id, "types": ["permission.resolved"]})
                [event] = resolved.structured_content["events"]
                assert event["data"]["decision"] == "allow" and event["data"]["reason"] == "answered"

        asyncio.run(scenario())
    finally:
        server.stop()
        fake.stop()
        print(f"fake model API: {fake.log().strip()}")
