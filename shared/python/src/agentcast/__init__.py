"""agentcast: a typed asyncio client for the agentcast hub.

- `connect(url, token=...)`: `async with` it for a `Hub` (the namespace `/`).
- `Hub.session(id, from_offset=0)`: a `Session`; `async for event in session` yields typed
  envelopes exactly once and in offset order across reconnects and server restarts
  (recovery by offset); its commands: `get_history`, `get_status`, `publish`, `subscribe`,
  and the control commands `prompt`, `interrupt`, `respond_permission`, `end`.
- `models`: every wire type, generated from the Rust types (`KnownEnvelope` is the union of
  the typed envelopes, discriminated on `type`; `Envelope` is the generic one).
- `errors`: `AgentcastError` (`code`, `message`) and its subclasses.
- `Settings`: every timeout and limit.
"""

from . import models
from .client import Hub, connect
from .connection import Settings
from .envelopes import KNOWN_TYPES, parse_envelope
from .errors import AgentcastError, CommandTimeout, ConnectionLost, ConnectRefused, ProtocolError
from .session import Session

__all__ = [
    "KNOWN_TYPES",
    "AgentcastError",
    "CommandTimeout",
    "ConnectRefused",
    "ConnectionLost",
    "Hub",
    "ProtocolError",
    "Session",
    "Settings",
    "connect",
    "models",
    "parse_envelope",
]
