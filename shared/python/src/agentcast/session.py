"""A session namespace: its events exactly once and in offset order, and its commands.

The stream tracks the last offset it yielded. Every (re)connect sends auth
`{token, offset: last}`, so the server replays what was missed before live events; offsets
at or below `last` are duplicates and dropped. A jump in offsets (a gap, e.g. after
`session.recovered {recovered: false}`) is filled by paging `get_history` before the event
that revealed it. Reconnects use exponential backoff with jitter and survive a server restart
for up to `Settings.reconnect_timeout`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from pydantic import ValidationError

from .connection import Connection, Settings, open_with_retry
from .envelopes import parse_envelope
from .errors import AgentcastError, CommandTimeout, ConnectionLost, ProtocolError
from .models import (
    AnyEnvelope,
    EndResult,
    Envelope,
    Event,
    GetHistoryArgs,
    HistoryPage,
    InterruptResult,
    PermissionDecision,
    PermissionRespondArgs,
    PermissionResponded,
    PromptArgs,
    PromptResult,
    PublishArgs,
    PublishResult,
    SessionStatusReport,
    SubscribeArgs,
    Subscription,
)

log = logging.getLogger("agentcast")


def matches(event_type: str, patterns: Sequence[str]) -> bool:
    """True when a pattern (`*`, `tool.*`, `output.text`) admits `event_type`, as the server's
    `shared/src/pattern.rs` matches."""
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


class Session:
    """The namespace `/sessions/{id}`. Iterate it (once) for its events; call its commands at
    any time. The stream and the commands use two sockets: a command never waits behind a
    replay, and a reconnecting stream never cuts a command short."""

    def __init__(self, url: str, token: str | None, session_id: str, from_offset: int | None, settings: Settings) -> None:
        self.session_id = session_id
        self._url = url
        self._token = token
        self._settings = settings
        self._last = from_offset
        self._patterns: list[str] | None = None
        self._stream_connection: Connection | None = None
        self._command_connection: Connection | None = None
        self._streaming = False
        self._closed = False
        self.reconnects = 0
        """How many times the stream lost its connection and connected again."""

    @property
    def last_offset(self) -> int | None:
        """The last offset yielded (or the one the stream starts after)."""
        return self._last

    def __aiter__(self) -> AsyncIterator[AnyEnvelope]:
        if self._streaming:
            raise AgentcastError("busy", f"session {self.session_id} is already being iterated")
        self._streaming = True
        return self._stream()

    async def _open(self, stream: bool) -> Connection:
        if self._closed:
            raise AgentcastError("closed", f"session {self.session_id} was closed")
        auth: dict[str, Any] = {}
        if self._token is not None:
            auth["token"] = self._token
        if stream and self._last is not None:
            auth["offset"] = self._last
        namespace = f"/sessions/{self.session_id}"
        return await open_with_retry(self._url, namespace, auth, self._settings, stream)

    async def _commands(self) -> Connection:
        """The command socket, (re)connected when needed."""
        current = self._command_connection
        if current is None or current.closed.is_set():
            current = self._command_connection = await self._open(stream=False)
        return current

    async def _stream(self) -> AsyncIterator[AnyEnvelope]:
        try:
            while True:
                # Raises `ConnectionLost` once the server stayed away for the reconnect timeout.
                connection = self._stream_connection = await self._open(stream=True)
                try:
                    async for envelope in self._follow(connection):
                        yield envelope
                except (ConnectionLost, CommandTimeout) as error:
                    # A subscribe or a gap's `get_history` failed with the connection: the next
                    # one resumes after the last offset yielded.
                    log.info("session %s: %s", self.session_id, error)
                await connection.close()
                self.reconnects += 1
                log.info("session %s: connection lost (%s), reconnecting after offset %s",
                         self.session_id, connection.reason, self._last)
        finally:
            # The loop broke or the stream failed: nothing reads this socket any more.
            self._streaming = False
            if self._stream_connection is not None:
                await self._stream_connection.close()
                self._stream_connection = None

    async def _follow(self, connection: Connection) -> AsyncIterator[AnyEnvelope]:
        """The new events of one connection, until it closes."""
        if self._patterns is not None:
            await connection.command("subscribe", SubscribeArgs(patterns=self._patterns), Subscription)
        while (item := await connection.next_event()) is not None:
            envelope = self._envelope(*item)
            if envelope is None:
                continue
            if envelope.offset == 0:
                if envelope.type == "session.recovered":
                    # Protocol, not content: a replay the stream checks by offsets anyway.
                    log.info("session %s: %s", self.session_id, envelope.data)
                else:
                    # Any other ephemeral event is not part of the stream either: passed on.
                    yield envelope
                continue
            if self._last is not None and envelope.offset <= self._last:
                continue
            if self._last is not None and envelope.offset > self._last + 1 and self._unfiltered():
                async for missed in self._fill(connection, envelope.offset):
                    yield missed
                if envelope.offset <= self._last:
                    continue
            self._last = envelope.offset
            yield envelope

    def _envelope(self, event: str, raw: Any) -> AnyEnvelope | None:
        """The typed envelope of one received event; a generic `Envelope` when a known type's
        data does not fit its model; None (logged) for what is not an envelope at all."""
        try:
            envelope = parse_envelope(raw)
        except ProtocolError as error:
            try:
                envelope = Envelope.model_validate(raw)
            except ValidationError:
                log.warning("session %s: event %r dropped: %s", self.session_id, event, error)
                return None
            log.warning("session %s: %s; passed on untyped", self.session_id, error)
        if self._patterns is not None and not matches(envelope.type, self._patterns):
            # Replayed before the subscription was restored after a reconnect.
            return None
        return envelope

    def _unfiltered(self) -> bool:
        return self._patterns is None or "*" in self._patterns

    async def _fill(self, connection: Connection, before: int) -> AsyncIterator[AnyEnvelope]:
        """Pages `get_history` for the offsets between the last yielded and `before`; what
        the server no longer holds is skipped."""
        while self._last is not None and self._last + 1 < before:
            # With `after`, the server pages forward: the oldest matching events first.
            start = self._last
            args = GetHistoryArgs(after=start, before=before, limit=self._settings.history_page)
            ack = await connection.command("get_history", args, _RawHistory)
            for raw in ack.events:
                envelope = self._envelope("get_history", raw)
                if envelope is None or envelope.offset <= self._last or envelope.offset >= before:
                    continue
                self._last = envelope.offset
                yield envelope
            if not ack.has_more or self._last == start:
                break
        if self._last is not None and self._last + 1 < before:
            log.warning("session %s: offsets %s..%s are no longer stored", self.session_id, self._last + 1, before - 1)

    # The commands of a session namespace.

    async def get_history(
        self,
        *,
        types: Sequence[str] | None = None,
        after: int | None = None,
        before: int | None = None,
        limit: int | None = None,
    ) -> HistoryPage:
        """`get_history`: a page of stored events (at most 1000)."""
        args = GetHistoryArgs(types=list(types) if types is not None else None, after=after, before=before, limit=limit)
        return await (await self._commands()).command("get_history", args, HistoryPage)

    async def get_status(self) -> SessionStatusReport:
        """`get_status`: the session's state, head offset, clients and open permissions."""
        return await (await self._commands()).command("get_status", None, SessionStatusReport)

    async def publish(self, events: Sequence[Event]) -> PublishResult:
        """`publish` (write scope): append typed events, e.g.
        `[OutputTextEvent(type="output.text", data=OutputText(...))]`."""
        return await (await self._commands()).command("publish", PublishArgs(events=list(events)), PublishResult)

    async def subscribe(self, patterns: Sequence[str]) -> Subscription:
        """`subscribe` on the stream's socket: receive only these patterns from now on (kept
        across reconnects). A filtered stream is not gap-checked: its offsets skip the other
        types. Before the stream connects, the server's answer comes from the command socket."""
        args = SubscribeArgs(patterns=list(patterns))
        stream = self._stream_connection
        connection = stream if stream is not None and not stream.closed.is_set() else await self._commands()
        subscription = await connection.command("subscribe", args, Subscription)
        self._patterns = list(patterns)
        return subscription

    async def prompt(self, text: str) -> PromptResult:
        """`prompt` (control scope): the agent's next prompt; queued while a turn runs."""
        return await (await self._commands()).command("prompt", PromptArgs(text=text), PromptResult)

    async def interrupt(self) -> InterruptResult:
        """`interrupt` (control scope): stop the running turn."""
        return await (await self._commands()).command("interrupt", None, InterruptResult)

    async def respond_permission(
        self,
        request_id: str,
        decision: PermissionDecision,
        *,
        message: str | None = None,
        updated_input: Any | None = None,
    ) -> PermissionResponded:
        """`permission.respond` (control scope): answer a `permission.requested`. The first
        answer wins; a later one fails with code `already_resolved`."""
        args = PermissionRespondArgs(request_id=request_id, decision=decision, message=message, updated_input=updated_input)
        return await (await self._commands()).command("permission.respond", args, PermissionResponded)

    async def end(self) -> EndResult:
        """`end` (control scope): end the session once the agent has finished."""
        return await (await self._commands()).command("end", None, EndResult)

    async def close(self) -> None:
        """Disconnects; iterating or a command afterwards raises `AgentcastError` `closed`."""
        self._closed = True
        for connection in (self._stream_connection, self._command_connection):
            if connection is not None:
                await connection.close()
        self._stream_connection = self._command_connection = None


class _RawHistory(HistoryPage):
    """A `get_history` page whose events stay plain JSON, to be typed one by one."""

    events: list[Any]


__all__ = ["Session", "matches"]
