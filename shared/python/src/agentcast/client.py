"""`connect`: the hub namespace `/` and the sessions reached through it.

    async with agentcast.connect("http://127.0.0.1:8080", token=token) as hub:
        for summary in await hub.list_sessions():
            print(summary.session_id, summary.status)
        async for event in hub.session(session_id, from_offset=0):
            print(event.offset, event.type)
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from .connection import Connection, Settings, open_with_retry
from .errors import AgentcastError
from .models import HubStatusReport, SessionSummary, SubscribeArgs, Subscription
from .session import Session


class Hub:
    """The hub namespace `/`, connected; made by `connect`. Closing it closes every `Session`
    it made."""

    def __init__(self, url: str, token: str | None, settings: Settings) -> None:
        self.url = url.rstrip("/")
        self.settings = settings
        self._token = token
        self._connection: Connection | None = None
        self._sessions: list[Session] = []
        self._closed = False

    async def _connect(self) -> Connection:
        if self._closed:
            raise AgentcastError("closed", "the hub connection was closed")
        if self._connection is None or self._connection.closed.is_set():
            auth = {} if self._token is None else {"token": self._token}
            self._connection = await open_with_retry(self.url, "/", auth, self.settings, stream=False)
        return self._connection

    async def get_status(self) -> HubStatusReport:
        """`get_status` on `/`: server statistics and the sessions the token may see."""
        return await (await self._connect()).command("get_status", None, HubStatusReport)

    async def list_sessions(self) -> list[SessionSummary]:
        """The sessions the token may see (from `get_status`)."""
        return (await self.get_status()).sessions

    async def subscribe(self, patterns: Sequence[str]) -> Subscription:
        """`subscribe` on `/`: which hub events this socket receives."""
        connection = await self._connect()
        return await connection.command("subscribe", SubscribeArgs(patterns=list(patterns)), Subscription)

    def session(self, session_id: str, from_offset: int | None = 0) -> Session:
        """The session `session_id`. Iterating it yields every event after `from_offset`
        (0: the whole history; None: live events only), exactly once and in offset order,
        across reconnects and server restarts."""
        if self._closed:
            raise AgentcastError("closed", "the hub connection was closed")
        session = Session(self.url, self._token, session_id, from_offset, self.settings)
        self._sessions.append(session)
        return session

    async def close(self) -> None:
        self._closed = True
        for session in self._sessions:
            await session.close()
        self._sessions.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


class connect:  # noqa: N801 - used as `async with agentcast.connect(...)`, like a function
    """`async with connect(url, token=...) as hub`: connects to the hub namespace (retrying
    for up to `settings.reconnect_timeout`) and closes everything on exit."""

    def __init__(self, url: str, token: str | None = None, *, settings: Settings | None = None) -> None:
        self._hub = Hub(url, token, settings or Settings())

    async def __aenter__(self) -> Hub:
        try:
            await self._hub._connect()
        except BaseException:
            await self._hub.close()
            raise
        return self._hub

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._hub.close()
