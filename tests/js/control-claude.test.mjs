// The official socket.io-client answers the agent (DESIGN.md section 10): `agentcast serve`
// starts the real `claude` in control mode through `POST /api/sessions`, against the scripted
// fake Messages API of the Rust harness. Two socket.io-client watchers both receive the
// `permission.requested` of a Bash command that needs permission; the first allows it with
// `permission.respond` (the command runs for real: its file exists, and `tool.completed`
// arrives), the second answers after it and is refused `already_resolved`; then a `prompt`
// runs a second turn in the same process, whose streamed answer arrives, and `end` ends the
// session.
//
// Every wait is bounded. The CLI and the fake are found as lib/claude.mjs says; without them
// the test skips with a notice, except under CI where that fails.
//
// Run: cd tests/js && node --test control-claude.test.mjs

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { io } from "socket.io-client";

import { agentHome, claudeBin, missingTools, skipWhenMissing, startFakeModelApi } from "./lib/claude.mjs";
import { startServer } from "./lib/server.mjs";
import { waitUntil, withTimeout } from "./lib/wait.mjs";

/** How long a turn of the real CLI may take to show its events. */
const TURN_MS = 60_000;
/** How long a command's ack may take (`permission.respond` is acked once the agent has it). */
const ACK_MS = 10_000;
const TEST_TIMEOUT_MS = 240_000;

const missing = missingTools();

/**
 * A socket.io-client watching `/sessions/{id}` from its first event (offset 0), keeping every
 * event it receives; resolves once connected.
 */
async function watcher(url, id) {
  const socket = io(`${url}/sessions/${id}`, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    auth: { offset: 0 },
  });
  const events = [];
  let disconnected = null;
  socket.onAny((name, envelope) => events.push({ name, data: envelope.data }));
  socket.on("disconnect", (reason) => (disconnected = reason));
  await withTimeout(
    new Promise((resolveConnect, reject) => {
      socket.once("connect", resolveConnect);
      socket.once("connect_error", reject);
    }),
    TURN_MS,
    `a connection to /sessions/${id}`,
  );
  const describe = () =>
    `${events.map((e) => e.name).join(", ")}${disconnected ? ` (disconnected: ${disconnected})` : ""}`;
  return {
    events,
    /** Waits for the first event from index `from` on where `found(name, data)` holds; its index. */
    next: (found, what, from = 0) =>
      waitUntil(
        () => {
          const i = events.findIndex((e, k) => k >= from && found(e.name, e.data));
          return i >= 0 ? { index: i } : null;
        },
        TURN_MS,
        what,
        describe,
      ).then(({ index }) => index),
    /** Sends a command and resolves with its ack (`{ok}` or `{error}`). */
    command: (name, args) => withTimeout(socket.timeout(ACK_MS).emitWithAck(name, args), ACK_MS + 1_000, `the ack of ${name}`),
    close: () => socket.close(),
  };
}

const isIdle = (name, data) => name === "session.status" && data.status === "idle";
/** The text of the `output.text` events between two indexes, streamed pieces joined. */
const textBetween = (events, from, to) =>
  events
    .slice(from, to + 1)
    .filter((e) => e.name === "output.text")
    .map((e) => e.data.text)
    .join("");

describe("socket.io-client answers a real claude that agentcast runs in control mode", { skip: skipWhenMissing(missing) }, () => {
  let home;
  let fake;
  let server;
  const watchers = [];

  before(async () => {
    assert.deepEqual(missing, [], "the real Claude Code CLI and the fake model API (CI needs them)");
    home = await agentHome();
    fake = await startFakeModelApi(home.home);
    // The server's environment is the agent's: the claude it starts talks to the fake.
    server = await startServer({ env: fake.env, unsetEnv: fake.unset });
  });

  after(async () => {
    for (const w of watchers) w.close();
    await server?.stop();
    await fake?.stop();
    // What the model answered, by step: where a failing scenario stopped.
    if (fake) console.error(`fake model API: ${fake.log().trim()}`);
    await home?.remove();
  });

  it("allows a command, refuses a late answer, runs a second prompt and ends", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { permission_tool_id, permission_command, permission_file, permission_done_text, chat_prompt_2, chat_answer_2 } =
      fake.script;
    const started = await withTimeout(
      fetch(`${server.url}/api/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ command: [claudeBin()], prompt: fake.scenarios.permission, cwd: home.cwd }),
      }),
      ACK_MS,
      "POST /api/sessions",
    );
    const body = await started.json();
    assert.equal(started.status, 201, JSON.stringify(body));
    const id = body.session_id;
    const first = await watcher(server.url, id);
    watchers.push(first);
    const second = await watcher(server.url, id);
    watchers.push(second);

    // Both watchers see the same request.
    const isRequest = (name) => name === "permission.requested";
    const asked = first.events[await first.next(isRequest, "the permission request")].data;
    const askedToo = second.events[await second.next(isRequest, "the permission request, again")].data;
    assert.equal(asked.tool_name, "Bash");
    assert.equal(asked.input.command, permission_command);
    assert.equal(asked.tool_use_id, permission_tool_id);
    assert.equal(typeof asked.expires_at, "string");
    assert.equal(askedToo.request_id, asked.request_id);
    assert.equal(existsSync(join(home.cwd, permission_file)), false, "nothing ran before the answer");

    const allowed = await first.command("permission.respond", { request_id: asked.request_id, decision: "allow" });
    assert.deepEqual(allowed, { ok: { request_id: asked.request_id, decision: "allow" } });
    const late = await second.command("permission.respond", { request_id: asked.request_id, decision: "deny" });
    assert.equal(late.error?.code, "already_resolved", JSON.stringify(late));

    const completed = await first.next(
      (name, data) => name === "tool.completed" && data.tool_use_id === permission_tool_id,
      "the command's tool.completed",
    );
    assert.equal(first.events[completed].data.is_error, false, JSON.stringify(first.events[completed].data));
    assert.ok(existsSync(join(home.cwd, permission_file)), "the allowed command ran");
    const firstTurn = await first.next(isIdle, "the end of the first turn", completed);
    const done = textBetween(first.events, completed, firstTurn);
    assert.ok(done.includes(permission_done_text), done);
    const resolved = first.events.filter((e) => e.name === "permission.resolved").map((e) => e.data);
    assert.deepEqual(resolved, [{ request_id: asked.request_id, decision: "allow", by: "anonymous", reason: "answered" }]);

    // The next prompt runs a second turn in the same process.
    const sent = await first.command("prompt", { text: chat_prompt_2 });
    assert.deepEqual(sent, { ok: { queued: false, ahead: 0 } });
    const prompted = await first.next(
      (name, data) => name === "user.prompt" && data.text === chat_prompt_2,
      "the second prompt",
      firstTurn,
    );
    const secondTurn = await first.next(isIdle, "the end of the second turn", prompted);
    assert.ok(
      textBetween(first.events, prompted, secondTurn).includes(chat_answer_2),
      textBetween(first.events, prompted, secondTurn),
    );

    const ending = await first.command("end", {});
    assert.deepEqual(ending, { ok: { ending: true } });
    const ended = await first.next((name) => name === "session.ended", "the end of the session", secondTurn);
    assert.equal(first.events[ended].data.status, "completed", JSON.stringify(first.events[ended].data));
  });
});
