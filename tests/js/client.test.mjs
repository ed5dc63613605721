// The JavaScript client (shared/ts/client.mjs) against the real `agentcast serve`, with tokens:
// typed envelopes in offset order, commands whose errors reject as AgentcastError, and a
// session followed exactly once across a SIGKILL (and a SIGTERM) and restart of the server, a
// trimmed history, a consumer slower than the stream, and a server that disconnects it as a
// slow consumer; then the README's example, run as the README shows it.
//
// Events are published by a plain socket.io-client socket that receives nothing itself; every
// wait is bounded.
//
// Run: cd tests/js && node --test client.test.mjs

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";

import { io } from "socket.io-client";

import { AgentcastError, connect } from "../../shared/ts/client.mjs";
import { newSessionId, outputText, sessionStarted, toolCompleted, toolStarted, usageUpdated } from "./lib/events.mjs";
import { startServer } from "./lib/server.mjs";
import { waitUntil, withTimeout } from "./lib/wait.mjs";

const WAIT_MS = 15_000;
const TEST_TIMEOUT_MS = 90_000;
/** Short reconnection delays: the tests restart servers and should not wait 10 s for it. */
const FAST = { reconnectDelayMs: 100, reconnectDelayMaxMs: 1000, ackTimeoutMs: WAIT_MS };

/** What each test opened; closed after it. */
let hubs = [];
let sockets = [];

afterEach(() => {
  for (const hub of hubs) hub.close();
  for (const socket of sockets) {
    socket.io.reconnection(false);
    socket.io.engine?.close();
    socket.disconnect();
  }
  hubs = [];
  sockets = [];
});

/** `connect` whose hub is closed after the test. */
function hubOf(server, token, options = {}) {
  const hub = connect(server.url, { token, ...FAST, ...options });
  hubs.push(hub);
  return hub;
}

/** `from..to`, inclusive. */
const range = (from, to) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Takes the next `count` events of `stream`, all within `ms`. */
async function take(stream, count, ms = WAIT_MS) {
  const events = [];
  await withTimeout(
    (async () => {
      while (events.length < count) {
        const { value, done } = await stream.next();
        if (done) throw new Error(`the stream ended after ${events.length} of ${count} events`);
        events.push(value);
      }
    })(),
    ms,
    `${count} events (got ${events.length}, the last offset ${events.at(-1)?.offset ?? "none"})`,
  );
  return events;
}

/** A plain socket.io-client socket that publishes on a session and receives nothing. */
async function publisher(server, sessionId, token) {
  const socket = io(`${server.url}/sessions/${sessionId}`, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    auth: { token },
  });
  sockets.push(socket);
  // The first command waits for the connection (socket.io-client buffers it); a refusal
  // fails it with the server's reason.
  const refused = new Promise((_, reject) => socket.once("connect_error", reject));
  await Promise.race([ok(socket, "unsubscribe", { patterns: ["*"] }), refused]);
  return socket;
}

/** A server with authentication on, and a write and a read token of it. */
async function authServer(extraArgs = []) {
  const server = await startServer({ extraArgs: ["--auth", "jwt", ...extraArgs] });
  return { server, write: server.token({ scope: "write" }), read: server.token({ scope: "read" }) };
}

/** A command whose ack must be `{ok}`; returns the result. */
async function ok(socket, name, args) {
  const ack = await socket.timeout(WAIT_MS).emitWithAck(name, args);
  assert.ok(ack && "ok" in ack, `${name} answered ${JSON.stringify(ack)}`);
  return ack.ok;
}

/** Publishes `count` output.text events in batches of `batch`; resolves the last head. */
async function publishTexts(socket, count, batch = 50) {
  let head = 0;
  for (let sent = 0; sent < count; sent += batch) {
    const events = range(1, Math.min(batch, count - sent)).map((n) => outputText(`t${sent + n}`));
    ({ head_offset: head } = await ok(socket, "publish", { events }));
  }
  return head;
}

/** Asserts `events` carry offsets `from..to`, once each and in order. */
function assertOffsets(events, from, to, what) {
  assert.deepEqual(
    events.map((e) => e.offset),
    range(from, to),
    `${what}: expected offsets ${from}..${to} once each, in order`,
  );
}

describe("typed events and commands", () => {
  let server;
  let write;
  let read;

  before(async () => {
    ({ server, write, read } = await authServer());
  });
  after(async () => {
    await server?.stop();
  });

  it("yields the envelopes typed, in offset order, from the history then live", { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = newSessionId("js");
    const pub = await publisher(server, id, write);
    await ok(pub, "publish", { events: [sessionStarted(id), toolStarted("t1"), toolCompleted("t1")] });

    const all = hubOf(server, read).session(id, { fromOffset: 0 });
    const tools = hubOf(server, read).session(id, { types: ["tool.*"] });
    const history = await take(all, 3);
    assertOffsets(history, 1, 3, "the history");
    assert.deepEqual(history.map((e) => e.type), ["session.started", "tool.started", "tool.completed"]);
    assert.equal(history[0].session_id, id);
    assert.equal(history[1].data.name, "Bash");
    assert.deepEqual(history[1].data.input, { command: "ls" });
    assert.equal(history[2].data.is_error, false);

    await ok(pub, "publish", { events: [outputText("live"), usageUpdated(7), toolStarted("t2")] });
    const live = await take(all, 3);
    assertOffsets(live, 4, 6, "the live events");
    assert.equal(live[0].data.text, "live");
    assert.equal(live[1].data.output_tokens, 7);
    assert.equal(all.lastOffset, 6);

    // The filter applies in the client: the offsets of the tool events, none of the others.
    const filtered = await take(tools, 3);
    assert.deepEqual(filtered.map((e) => [e.offset, e.type, e.data.tool_use_id]), [
      [2, "tool.started", "t1"],
      [3, "tool.completed", "t1"],
      [6, "tool.started", "t2"],
    ]);
  });

  it("rejects an {error} acknowledgement as an AgentcastError with the server's code", { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = newSessionId("js");
    const session = hubOf(server, read).session(id);
    await assert.rejects(session.prompt("hello"), (err) => {
      assert.ok(err instanceof AgentcastError, String(err));
      assert.equal(err.code, "forbidden");
      assert.match(err.message, /scope/);
      return true;
    });
    await assert.rejects(session.request("publish", { events: [outputText()] }), { name: "AgentcastError", code: "forbidden" });
    await assert.rejects(session.request("get_history", { limit: "ten" }), (err) => {
      assert.equal(err.code, "bad_request");
      assert.match(err.message, /limit/);
      return true;
    });
    // A result comes back as it is.
    const page = await session.request("get_history", { after: 0 });
    assert.deepEqual(page, { events: [], head_offset: 0, has_more: false });
    session.close();
    await assert.rejects(session.request("get_status", {}), { code: "closed" });
  });

  it("refuses bad arguments with a typed error before sending anything", () => {
    const bad = (fn, code, message) => assert.throws(fn, (err) => err instanceof AgentcastError && err.code === code && message.test(err.message));
    bad(() => connect("localhost:8080"), "bad_request", /url/);
    bad(() => connect(server.url, { ackTimeoutMs: 0 }), "bad_request", /ackTimeoutMs/);
    const hub = hubOf(server, read);
    bad(() => hub.session("a/b"), "bad_request", /session id/);
    bad(() => hub.session("ok", { fromOffset: -1 }), "bad_request", /fromOffset/);
    bad(() => hub.session("ok", { types: ["Tool.*"] }), "bad_request", /types\[0\]/);
    bad(() => hub.session("ok", { maxBuffered: 1.5 }), "bad_request", /maxBuffered/);
    hub.close();
    bad(() => hub.session("ok"), "closed", /closed/);
  });

  it("ends a waiting next(): done on close(), the signal's reason on abort", { timeout: TEST_TIMEOUT_MS }, async () => {
    const hub = hubOf(server, read);
    const closed = hub.session(newSessionId("js"));
    const waiting = closed.next();
    closed.close();
    assert.deepEqual(await withTimeout(waiting, WAIT_MS, "next() after close()"), { value: undefined, done: true });

    const aborted = hub.session(newSessionId("js"), { signal: AbortSignal.timeout(200) });
    await assert.rejects(withTimeout(aborted.next(), WAIT_MS, "next() after the abort"), { name: "TimeoutError" });
    assert.deepEqual(await aborted.next(), { value: undefined, done: true });
  });

  it("ends the stream with connect_refused when the token does not grant the session", { timeout: TEST_TIMEOUT_MS }, async () => {
    const other = server.token({ scope: "read", sessions: ["someone-else"] });
    const session = hubOf(server, other).session(newSessionId("js"));
    await assert.rejects(withTimeout(session.next(), WAIT_MS, "the refusal"), (err) => {
      assert.equal(err.code, "connect_refused");
      assert.match(err.message, /not allowed/);
      return true;
    });
    assert.deepEqual(await session.next(), { value: undefined, done: true });
  });

  it("a consumer slower than the stream gets every event once, and its commands still go through", { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = newSessionId("js");
    const pub = await publisher(server, id, write);
    const session = hubOf(server, read).session(id, { maxBuffered: 20 });
    const head = await publishTexts(pub, 300);
    // Nothing consumed yet: the buffer is full and the rest was left for the history.
    const status = await session.request("get_status", {});
    assert.equal(status.head_offset, head);
    assert.ok(session.lastOffset <= 20, `buffered past maxBuffered: ${session.lastOffset}`);
    assertOffsets(await take(session, head), 1, head, "a buffer 15 times smaller than the stream");
    await ok(pub, "publish", { events: [outputText("after")] });
    assertOffsets(await take(session, 1), head + 1, head + 1, "live after catching up");
  });
});

// SIGKILL: a crash, the connections drop; SIGTERM: a graceful stop, the server closes them.
for (const signal of ["SIGKILL", "SIGTERM"]) {
  describe(`across a ${signal} and a restart of the server`, () => {
    let dataDir;
    let server;

    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), "agentcast-js-client-"));
    });
    after(async () => {
      await server?.stop("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    });

    it("every offset once and in order, the same envelopes as the history", { timeout: TEST_TIMEOUT_MS }, async () => {
      server = await startServer({ dataDir, extraArgs: ["--auth", "jwt"] });
      const { port } = server;
      // The key is in the data directory: the tokens outlive the restart.
      const write = server.token({ scope: "write" });
      const read = server.token({ scope: "read" });
      const id = newSessionId("crash");
      const session = hubOf(server, read).session(id);

      // Published while the stream is followed, then the server stops mid-stream: a batch in
      // flight then may or may not have been committed.
      let pub = await publisher(server, id, write);
      const publishing = publishTexts(pub, 2000, 20).catch(() => "stopped");
      const before = await take(session, 150);
      await server.stop(signal);
      assert.equal(await publishing, "stopped", "the server stopped before the publisher finished");

      server = await startServer({ dataDir, port, extraArgs: ["--auth", "jwt"] });
      pub = await publisher(server, id, write);
      // Not get_status: right after a start it may say head 0 until the session has read its
      // head from the store (server/src/hub/status.rs); publish waits for its sequencer.
      const head = (await ok(pub, "publish", { events: range(1, 100).map((n) => outputText(`after ${n}`)) })).head_offset;
      assert.ok(head - 100 >= 150, `the restarted server held ${head - 100} events`);

      const rest = await take(session, head - before.length);
      const events = [...before, ...rest];
      assertOffsets(events, 1, head, "across the restart");
      const stored = [];
      for (let after = 0; after < head; ) {
        const page = await ok(pub, "get_history", { after, limit: 1000 });
        stored.push(...page.events);
        after = page.events.at(-1).offset;
      }
      assert.deepEqual(events, stored, "what the stream yielded is the server's history");
    });
  });
}

describe("a trimmed history", () => {
  const CAP = 50;
  let server;
  let write;
  let read;

  before(async () => {
    // The tail is smaller than the cap, so the trimmed offsets are really gone (as in
    // recovery.test.mjs, scenario 4).
    ({ server, write, read } = await authServer(["--retention-max-events", `${CAP}`, "--tail-events", "10"]));
  });
  after(async () => {
    await server?.stop();
  });

  it("reports what the history no longer holds to onGap, then yields the rest and live events", { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = newSessionId("trim");
    const pub = await publisher(server, id, write);
    const head = await publishTexts(pub, 200);
    const gaps = [];
    const session = hubOf(server, read).session(id, { fromOffset: 10, onGap: (gap) => gaps.push(gap) });
    const [first] = await take(session, 1);
    assert.ok(first.offset > 11 && first.offset <= head - CAP + 1, `resumed at ${first.offset}`);
    assert.deepEqual(gaps, [{ from: 11, to: first.offset - 1 }]);
    assertOffsets([first, ...(await take(session, head - first.offset))], first.offset, head, "what is left");
    await ok(pub, "publish", { events: [outputText("live")] });
    assertOffsets(await take(session, 1), head + 1, head + 1, "live after the gap");
    assert.equal(gaps.length, 1);
  });

  it("a consumer that falls behind the retention is told what it lost, then gets the rest", { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = newSessionId("trim");
    const pub = await publisher(server, id, write);
    const gaps = [];
    const session = hubOf(server, read).session(id, { maxBuffered: 20, onGap: (gap) => gaps.push(gap) });
    await publishTexts(pub, 20);
    await waitUntil(() => session.lastOffset === 20, WAIT_MS, "the first 20 events buffered", () => `at ${session.lastOffset}`);
    // Left at the buffer's limit, and most of them trimmed before the consumer gets to them.
    const head = await publishTexts(pub, 180);
    assertOffsets(await take(session, 20), 1, 20, "the buffered events");
    const [resumed] = await take(session, 1);
    assert.deepEqual(gaps, [{ from: 21, to: resumed.offset - 1 }]);
    assert.ok(resumed.offset > 21 && resumed.offset <= head - CAP + 1, `resumed at ${resumed.offset}`);
    assertOffsets([resumed, ...(await take(session, head - resumed.offset))], resumed.offset, head, "what is left");
  });

  it("ends with history_reset when the server's history is behind the offset applied", { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = newSessionId("reset");
    const pub = await publisher(server, id, write);
    const head = await publishTexts(pub, 5, 5);
    const session = hubOf(server, read).session(id, { fromOffset: head + 100 });
    await assert.rejects(withTimeout(session.next(), WAIT_MS, "the reset"), (err) => {
      assert.equal(err.code, "history_reset");
      assert.match(err.message, new RegExp(`ends at offset ${head}, before offset ${head + 100}`));
      return true;
    });
  });
});

describe("a session disconnected by the server as a slow consumer", () => {
  let server;

  before(async () => {
    server = await startServer({ extraArgs: ["--max-buffer-size", "8"] });
  });
  after(async () => {
    await server?.stop();
  });

  it("reconnects by itself (socket.io-client would not) and misses nothing", { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = newSessionId("slow");
    const pub = await publisher(server, id);
    const session = hubOf(server, undefined, { transports: ["websocket"] }).session(id);
    // Batches of 100 broadcasts into a send buffer of 8 packets: the server drops the socket.
    const head = await publishTexts(pub, 500, 100);
    assertOffsets(await take(session, head), 1, head, "across the slow-consumer disconnects");

    const status = io(server.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    sockets.push(status);
    const { stats } = await ok(status, "get_status", {});
    assert.ok(stats.slow_consumer_disconnects >= 1, `the server disconnected no slow consumer: ${JSON.stringify(stats)}`);
  });
});

describe("the README's JavaScript example", () => {
  let server;

  before(async () => {
    // demo-1 plays its ~55 events in about two seconds, then ends.
    server = await startServer({ extraArgs: ["--auth", "jwt", "--demo", "--demo-speed", "5"] });
  });
  after(async () => {
    await server?.stop();
  });

  it("follows the live demo session to its end and prints its text and tools", { timeout: TEST_TIMEOUT_MS }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "agentcast-js-example-"));
    try {
      // The block as the README shows it, with the package name pointed at this checkout.
      const script = join(dir, "example.mjs");
      await writeFile(script, (await readmeExample()).replace(`from "agentcast"`, `from ${JSON.stringify(CLIENT_URL)}`));
      const token = server.token({ scope: "read" });
      const run = spawn(process.execPath, [script, "demo-1"], {
        env: { ...process.env, AGENTCAST_URL: server.url, AGENTCAST_TOKEN: token },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      run.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
      run.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
      const exited = new Promise((resolve) => run.once("exit", (code) => resolve(code)));
      const code = await withTimeout(exited, 30_000, "the example to exit").catch((err) => {
        run.kill("SIGKILL");
        throw err;
      });
      assert.equal(code, 0, `the example failed: ${stderr}`);

      // What it should print, from the server's own history of the session.
      const reader = await publisher(server, "demo-1", token);
      const { events } = await ok(reader, "get_history", { types: ["output.text", "tool.started", "session.ended"] });
      const ended = events.findIndex((e) => e.type === "session.ended");
      assert.ok(ended > 0, "the demo session ended");
      const expected = events
        .slice(0, ended)
        .map((e) => (e.type === "output.text" ? e.data.text : `\n[${e.offset}] ${e.data.name}\n`))
        .join("");
      assert.match(expected, /\[\d+\] Bash\n/);
      assert.equal(stdout, expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the package", () => {
  it("holds what its exports name, and what npm install copies holds all of it", { timeout: TEST_TIMEOUT_MS }, async () => {
    const dir = new URL("../../shared/ts/", import.meta.url);
    const manifest = JSON.parse(await readFile(new URL("package.json", dir), "utf8"));
    const packed = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir, encoding: "utf8", timeout: WAIT_MS });
    assert.equal(packed.status, 0, packed.stderr);
    const files = JSON.parse(packed.stdout)[0].files.map((f) => f.path);
    const exported = Object.values(manifest.exports).flatMap((targets) => Object.values(targets));
    for (const target of exported) assert.ok(files.includes(target.replace(/^\.\//, "")), `${target} is not in the package: ${files}`);
    assert.ok(files.includes("agentcast.d.ts"), "client.d.mts imports agentcast.d.ts");
    assert.equal(manifest.peerDependencies["socket.io-client"], "~4.8.4");
  });
});

/** The file URL of the client, for the README's `import ... from "agentcast"`. */
const CLIENT_URL = new URL("../../shared/ts/client.mjs", import.meta.url).href;

/** The ```js block that follows the README's marker for this test. */
async function readmeExample() {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const block = /<!-- tests\/js\/client\.test\.mjs runs this example[^\n]*-->\n```js\n([\s\S]*?)\n```/.exec(readme);
  assert.ok(block, "README.md has the JavaScript example after its marker");
  assert.match(block[1], /from "agentcast"/);
  return block[1];
}
