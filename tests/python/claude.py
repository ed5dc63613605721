"""The real Claude Code CLI, offline, for the python-socketio tests: the Python side of
tests/src/agents (TOOLCHAIN.md, "Real agents, offline"), as tests/js/lib/claude.mjs.

The CLI is `$AGENTCAST_CLAUDE_BIN`, else the platform binary tests/agents installed (npm blocks
its postinstall here, so it is run directly); the scripted fake Messages API is
`$AGENTCAST_FAKE_MODEL_API`, else target/debug/agentcast-fake-model-api (`cargo xtask test`
builds it). Without them a test skips with a notice, except under CI (`CI` set, or
AGENTCAST_REQUIRE_FIXTURES=1) where their absence fails it. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO_ROOT

READY_TIMEOUT_S = 30.0


def claude_bin() -> Path:
    default = REPO_ROOT / "tests" / "agents" / "node_modules" / "@anthropic-ai" / "claude-code-linux-x64" / "claude"
    return Path(os.environ.get("AGENTCAST_CLAUDE_BIN") or default)


def fake_model_api_bin() -> Path:
    return Path(os.environ.get("AGENTCAST_FAKE_MODEL_API") or REPO_ROOT / "target" / "debug" / "agentcast-fake-model-api")


def _required() -> bool:
    """Whether a missing tool fails the test instead of skipping it (as `required()` in Rust)."""
    ci = os.environ.get("CI")
    return (ci is not None and ci not in ("", "false", "0")) or os.environ.get("AGENTCAST_REQUIRE_FIXTURES") == "1"


def require_tools() -> None:
    """Skips the test with a notice when the CLI or the fake is missing; fails instead under CI."""
    missing = [str(tool) for tool in (claude_bin(), fake_model_api_bin()) if not tool.exists()]
    if not missing:
        return
    notice = (
        f"{', '.join(missing)} missing: run `cargo xtask test --only install` and "
        "`cargo build -p agentcast-tests --bin agentcast-fake-model-api`"
    )
    if _required():
        pytest.fail(f"{notice} (CI needs them)")
    pytest.skip(notice)


class AgentHome:
    """A temp HOME laid out as a developer's machine (`<root>/dev` is HOME, `<root>/dev/example-app`
    the project), as tests/src/agents/home.rs."""

    def __init__(self, root: Path) -> None:
        # The real path: Claude Code records the resolved working directory.
        root = root.resolve()
        self.home = root / "dev"
        self.cwd = self.home / "example-app"
        self.cwd.mkdir(parents=True)


class FakeModelApi:
    """`agentcast-fake-model-api --home HOME`: `env` (what a `claude` run needs), `unset` (variables to
    remove), `scenarios` (the prompt of each), `script` (the ids, commands and texts they use)."""

    def __init__(self, home: Path, log_path: Path) -> None:
        self.log_path = log_path
        # Its stderr goes to a file: a pipe nobody reads while it serves could fill up.
        with open(log_path, "wb") as stderr:
            self.proc = subprocess.Popen(
                [str(fake_model_api_bin()), "--home", str(home)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        lines: queue.Queue[bytes] = queue.Queue()

        def first_line() -> None:
            assert self.proc.stdout is not None
            lines.put(self.proc.stdout.readline())

        threading.Thread(target=first_line, name="fake-model-api-stdout", daemon=True).start()
        try:
            line = lines.get(timeout=READY_TIMEOUT_S)
        except queue.Empty:
            self.stop()
            pytest.fail(f"the fake model API printed no ready line within {READY_TIMEOUT_S} s")
        if not line:
            self.stop()
            pytest.fail(f"the fake model API exited before it was ready: {self.log()}")
        ready: dict[str, Any] = json.loads(line)
        self.env: dict[str, str] = ready["env"]
        self.unset: list[str] = ready["unset"]
        self.scenarios: dict[str, str] = ready["scenarios"]
        self.script: dict[str, str] = ready["script"]

    def stop(self) -> None:
        """Closes its stdin, which ends it; a kill bounds a stuck one."""
        if self.proc.poll() is None:
            try:
                self.proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate(timeout=5)

    def log(self) -> str:
        """What it printed on stderr: once stopped, the replies it gave, by step."""
        return self.log_path.read_text("utf-8", "replace")
