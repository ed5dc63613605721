"""The errors the client raises: one base class with the code and message the server uses.

A command the server refused raises `AgentcastError` with the server's `code` (one of
`models.ErrorCode`: `bad_request`, `forbidden`, `not_found`, `already_resolved`...) and
`message`. Failures on this side use the subclasses below, with codes of their own.
"""

from __future__ import annotations


class AgentcastError(Exception):
    """A failure with a `code` for programs and a `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ConnectRefused(AgentcastError):
    """The server refused the namespace (a bad or expired token, a session the token may not
    see): the `connect_error` message, code `connect_refused`. Retrying would not help."""

    def __init__(self, message: str) -> None:
        super().__init__("connect_refused", message)


class ConnectionLost(AgentcastError):
    """The server could not be reached again within the reconnect timeout, or the connection
    is closed; code `connection_lost`."""

    def __init__(self, message: str) -> None:
        super().__init__("connection_lost", message)


class CommandTimeout(AgentcastError):
    """A command got no acknowledgement in time; code `timeout`."""

    def __init__(self, command: str, timeout: float) -> None:
        super().__init__("timeout", f"`{command}` got no answer within {timeout} s")
        self.command = command


class ProtocolError(AgentcastError):
    """The server sent something that does not fit the wire contract; code `protocol`."""

    def __init__(self, message: str) -> None:
        super().__init__("protocol", message)
