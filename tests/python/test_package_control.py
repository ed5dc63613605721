"""The `agentcast` package answers the agent: the control commands with typed results and errors,
against the real `claude` in control mode (the `controlled` fixture of test_control_claude.py:
a server whose agents talk to the scripted fake Messages API).

A session started through `POST /api/sessions` asks permission for a Bash command; the package
denies it (`respond_permission`), a second answer gets `already_resolved`, `prompt` runs a
second turn, `interrupt` with no turn running says so, and `end` ends the session. Every wait
is bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import requests

import agentcast
from agentcast.models import (
    AnyEnvelope,
    PermissionRequestedEnvelope,
    PermissionResolvedEnvelope,
    SessionEndedEnvelope,
    SessionStatusEnvelope,
    UserPromptEnvelope,
)
from claude import claude_bin
from conftest import WAIT_S
from test_control_claude import DENIAL, TURN_S, Controlled, controlled  # noqa: F401 - the fixture


async def until(events: AsyncIterator[AnyEnvelope], what: str, match: Callable[[AnyEnvelope], bool]) -> AnyEnvelope:
    """The next event that `match`es, within a turn's time."""

    async def scan() -> AnyEnvelope:
        async for event in events:
            if match(event):
                return event
        raise AssertionError(f"the stream ended before {what}")

    try:
        return await asyncio.wait_for(scan(), TURN_S)
    except asyncio.TimeoutError:
        raise AssertionError(f"no {what} within {TURN_S} s") from None


def idle(event: AnyEnvelope) -> bool:
    return isinstance(event, SessionStatusEnvelope) and event.data.status == "idle"


def test_the_package_denies_a_permission_prompts_interrupts_and_ends(controlled: Controlled) -> None:
    script = controlled.fake.script
    started = requests.post(
        f"{controlled.server.url}/api/sessions",
        json={"command": [str(claude_bin())], "prompt": controlled.fake.scenarios["permission"], "cwd": str(controlled.home.cwd)},
        timeout=WAIT_S,
    )
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]

    async def main() -> None:
        async with agentcast.connect(controlled.server.url) as hub:
            session = hub.session(session_id, from_offset=0)
            events = aiter(session)

            asked = await until(events, "permission.requested", lambda e: isinstance(e, PermissionRequestedEnvelope))
            assert isinstance(asked, PermissionRequestedEnvelope)
            assert asked.data.tool_name == "Bash" and asked.data.tool_use_id == script["permission_tool_id"]
            assert (await session.get_status()).controllable

            answer = await session.respond_permission(asked.data.request_id, "deny", message=DENIAL)
            assert (answer.request_id, answer.decision) == (asked.data.request_id, "deny")
            with pytest.raises(agentcast.AgentcastError) as late:
                await session.respond_permission(asked.data.request_id, "allow")
            assert late.value.code == "already_resolved", late.value
            resolved = await until(events, "permission.resolved", lambda e: isinstance(e, PermissionResolvedEnvelope))
            assert isinstance(resolved, PermissionResolvedEnvelope)
            assert (resolved.data.decision, resolved.data.reason) == ("deny", "answered")
            await until(events, "idle after the first turn", idle)
            assert not (controlled.home.cwd / script["permission_file"]).exists(), "the denied command did not run"

            sent = await session.prompt(script["chat_prompt_2"])
            assert (sent.queued, sent.ahead) == (False, 0)
            prompted = await until(events, "user.prompt", lambda e: isinstance(e, UserPromptEnvelope))
            assert isinstance(prompted, UserPromptEnvelope) and prompted.data.text == script["chat_prompt_2"]
            await until(events, "idle after the second turn", idle)

            assert (await session.interrupt()).interrupted is False, "no turn was running"
            assert (await session.end()).ending
            ended = await until(events, "session.ended", lambda e: isinstance(e, SessionEndedEnvelope))
            assert isinstance(ended, SessionEndedEnvelope) and ended.data.status == "completed"

    asyncio.run(asyncio.wait_for(main(), 4 * TURN_S))
