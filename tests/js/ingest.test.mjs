// `agentcast run -- <fake agent> <fixture>` and `cat fixture | agentcast pipe`, watched by the
// official socket.io-client: both give the event sequence of the fixture, run adding the
// process's own start and end around it.
//
// The fixtures are the shared Claude Code transcripts beside the repository
// (../shared/fixtures/claude-stream-json). Without them the tests print a notice and skip,
// unless AGENTCAST_REQUIRE_FIXTURES=1 (CI), which makes that a failure.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { io } from "socket.io-client";

import { binaryPath, startServer } from "./lib/server.mjs";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURES = resolve(REPO_ROOT, "..", "shared", "fixtures", "claude-stream-json");
const FAKE_AGENT = process.env.AGENTCAST_FAKE_AGENT || join(REPO_ROOT, "target", "debug", "agentcast-fake-agent");
const TIMEOUT_MS = 30_000;

function fixtures(t) {
  if (existsSync(FIXTURES)) {
    return readdirSync(FIXTURES).filter((f) => /\.(jsonl|ndjson)$/.test(f)).sort().map((f) => join(FIXTURES, f));
  }
  assert.notEqual(process.env.AGENTCAST_REQUIRE_FIXTURES, "1", `fixtures not found at ${FIXTURES}`);
  t.skip(`fixtures not found at ${FIXTURES}; set AGENTCAST_REQUIRE_FIXTURES=1 to fail instead`);
  return null;
}

/** Connects a socket.io-client to the session and collects envelopes until session.ended. */
async function watch(url, sessionId) {
  const socket = io(`${url}/sessions/${sessionId}`, { transports: ["websocket"], forceNew: true });
  const events = [];
  const ended = new Promise((resolveEnded, reject) => {
    const timer = setTimeout(() => reject(new Error(`no session.ended after ${events.length} events`)), TIMEOUT_MS);
    socket.onAny((name, envelope) => {
      events.push({ name, envelope });
      if (name === "session.ended") {
        clearTimeout(timer);
        resolveEnded();
      }
    });
  });
  await new Promise((resolveConnect, reject) => {
    socket.once("connect", resolveConnect);
    socket.once("connect_error", reject);
  });
  return { events, ended, close: () => socket.close() };
}

/** Runs the agentcast binary; resolves with its exit code. */
function agentcast(args, stdinFile) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(binaryPath(), args, { stdio: [stdinFile ? "pipe" : "ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    if (stdinFile) createReadStream(stdinFile).pipe(child.stdin);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`agentcast ${args[0]} did not finish: ${stderr}`));
    }, TIMEOUT_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolveRun({ code, stderr });
    });
  });
}

describe("agentcast run and pipe, watched by socket.io-client", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("give the fixture's sequence, in offset order, for every fixture", async (t) => {
    const files = fixtures(t);
    if (!files) return;
    assert.equal(files.length, 4);
    for (const [i, file] of files.entries()) {
      const piped = await watch(server.url, `js-pipe-${i}`);
      const pipe = await agentcast(["pipe", "--server", server.url, "--session", `js-pipe-${i}`], file);
      assert.equal(pipe.code, 0, pipe.stderr);
      await piped.ended;
      piped.close();

      const watched = await watch(server.url, `js-run-${i}`);
      const run = await agentcast(
        ["run", "--server", server.url, "--session", `js-run-${i}`, "--", FAKE_AGENT, file, "--chunk", "1"],
      );
      assert.equal(run.code, 0, run.stderr);
      await watched.ended;
      watched.close();

      for (const { events } of [piped, watched]) {
        assert.deepEqual(events.map((e) => e.envelope.offset), events.map((_, k) => k + 1), "offsets 1..N");
        for (const { name, envelope } of events) assert.equal(envelope.type, name);
      }
      const pipeTypes = piped.events.map((e) => e.name);
      const expected = ["session.started", "session.status", ...pipeTypes.filter((n) => n !== "session.ended"), "session.ended"];
      assert.deepEqual(watched.events.map((e) => e.name), expected, `run of ${file}`);
      const ended = watched.events.at(-1).envelope.data;
      assert.equal(ended.exit_code, 0);
      assert.equal(ended.status, "completed");
    }
  });

  it("map the tool turn fixture to its tool call", async (t) => {
    const files = fixtures(t);
    if (!files) return;
    const toolTurn = files.find((f) => f.includes("04_"));
    const piped = await watch(server.url, "js-tools");
    const pipe = await agentcast(["pipe", "--server", server.url, "--session", "js-tools"], toolTurn);
    assert.equal(pipe.code, 0, pipe.stderr);
    await piped.ended;
    piped.close();
    const started = piped.events.find((e) => e.name === "tool.started").envelope.data;
    const completed = piped.events.find((e) => e.name === "tool.completed").envelope.data;
    assert.equal(started.name, "Bash");
    assert.equal(completed.tool_use_id, started.tool_use_id);
    assert.equal(completed.is_error, false);
    assert.equal(piped.events[0].envelope.data.model.startsWith("claude-"), true);
  });
});

describe("agentcast serve --demo, watched by socket.io-client", () => {
  let server;
  before(async () => {
    server = await startServer({ extraArgs: ["--demo", "--demo-speed", "20"] });
  });
  after(async () => {
    await server?.stop();
  });

  it("shows a whole live session, replayed from offset 0 on connect", async () => {
    const socket = io(`${server.url}/sessions/demo-1`, { transports: ["websocket"], forceNew: true, auth: { offset: 0 } });
    const events = [];
    let recovered = null;
    try {
      await new Promise((resolveEnded, reject) => {
        const timer = setTimeout(() => reject(new Error(`no session.ended after ${events.length} events`)), TIMEOUT_MS);
        socket.on("connect_error", reject);
        socket.onAny((name, envelope) => {
          if (name === "session.recovered") {
            recovered = envelope.data;
            return;
          }
          events.push({ name, envelope });
          if (name === "session.ended") {
            clearTimeout(timer);
            resolveEnded();
          }
        });
      });
    } finally {
      socket.close();
    }
    assert.deepEqual(events.map((e) => e.envelope.offset), events.map((_, k) => k + 1), "offsets 1..N, once each");
    assert.equal(recovered?.recovered, true);
    const names = events.map((e) => e.name);
    assert.equal(names[0], "session.started");
    for (const kind of ["output.thinking", "output.text", "tool.started", "tool.completed", "todo.updated", "agent.delegation", "usage.updated"]) {
      assert.ok(names.includes(kind), `the demo shows ${kind}`);
    }
    const failed = events.filter((e) => e.name === "tool.completed" && e.envelope.data.is_error);
    assert.equal(failed.length, 1, "one tool fails");
  });
});
