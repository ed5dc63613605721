"""One Socket.IO connection to one namespace, and the command round trip over it.

A `Connection` owns a python-socketio `AsyncClient` (its own reconnection off: the session
stream reconnects itself, with the offset it has applied) and, when it carries a stream, a
bounded queue of the events received. `open_with_retry` connects with exponential backoff
and jitter until a deadline; `command` sends an event with an acknowledgement and unwraps
`{"ok": ...}` / `{"error": {code, message}}`.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from dataclasses import dataclass
from typing import Any, TypeVar

import socketio  # type: ignore[import-untyped]
from pydantic import BaseModel, ValidationError

from .errors import AgentcastError, CommandTimeout, ConnectionLost, ConnectRefused, ProtocolError
from .models import ErrorBody

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Settings:
    """Every limit and timeout of a client, in seconds and counts."""

    command_timeout: float = 10.0
    """How long a command waits for its acknowledgement."""
    connect_timeout: float = 10.0
    """How long one connection attempt may take."""
    reconnect_timeout: float = 120.0
    """How long to keep trying to reach the server again before `ConnectionLost`."""
    backoff_initial: float = 0.5
    """The first wait between attempts; it doubles (`backoff_factor`) up to `backoff_max`."""
    backoff_factor: float = 2.0
    backoff_max: float = 10.0
    queue_size: int = 1000
    """Events received and not yet read. A reader that falls further behind is disconnected
    and recovers by offset, as the server does with a slow socket."""
    history_page: int = 1000
    """Events per `get_history` page when filling a gap (the server caps it at 1000)."""
    transports: tuple[str, ...] | None = None
    """Engine.IO transports (`("websocket",)`, `("polling",)`); None: polling, then upgrade."""


class Unreachable(Exception):
    """One connection attempt failed for a reason a later attempt may not have."""


class Connection:
    """A connected namespace; `closed` is set once it is gone, for whatever reason."""

    def __init__(self, url: str, namespace: str, auth: dict[str, Any], settings: Settings, stream: bool) -> None:
        self.url = url
        self.namespace = namespace
        self.settings = settings
        self.closed = asyncio.Event()
        self.reason = ""
        self._auth = auth
        self.carries_stream = stream
        """True when received events are queued for `next_event`."""
        # A deque and an event rather than an asyncio.Queue: the "closed" wake-up must get
        # through even when the queue is full.
        self._events: deque[tuple[str, Any]] = deque()
        self._ready = asyncio.Event()
        self._refused: str | None = None
        self._disconnecting: asyncio.Future[None] | None = None
        self._client = socketio.AsyncClient(reconnection=False, request_timeout=settings.connect_timeout)
        # python-socketio runs each message handler as its own task, in arrival order; these
        # handlers are plain functions that never suspend, so they also finish in that order.
        self._client.on("*", self._on_event, namespace=namespace)
        self._client.on("disconnect", self._on_disconnect, namespace=namespace)
        self._client.on("connect_error", self._on_connect_error, namespace=namespace)

    def _on_event(self, event: str, *args: Any) -> None:
        if not self.carries_stream or self.closed.is_set():
            return
        if len(self._events) >= self.settings.queue_size:
            self._close(f"more than {self.settings.queue_size} events unread")
            self._disconnecting = asyncio.ensure_future(self._disconnect())
            return
        self._events.append((event, args[0] if args else None))
        self._ready.set()

    def _on_disconnect(self, reason: Any = None) -> None:
        self._close(f"disconnected ({reason})")

    def _on_connect_error(self, data: Any = None) -> None:
        message = data.get("message") if isinstance(data, dict) else data
        self._refused = str(message)

    def _close(self, reason: str) -> None:
        if not self.closed.is_set():
            self.reason = reason
            self.closed.set()
            self._ready.set()

    async def open(self) -> None:
        """One attempt. Raises `ConnectRefused` when the server refused the namespace,
        `Unreachable` for anything a later attempt may not meet."""
        try:
            await self._client.connect(
                self.url,
                namespaces=[self.namespace],
                auth=self._auth,
                transports=list(self.settings.transports) if self.settings.transports else None,
                wait_timeout=self.settings.connect_timeout,
            )
        except socketio.exceptions.ConnectionError as error:
            # python-socketio reports a transport failure through `connect_error` too; only a
            # namespace the server answered with CONNECT_ERROR lands in `failed_namespaces`.
            refused = bool(self._client.failed_namespaces)
            await self.close()
            if refused:
                raise ConnectRefused(self._refused or str(error)) from error
            raise Unreachable(str(error) or type(error).__name__) from error

    async def next_event(self) -> tuple[str, Any] | None:
        """The next event received, in order; None once the connection is closed."""
        while not self._events:
            if self.closed.is_set():
                return None
            self._ready.clear()
            await self._ready.wait()
        if self.closed.is_set():
            # Events after a close may be incomplete (an overflow dropped some): the stream
            # reconnects from the last offset it applied instead.
            return None
        return self._events.popleft()

    async def command(self, name: str, args: BaseModel | None, result: type[T]) -> T:
        """Sends `name` with `args`, waits for the acknowledgement, returns its `ok` as `result`.
        Raises `AgentcastError` with the server's code for an `error` acknowledgement."""
        payload = {} if args is None else args.model_dump(mode="json", by_alias=True, exclude_none=True)
        timeout = self.settings.command_timeout
        if self.closed.is_set():
            raise ConnectionLost(f"`{name}`: the connection is closed ({self.reason})")
        # python-socketio waits out the whole timeout when the connection drops under a call:
        # race the call against the close instead.
        call = asyncio.ensure_future(self._client.call(name, payload, namespace=self.namespace, timeout=timeout))
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            done, _ = await asyncio.wait({call, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            call.cancel()  # a no-op once it is done
        if call not in done:
            raise ConnectionLost(f"`{name}`: the connection closed before the answer ({self.reason})")
        try:
            ack = call.result()
        except socketio.exceptions.TimeoutError as error:
            raise CommandTimeout(name, timeout) from error
        except (socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError) as error:
            raise ConnectionLost(f"`{name}`: the connection is closed") from error
        return unwrap_ack(name, ack, result)

    async def close(self) -> None:
        """Disconnects, once: python-engineio's disconnect is not safe to run twice at a time
        (the second waits out the ping timeout), and a stream's end and `Session.close` may
        both come here."""
        self._close("closed by the client")
        if self._disconnecting is None:
            self._disconnecting = asyncio.ensure_future(self._disconnect())
        await asyncio.shield(self._disconnecting)

    async def _disconnect(self) -> None:
        try:
            await self._client.disconnect()
        except Exception:  # noqa: BLE001 - a connection that is already gone has nothing to close
            pass


def unwrap_ack(name: str, ack: Any, result: type[T]) -> T:
    """`{"ok": <result>}` into `result`; `{"error": {code, message}}` into `AgentcastError`."""
    if isinstance(ack, dict) and "error" in ack:
        try:
            body = ErrorBody.model_validate(ack["error"])
        except ValidationError as error:
            raise ProtocolError(f"`{name}`: malformed error acknowledgement {ack!r}") from error
        raise AgentcastError(body.code, body.message)
    if not isinstance(ack, dict) or "ok" not in ack:
        raise ProtocolError(f"`{name}`: expected {{ok}} or {{error}}, got {ack!r}")
    try:
        return result.model_validate(ack["ok"])
    except ValidationError as error:
        raise ProtocolError(f"`{name}`: the result is not a {result.__name__}: {error}") from error


async def open_with_retry(
    url: str, namespace: str, auth: dict[str, Any], settings: Settings, stream: bool
) -> Connection:
    """Connects, retrying with exponential backoff and jitter for up to
    `settings.reconnect_timeout`; `ConnectRefused` is not retried."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.reconnect_timeout
    delay = settings.backoff_initial
    attempts = 0
    while True:
        attempts += 1
        connection = Connection(url, namespace, auth, settings, stream)
        try:
            await connection.open()
            return connection
        except Unreachable as error:
            # Full jitter on the upper half, so clients restarted together spread out.
            wait = delay * (0.5 + random.random() / 2)
            if loop.time() + wait > deadline:
                raise ConnectionLost(
                    f"{url} namespace {namespace}: not reachable after {attempts} attempts "
                    f"in {settings.reconnect_timeout} s: {error}"
                ) from error
            await asyncio.sleep(wait)
            delay = min(delay * settings.backoff_factor, settings.backoff_max)
