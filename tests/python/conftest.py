"""Fixtures for the python-socketio end-to-end tests of the real `agentcast` binary.

The binary is `$AGENTCAST_BIN`, or `<repo>/target/debug/agentcast` (`cargo build -p
agentcast-server`). One server per test session: `agentcast serve --bind 127.0.0.1:0 --data-dir
<tmp>`, ready when it prints `agentcast listening on http://127.0.0.1:PORT`; stopped with SIGTERM.
Every wait here is bounded.
"""

from __future__ import annotations

import os
import queue
import re
import secrets
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import socketio

REPO_ROOT = Path(__file__).resolve().parents[2]
# These tests are about the protocol, not security: no authentication and no rate limits
# (as tests/src/server.rs's TEST_DEFAULTS).
NO_AUTH = ["--auth", "none"]
NO_LIMITS = [
    "--connections-per-ip-per-s", "0",
    "--messages-per-socket-per-s", "0",
    "--http-requests-per-ip-per-s", "0",
]
TEST_DEFAULTS = NO_AUTH + NO_LIMITS
READY_LINE = re.compile(r"^agentcast listening on (http://\S+?)/?\s*$")
READY_TIMEOUT_S = 30.0
WAIT_S = 5.0


def binary_path() -> Path:
    return Path(os.environ.get("AGENTCAST_BIN") or REPO_ROOT / "target" / "debug" / "agentcast")


class Server:
    """A running `agentcast serve`; `url` is its base URL."""

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        unset: list[str] | None = None,
        auth: bool = False,
        args: list[str] | None = None,
        bind: str = "127.0.0.1:0",
    ) -> None:
        """`env` is set and `unset` removed in the server's environment, which the agents it starts
        (`POST /api/sessions`) inherit; the collector roots in the data directory stay. `auth`
        keeps token checks on (JWT with the data directory's key); `args` are more options;
        `bind`: a fixed address to restart a server on the same port."""
        self.data_dir = data_dir
        binary = binary_path()
        if not binary.exists():
            pytest.fail(f"agentcast binary not found at {binary}: run `cargo build -p agentcast-server` or set AGENTCAST_BIN")
        self.stderr_path = data_dir.parent / "agentcast.stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [
                str(binary), "serve", "--bind", bind, "--data-dir", str(data_dir),
                *(NO_LIMITS if auth else TEST_DEFAULTS), *(args or []),
            ],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.DEVNULL,
            # The collector's default roots point into the data directory, never at ~.
            env={
                **{k: v for k, v in os.environ.items() if k not in (unset or [])},
                **(env or {}),
                "CLAUDE_CONFIG_DIR": str(data_dir / "claude-home"),
                "CODEX_HOME": str(data_dir / "codex-home"),
            },
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            # Keeps reading stdout for the server's whole life so it never blocks on a full pipe.
            assert self.proc.stdout is not None
            for raw in self.proc.stdout:
                lines.put(raw.decode("utf-8", "replace"))
            lines.put(None)

        threading.Thread(target=pump, name="agentcast-stdout", daemon=True).start()
        self._lines = lines
        deadline = time.monotonic() + READY_TIMEOUT_S
        self.url = ""
        # What it printed and was read: up to its ready line, then what `printed_line` read.
        self.printed: list[str] = []
        while not self.url:
            left = deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(left, 0.001))
            except queue.Empty:
                self.stop()
                pytest.fail(f"agentcast printed no ready line within {READY_TIMEOUT_S} s\n{self.logs()}")
            if line is None:
                self.stop()
                pytest.fail(f"agentcast exited before it was ready (code {self.proc.poll()})\n{self.logs()}")
            self.printed.append(line.strip())
            match = READY_LINE.match(line.strip())
            if match:
                self.url = match.group(1)

    def printed_line(self, prefix: str, timeout: float = WAIT_S) -> str:
        """The first line it printed on stdout that starts with `prefix`, waiting for it."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.printed:
                if line.startswith(prefix):
                    return line
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.001))
            except queue.Empty:
                raise AssertionError(f"agentcast printed no `{prefix}` line within {timeout} s: {self.printed}") from None
            if line is None:
                raise AssertionError(f"agentcast exited without printing a `{prefix}` line: {self.printed}")
            self.printed.append(line.strip())

    def token(self, scope: str, sessions: str = "*") -> str:
        """A token signed with this server's key (`agentcast token create`)."""
        made = subprocess.run(
            [str(binary_path()), "token", "create", "--data-dir", str(self.data_dir), "--scope", scope, "--session", sessions],
            capture_output=True, text=True, timeout=WAIT_S, check=True,
        )
        return made.stdout.strip().splitlines()[-1]

    def logs(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text("utf-8", "replace")[-20000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._stderr.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("agentcast") / "data"
    data_dir.mkdir()
    srv = Server(data_dir)
    yield srv
    srv.stop()


class Recorder:
    """Records every event a client receives on one namespace, in arrival order."""

    def __init__(self, client: socketio.Client, namespace: str) -> None:
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self._cond = threading.Condition()
        client.on("*", self._on_any, namespace=namespace)

    def _on_any(self, event: str, *args: Any) -> None:
        with self._cond:
            self.events.append((event, args))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[str, tuple[Any, ...]], bool], what: str, timeout: float = WAIT_S) -> list[tuple[str, tuple[Any, ...]]]:
        """Waits until an event satisfies `predicate`; returns the events up to and including it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, (event, args) in enumerate(self.events):
                    if predicate(event, args):
                        return list(self.events[: i + 1])
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(e, a[0].get("offset") if a and isinstance(a[0], dict) else None) for e, a in self.events]
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; received {seen}")
                self._cond.wait(left)


class Clients:
    """Makes connected python-socketio clients and disconnects them all at teardown."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.clients: list[socketio.Client] = []

    def connect(
        self, namespace: str, transports: list[str] | None = None, record: bool = False, auth: dict[str, Any] | None = None
    ) -> tuple[socketio.Client, Recorder | None]:
        client = socketio.Client(reconnection=False, request_timeout=WAIT_S)
        self.clients.append(client)
        # Register the catch-all before connecting, so nothing sent right after connect is missed.
        recorder = Recorder(client, namespace) if record else None
        client.connect(self.server.url, namespaces=[namespace], transports=transports, auth=auth, wait_timeout=WAIT_S)
        return client, recorder

    def close(self) -> None:
        for client in self.clients:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass


@pytest.fixture
def clients(server: Server) -> Iterator[Clients]:
    made = Clients(server)
    yield made
    made.close()


@pytest.fixture
def session_id() -> str:
    """A fresh session id: its offsets start at 1."""
    return f"py-{secrets.token_hex(6)}"
