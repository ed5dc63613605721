// A real `claude -p` started outside agentcast (HOME in a temp dir, against the scripted fake
// Messages API of the Rust harness) appears live, through the collector of `agentcast serve`
// reading its transcript, to the official socket.io-client: the session (source `transcript`,
// agent `claude`, its own session id, cwd, project), its prompt and text, a Bash call with its
// result, a failing command, and a background Task sub-agent nested under its call and
// completed after its task notification.
//
// Each client connects to `/sessions/<id>` before `claude` starts, with no offset: it replays
// nothing, so every event it gets is live, and it must get all of them (offsets 1..N). Every
// wait is bounded. The CLI and the fake are found as lib/claude.mjs says; without them the
// tests skip with a notice, except under CI where that fails.
//
// Run: cd tests/js && node --test collect-claude.test.mjs

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";

import { io } from "socket.io-client";

import { agentHome, missingTools, runClaudePrint, skipWhenMissing, startFakeModelApi } from "./lib/claude.mjs";
import { startServer } from "./lib/server.mjs";
import { waitUntil, withTimeout } from "./lib/wait.mjs";

/** How long the events of a finished run may take to arrive. */
const WAIT_MS = 30_000;
const TEST_TIMEOUT_MS = 180_000;

const missing = missingTools();

/**
 * A socket.io-client on `/sessions/{id}` from now on (no offset: nothing is replayed), keeping
 * every event it receives; resolves once connected.
 */
async function liveSession(url, id) {
  const socket = io(`${url}/sessions/${id}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
  const events = [];
  let disconnected = null;
  socket.onAny((name, envelope) => events.push({ name, envelope }));
  socket.on("disconnect", (reason) => (disconnected = reason));
  await withTimeout(
    new Promise((resolveConnect, reject) => {
      socket.once("connect", resolveConnect);
      socket.once("connect_error", reject);
    }),
    WAIT_MS,
    `a connection to /sessions/${id}`,
  );
  const describe = () =>
    `${events.map((e) => e.name).join(", ")}${disconnected ? ` (disconnected: ${disconnected})` : ""}`;
  return {
    events,
    /** Waits until `done(events)` holds. */
    until: (done, what) => waitUntil(() => done(events), WAIT_MS, what, describe),
    close: () => socket.close(),
  };
}

const dataOf = (events, name) => events.filter((e) => e.name === name).map((e) => e.envelope.data);
const indexOf = (events, found) => events.findIndex(({ name, envelope }) => found(name, envelope.data));
/** An `output.text` of the main agent (not a sub-agent's) that comes after index `i`. */
const textAfter = (events, i) =>
  i >= 0 && events.slice(i + 1).some((e) => e.name === "output.text" && !e.envelope.data.parent_tool_use_id);

describe("a real claude -p started outside agentcast, watched live by socket.io-client", { skip: skipWhenMissing(missing) }, () => {
  let home;
  let fake;
  let server;

  before(async () => {
    assert.deepEqual(missing, [], "the real Claude Code CLI and the fake model API (CI needs them)");
    home = await agentHome();
    fake = await startFakeModelApi(home.home);
    server = await startServer({ extraArgs: ["--claude-projects-dir", home.claudeProjectsDir] });
  });

  after(async () => {
    await server?.stop();
    await fake?.stop();
    // What the model answered, by step: where a failing scenario stopped.
    if (fake) console.error(`fake model API: ${fake.log().trim()}`);
    await home?.remove();
  });

  /**
   * Runs `scenario` as a fresh session watched from before it starts, until `done(events)`;
   * checks what every collected session shows (its start, its prompt, offsets 1..N received
   * live) and returns the events.
   */
  async function collected(scenario, done, what) {
    const id = randomUUID();
    const prompt = fake.scenarios[scenario];
    const session = await liveSession(server.url, id);
    try {
      const run = await runClaudePrint(home, fake, prompt, ["--session-id", id]);
      assert.equal(run.code, 0, `claude -p: ${run.stderr}`);
      await session.until(done, `${what} in session ${id}`);
    } finally {
      session.close();
    }
    const { events } = session;
    assert.deepEqual(
      events.map((e) => e.envelope.offset),
      events.map((_, k) => k + 1),
      "every event, live, from offset 1",
    );
    assert.equal(events[0].name, "session.started");
    const started = events[0].envelope.data;
    assert.equal(started.session_id, id);
    assert.equal(started.source, "transcript");
    assert.equal(started.agent, "claude");
    assert.equal(started.agent_session_id, id);
    assert.equal(started.cwd, home.cwd);
    assert.ok(started.project_id, `a project in ${JSON.stringify(started)}`);
    const response = await withTimeout(fetch(`${server.url}/api/projects/${started.project_id}`), WAIT_MS, "the project");
    assert.equal(response.status, 200);
    const project = await response.json();
    assert.equal(project.path, home.cwd, "the project of the working directory");
    assert.deepEqual(dataOf(events, "user.prompt").map((p) => p.text), [prompt]);
    return events;
  }

  it("shows the session and its text", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { hello_text } = fake.script;
    const events = await collected(
      "hello",
      (events) => dataOf(events, "output.text").some((t) => t.text === hello_text),
      "the answer",
    );
    assert.deepEqual(dataOf(events, "tool.started"), [], "no tool call");
  });

  it("shows a Bash call with its result", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { bash_tool_id, bash_command } = fake.script;
    const completed = (events) => indexOf(events, (n, d) => n === "tool.completed" && d.tool_use_id === bash_tool_id);
    const events = await collected("bash", (events) => textAfter(events, completed(events)), "the call's result, then text");
    const started = dataOf(events, "tool.started");
    assert.equal(started.length, 1);
    assert.equal(started[0].tool_use_id, bash_tool_id);
    assert.equal(started[0].name, "Bash");
    assert.equal(started[0].input.command, bash_command);
    const result = events[completed(events)].envelope.data;
    assert.equal(result.is_error, false);
    assert.equal(result.output_preview.trim(), bash_command.replace(/^echo /, ""));
    assert.ok(indexOf(events, (n) => n === "tool.started") < completed(events));
    assert.match(events.findLast((e) => e.name === "output.text").envelope.data.text, /hello/, "the answer names the output");
  });

  it("shows a failing command as a failed tool call", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { fail_tool_id, fail_command } = fake.script;
    const completed = (events) => indexOf(events, (n, d) => n === "tool.completed" && d.tool_use_id === fail_tool_id);
    const events = await collected("fail", (events) => textAfter(events, completed(events)), "the failure, then text");
    assert.equal(dataOf(events, "tool.started")[0].input.command, fail_command);
    const result = events[completed(events)].envelope.data;
    assert.equal(result.is_error, true, JSON.stringify(result));
    assert.match(result.output_preview, /about-to-fail/);
    assert.match(result.output_preview, /\b3\b/, "the exit code");
  });

  it("nests a background Task sub-agent under its call, completed after its notification", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { task_tool_id, task_done_text, subagent_tool_id, subagent_command, subagent_done_text } = fake.script;
    const delegation = (status) => (n, d) => n === "agent.delegation" && d.tool_use_id === task_tool_id && d.status === status;
    const subCompleted = (n, d) => n === "tool.completed" && d.tool_use_id === subagent_tool_id;
    const said = (events, text) => dataOf(events, "output.text").some((t) => t.text === text);
    // The sub-agent's file is read apart from the main transcript: its events may come before
    // or after the main agent's last ones, so the wait is for both.
    const events = await collected(
      "task",
      (events) =>
        said(events, task_done_text) &&
        said(events, subagent_done_text) &&
        indexOf(events, subCompleted) >= 0 &&
        indexOf(events, delegation("completed")) >= 0,
      "the sub-agent's result and answer, the delegation completed and the last answer",
    );
    const names = events.map((e) => e.name).join(", ");
    const launched = indexOf(events, delegation("started"));
    assert.ok(launched >= 0, names);
    assert.equal(events[launched].envelope.data.agent, "general-purpose");

    // The sub-agent's own events (from its own file) are nested under the Task call that
    // started it.
    const call = dataOf(events, "tool.started").find((d) => d.tool_use_id === subagent_tool_id);
    assert.ok(call, names);
    assert.equal(call.parent_tool_use_id, task_tool_id);
    assert.equal(call.input.command, subagent_command);
    const result = events[indexOf(events, subCompleted)].envelope.data;
    assert.equal(result.parent_tool_use_id, task_tool_id);
    assert.equal(result.is_error, false);
    assert.equal(result.output_preview.trim(), subagent_command.replace(/^echo /, ""));
    const subText = dataOf(events, "output.text").find((t) => t.text === subagent_done_text);
    assert.equal(subText?.parent_tool_use_id, task_tool_id, names);

    // A background Task's launch returns at once; its delegation completes at the task
    // notification, once (not at the launch's tool result).
    const launchReturned = indexOf(events, (n, d) => n === "tool.completed" && d.tool_use_id === task_tool_id);
    const notified = indexOf(events, (n, d) => n === "agent.task" && d.tool_use_id === task_tool_id && d.status === "completed");
    const completed = indexOf(events, delegation("completed"));
    assert.ok(launched < launchReturned && launchReturned < notified && notified < completed, names);
    assert.equal(events.filter(({ name, envelope }) => delegation("completed")(name, envelope.data)).length, 1, names);
    assert.ok(indexOf(events, (n, d) => n === "output.text" && d.text === task_done_text) > completed, names);
  });
});
