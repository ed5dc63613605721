// The official socket.io-client (4.8) against a real `agentcast serve`: what a JavaScript user
// of agentcast's Socket.IO surface (DESIGN.md section 2) sees. Transports websocket-only,
// polling-then-upgrade and polling-only; the hub `/` and `/sessions/{id}`; typed envelopes in
// offset order; subscriptions; command acks and error acks; lifecycle events on the hub; refused
// namespaces; and a 200-socket fan-out burst.
//
// Run: AGENTCAST_BIN=/path/to/agentcast node --test interop.test.mjs

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";

import { io } from "socket.io-client";

import {
  DOCUMENTED_EVENT_TYPES,
  HUB_TYPES,
  newSessionId,
  outputText,
  outputThinking,
  sessionEnded,
  sessionStarted,
  sessionStatus,
  toolCompleted,
  toolStarted,
  usageUpdated,
  userPrompt,
} from "./lib/events.mjs";
import { startServer } from "./lib/server.mjs";
import { waitUntil, withTimeout } from "./lib/wait.mjs";

const WAIT_MS = 5000;

let server;
/** Every event type the server knows, in canonical order (the ack of subscribing `*`). */
let allTypes;
/** Every socket a test opened; closed after each test. */
let sockets = [];

before(async () => {
  server = await startServer();
  const socket = await connect(`/sessions/${newSessionId("types")}`, { transports: ["websocket"] });
  allTypes = (await ok(socket, "subscribe", { patterns: ["*"] })).types;
  socket.disconnect();
  sockets = [];
});

afterEach(() => {
  for (const socket of sockets) socket.disconnect();
  sockets = [];
});

after(async () => {
  await server?.stop();
});

const TRANSPORTS = {
  "websocket only": { transports: ["websocket"] },
  "polling then upgrade": {},
  "polling only": { transports: ["polling"] },
};

/** A socket.io-client socket on `nsp`, connected (or rejected with its connect_error). */
async function connect(nsp, options = {}) {
  const socket = io(server.url + nsp, { forceNew: true, reconnection: false, timeout: WAIT_MS, ...options });
  sockets.push(socket);
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    }),
    WAIT_MS,
    `connect to ${nsp}`,
  );
  return socket;
}

/** The `connect_error` a connection to `nsp` ends with (fails if it connects). */
async function connectError(nsp, options = {}) {
  const socket = io(server.url + nsp, { forceNew: true, reconnection: false, timeout: WAIT_MS, ...options });
  sockets.push(socket);
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", () => reject(new Error(`connected to ${nsp}, expected a connect_error`)));
      socket.once("connect_error", resolve);
    }),
    WAIT_MS,
    `connect_error from ${nsp}`,
  );
}

/** Emits a command and resolves with its ack (bounded). */
function command(socket, name, args = {}) {
  return socket.timeout(WAIT_MS).emitWithAck(name, args);
}

/** Sends a command whose ack must be `{ok}`; returns the result. */
async function ok(socket, name, args = {}) {
  const ack = await command(socket, name, args);
  assert.ok(ack && "ok" in ack, `${name} ${JSON.stringify(args)} answered ${JSON.stringify(ack)}`);
  return ack.ok;
}

/** Records every event a socket receives: `[{name, args}]`. */
function record(socket) {
  const events = [];
  socket.onAny((name, ...args) => events.push({ name, args }));
  return events;
}

/** Waits until `events` holds an event satisfying `predicate`; returns the list up to it. */
async function receivedUntil(events, predicate, what, ms = WAIT_MS) {
  const index = await waitUntil(
    () => {
      const i = events.findIndex(predicate);
      return i >= 0 ? i + 1 : 0;
    },
    ms,
    what,
    () => JSON.stringify(events.map((e) => [e.name, e.args[0]?.offset, e.args[0]?.session_id])),
  );
  return events.slice(0, index);
}

/** Asserts `event` is the envelope of `published` at `offset` in `sessionId`. */
function assertEnvelope(event, published, offset, sessionId) {
  assert.equal(event.args.length, 1, `${event.name} carried ${event.args.length} arguments`);
  const envelope = event.args[0];
  assert.deepEqual(Object.keys(envelope).sort(), ["data", "offset", "session_id", "ts", "type"]);
  assert.equal(event.name, published.type, "event name is the type");
  assert.equal(envelope.type, published.type);
  assert.equal(envelope.offset, offset);
  assert.equal(envelope.session_id, sessionId);
  assert.equal(typeof envelope.ts, "string");
  assert.ok(!Number.isNaN(Date.parse(envelope.ts)), `ts is not a timestamp: ${envelope.ts}`);
  for (const [key, value] of Object.entries(published.data)) {
    assert.deepEqual(envelope.data[key], value, `data.${key} of ${published.type}`);
  }
}

/** The events of a session (ignores system.stats and other sessions' events). */
const ofSession = (events, sessionId) => events.filter((e) => e.args[0]?.session_id === sessionId);

const MIXED = [
  sessionStatus("running"),
  userPrompt(),
  outputThinking(),
  outputText("first"),
  toolStarted("t1"),
  outputText("second"),
  toolCompleted("t1"),
  usageUpdated(),
  toolStarted("t2"),
  toolCompleted("t2"),
  outputText("last"),
];

for (const [transportName, transportOptions] of Object.entries(TRANSPORTS)) {
  describe(`transport: ${transportName}`, () => {
    it("connects to the hub and to a session namespace and answers ping", async () => {
      const hub = await connect("/", transportOptions);
      const session = await connect(`/sessions/${newSessionId()}`, transportOptions);
      for (const socket of [hub, session]) {
        const result = await ok(socket, "ping");
        assert.ok(result.ts !== undefined && result.ts !== null, `ping result ${JSON.stringify(result)}`);
        if (typeof result.ts === "string") assert.ok(!Number.isNaN(Date.parse(result.ts)), `ts ${result.ts}`);
        else assert.equal(typeof result.ts, "number");
      }
      const expected = transportOptions.transports?.[0] === "polling" ? "polling" : "websocket";
      await waitUntil(
        () => hub.io.engine.transport.name === expected,
        WAIT_MS,
        `the ${expected} transport`,
        () => hub.io.engine.transport.name,
      );
    });

    it("delivers published events as typed envelopes, in offset order", async () => {
      const id = newSessionId();
      const publisher = await connect(`/sessions/${id}`, transportOptions);
      const subscriber = await connect(`/sessions/${id}`, transportOptions);
      if (!transportOptions.transports) {
        // Publish after the upgrade, so the traffic crosses the upgraded transport.
        await waitUntil(() => subscriber.io.engine.transport.name === "websocket", WAIT_MS, "the upgrade");
      }
      const received = record(subscriber);
      const result = await ok(publisher, "publish", { events: MIXED });
      assert.deepEqual(result, { head_offset: MIXED.length });
      const events = await receivedUntil(received, (e) => e.args[0]?.offset === MIXED.length, `offset ${MIXED.length}`);
      assert.equal(events.length, MIXED.length, JSON.stringify(events.map((e) => e.name)));
      events.forEach((event, i) => assertEnvelope(event, MIXED[i], i + 1, id));
    });
  });
}

describe("publish and envelopes", () => {
  it("answers a command sent at once after connecting, and delivers to the new socket at once", async () => {
    // A client may emit as soon as `connect` fires: the server must have its command handlers
    // and default subscription in place by then. Repeated because a late setup is a race.
    for (let i = 0; i < 40; i += 1) {
      const id = newSessionId(`early${i}`);
      const socket = io(`${server.url}/sessions/${id}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      sockets.push(socket);
      const received = record(socket);
      const acked = withTimeout(
        new Promise((resolve, reject) => {
          socket.once("connect_error", reject);
          socket.once("connect", () => {
            socket.emit("publish", { events: [outputText(`early ${i}`)] }, resolve);
          });
        }),
        WAIT_MS,
        `the ack of a publish sent on connect (attempt ${i + 1})`,
      );
      assert.deepEqual(await acked, { ok: { head_offset: 1 } }, `attempt ${i + 1}`);
      await receivedUntil(received, (e) => e.args[0]?.offset === 1, `offset 1 on the publishing socket (attempt ${i + 1})`);
      socket.disconnect();
    }
  });

  it("numbers a fresh session from offset 1 and continues across publishes", async () => {
    const id = newSessionId();
    const socket = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    const received = record(socket);
    assert.deepEqual(await ok(socket, "publish", { events: [outputText("a")] }), { head_offset: 1 });
    assert.deepEqual(await ok(socket, "publish", { events: [outputText("b"), toolStarted()] }), { head_offset: 3 });
    const events = await receivedUntil(received, (e) => e.args[0]?.offset === 3, "offset 3");
    assert.deepEqual(
      events.map((e) => [e.name, e.args[0].offset, e.args[0].data.text ?? e.args[0].data.tool_use_id]),
      [
        ["output.text", 1, "a"],
        ["output.text", 2, "b"],
        ["tool.started", 3, "t1"],
      ],
    );
  });

  it("keeps sessions apart: offsets and deliveries are per session", async () => {
    const a = newSessionId("a");
    const b = newSessionId("b");
    const onA = await connect(`/sessions/${a}`, { transports: ["websocket"] });
    const onB = await connect(`/sessions/${b}`, { transports: ["websocket"] });
    const receivedA = record(onA);
    const receivedB = record(onB);
    await ok(onA, "publish", { events: [outputText("a1"), outputText("a2")] });
    assert.deepEqual(await ok(onB, "publish", { events: [outputText("b1")] }), { head_offset: 1 });
    await ok(onA, "publish", { events: [outputText("a3")] });
    const eventsA = await receivedUntil(receivedA, (e) => e.args[0]?.offset === 3, "offset 3 on a");
    const eventsB = await receivedUntil(receivedB, (e) => e.args[0]?.data?.text === "b1", "b1 on b");
    assert.deepEqual(eventsA.map((e) => e.args[0].data.text), ["a1", "a2", "a3"]);
    assert.ok(eventsA.every((e) => e.args[0].session_id === a));
    assert.deepEqual(eventsB.map((e) => [e.args[0].offset, e.args[0].data.text]), [[1, "b1"]]);
    // Nothing of a's reached b (checked once all of a's events have been delivered to a).
    assert.ok(receivedB.every((e) => e.args[0].session_id === b), JSON.stringify(receivedB));
  });

  it("reports the session's head offset and clients in get_status", async () => {
    const id = newSessionId();
    const first = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    const fresh = await ok(first, "get_status");
    assert.equal(fresh.session_id, id);
    assert.equal(fresh.head_offset, 0);
    await connect(`/sessions/${id}`, { transports: ["websocket"] });
    await ok(first, "publish", { events: [sessionStatus("running"), outputText()] });
    const status = await ok(first, "get_status");
    assert.equal(status.session_id, id);
    assert.equal(status.head_offset, 2);
    assert.equal(status.status, "running");
    assert.equal(status.clients, 2);
  });
});

describe("subscriptions", () => {
  it("knows every documented event type, in the documented order", () => {
    // The server may know more types; the documented ones keep their relative order.
    const known = allTypes.filter((t) => DOCUMENTED_EVENT_TYPES.includes(t));
    assert.deepEqual(known, DOCUMENTED_EVENT_TYPES, `server types: ${JSON.stringify(allTypes)}`);
    assert.equal(new Set(allTypes).size, allTypes.length, "duplicate types");
  });

  it("acks subscribe and unsubscribe with the subscribed types in canonical order", async () => {
    const socket = await connect(`/sessions/${newSessionId()}`, { transports: ["websocket"] });
    assert.deepEqual(await ok(socket, "unsubscribe", { patterns: ["*"] }), { types: [] });
    assert.deepEqual(await ok(socket, "subscribe", { patterns: ["tool.*", "output.text"] }), {
      types: ["output.text", "tool.started", "tool.completed"],
    });
    assert.deepEqual(await ok(socket, "subscribe", { patterns: ["session.*"] }), {
      types: allTypes.filter((t) => t.startsWith("session.") || ["output.text", "tool.started", "tool.completed"].includes(t)),
    });
    assert.deepEqual(await ok(socket, "unsubscribe", { patterns: ["session.*", "tool.completed"] }), {
      types: ["output.text", "tool.started"],
    });
    assert.deepEqual(await ok(socket, "subscribe", { patterns: ["*"] }), { types: allTypes });
  });

  it("the first subscribe of a new socket replaces its default `*`; later ones add", async () => {
    const id = newSessionId();
    const socket = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    const publisher = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    assert.deepEqual(await ok(socket, "subscribe", { patterns: ["tool.*"] }), { types: ["tool.started", "tool.completed"] });
    const received = record(socket);
    await ok(publisher, "publish", { events: [outputText("x"), toolStarted(), usageUpdated(), toolCompleted("sentinel")] });
    const got = await receivedUntil(received, (e) => e.args[0]?.data?.tool_use_id === "sentinel", "the sentinel");
    assert.deepEqual(got.map((e) => [e.name, e.args[0].offset]), [["tool.started", 2], ["tool.completed", 4]]);
    assert.deepEqual(await ok(socket, "subscribe", { patterns: ["output.text"] }), {
      types: ["output.text", "tool.started", "tool.completed"],
    });
  });

  it("a tool.* subscriber gets only tool events, in offset order; a default socket gets all", async () => {
    const id = newSessionId();
    const tools = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    const everything = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    const publisher = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    assert.deepEqual(await ok(tools, "unsubscribe", { patterns: ["*"] }), { types: [] });
    assert.deepEqual(await ok(tools, "subscribe", { patterns: ["tool.*"] }), { types: ["tool.started", "tool.completed"] });
    const toolEvents = record(tools);
    const allEvents = record(everything);

    // The last event is a tool event: once `tools` has it, everything published before it has
    // been delivered to `tools` (one socket receives in offset order), so the record is complete.
    const batch = [...MIXED, toolCompleted("sentinel")];
    await ok(publisher, "publish", { events: batch });
    const gotTools = await receivedUntil(toolEvents, (e) => e.args[0]?.data?.tool_use_id === "sentinel", "the sentinel");
    const gotAll = await receivedUntil(allEvents, (e) => e.args[0]?.offset === batch.length, `offset ${batch.length}`);

    const expected = batch.map((event, i) => ({ event, offset: i + 1 })).filter(({ event }) => event.type.startsWith("tool."));
    assert.deepEqual(
      gotTools.map((e) => [e.name, e.args[0].offset]),
      expected.map(({ event, offset }) => [event.type, offset]),
    );
    gotTools.forEach((e, i) => assertEnvelope(e, expected[i].event, expected[i].offset, id));
    assert.equal(gotAll.length, batch.length);
    gotAll.forEach((e, i) => assertEnvelope(e, batch[i], i + 1, id));
  });

  it("unsubscribe stops delivery of the removed types only", async () => {
    const id = newSessionId();
    const socket = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    const publisher = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    // The default subscription is every type but the opt-in session.presence.
    assert.deepEqual(await ok(socket, "unsubscribe", { patterns: ["output.*"] }), {
      types: allTypes.filter((t) => !t.startsWith("output.") && t !== "session.presence"),
    });
    const received = record(socket);
    const batch = [outputText("x"), toolStarted(), outputThinking(), userPrompt("sentinel")];
    await ok(publisher, "publish", { events: batch });
    const got = await receivedUntil(received, (e) => e.name === "user.prompt", "the sentinel");
    assert.deepEqual(got.map((e) => [e.name, e.args[0].offset]), [["tool.started", 2], ["user.prompt", 4]]);
  });

  it("a pattern-subscribed socket over polling gets exactly its types too", async () => {
    const id = newSessionId();
    const socket = await connect(`/sessions/${id}`, { transports: ["polling"] });
    const publisher = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    await ok(socket, "unsubscribe", { patterns: ["*"] });
    assert.deepEqual(await ok(socket, "subscribe", { patterns: ["output.text", "usage.updated"] }), {
      types: ["output.text", "usage.updated"],
    });
    const received = record(socket);
    await ok(publisher, "publish", { events: [...MIXED, outputText("sentinel")] });
    const got = await receivedUntil(received, (e) => e.args[0]?.data?.text === "sentinel", "the sentinel");
    const expected = [...MIXED, outputText("sentinel")]
      .map((event, i) => [event.type, i + 1])
      .filter(([type]) => type === "output.text" || type === "usage.updated");
    assert.deepEqual(got.map((e) => [e.name, e.args[0].offset]), expected);
  });
});

describe("error acks", () => {
  /** Asserts an `{error: {code: "bad_request", message}}` ack whose message names `needle`. */
  async function assertBadRequest(socket, name, args, needle) {
    const ack = await command(socket, name, args);
    assert.ok(ack && ack.error, `${name} ${JSON.stringify(args)} should fail, got ${JSON.stringify(ack)}`);
    assert.equal(ack.error.code, "bad_request", JSON.stringify(ack));
    assert.equal(typeof ack.error.message, "string");
    assert.ok(ack.error.message.includes(needle), `message ${JSON.stringify(ack.error.message)} does not name ${needle}`);
    assert.ok(!("ok" in ack), "an ack is ok or error, not both");
  }

  it("publish without events", async () => {
    const socket = await connect(`/sessions/${newSessionId()}`, { transports: ["websocket"] });
    await assertBadRequest(socket, "publish", {}, "events");
    await assertBadRequest(socket, "publish", { events: "output.text" }, "events");
  });

  it("publish of an unknown event type publishes nothing", async () => {
    const id = newSessionId();
    const socket = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    await assertBadRequest(socket, "publish", { events: [outputText(), { type: "no.such_type", data: {} }] }, "no.such_type");
    assert.equal((await ok(socket, "get_status")).head_offset, 0);
  });

  it("subscribe with patterns that are not a list", async () => {
    const socket = await connect(`/sessions/${newSessionId()}`, { transports: ["websocket"] });
    await assertBadRequest(socket, "subscribe", { patterns: "tool.*" }, "patterns");
    await assertBadRequest(socket, "subscribe", {}, "patterns");
    await assertBadRequest(socket, "unsubscribe", { patterns: [1, 2] }, "patterns");
  });

  it("subscribe or unsubscribe with a bad pattern names the pattern and changes nothing", async () => {
    const socket = await connect(`/sessions/${newSessionId()}`, { transports: ["websocket"] });
    await ok(socket, "unsubscribe", { patterns: ["*"] });
    for (const bad of ["Tool.*", "tool.**", "nope.*", "no.such_type", "tool.*.x"]) {
      await assertBadRequest(socket, "subscribe", { patterns: ["output.text", bad] }, bad);
    }
    await assertBadRequest(socket, "unsubscribe", { patterns: ["tool*"] }, "tool*");
    // Refused commands are not half applied: output.text was not subscribed by them.
    assert.deepEqual(await ok(socket, "subscribe", { patterns: ["tool.started"] }), { types: ["tool.started"] });
  });

  it("the hub answers bad subscribe arguments the same way", async () => {
    const hub = await connect("/", { transports: ["websocket"] });
    await assertBadRequest(hub, "subscribe", { patterns: "session.*" }, "patterns");
    await assertBadRequest(hub, "subscribe", { patterns: ["sesion.*"] }, "sesion.*");
  });

  it("ignores an unknown event: no ack, no disconnect", async () => {
    const socket = await connect(`/sessions/${newSessionId()}`, { transports: ["websocket"] });
    let unknownAcked = false;
    socket.emit("no_such_command", { x: 1 }, () => {
      unknownAcked = true;
    });
    socket.emit("another_unknown_one");
    await ok(socket, "ping");
    assert.equal(socket.connected, true);
    assert.equal(unknownAcked, false, "the server acked an unknown event");
  });
});

describe("hub namespace", () => {
  it("receives a session's lifecycle and usage events with the session's envelope, nothing else", async () => {
    const id = newSessionId();
    const hub = await connect("/", { transports: ["websocket"] });
    const hubEvents = record(hub);
    const session = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    const sessionEvents = record(session);
    const batch = [sessionStarted(id), ...MIXED, sessionEnded("completed")];
    await ok(session, "publish", { events: batch });

    const onSession = await receivedUntil(sessionEvents, (e) => e.args[0]?.offset === batch.length, "the last event on the session");
    await receivedUntil(hubEvents, (e) => e.name === "session.ended" && e.args[0]?.session_id === id, "session.ended on /");
    const onHub = ofSession(hubEvents, id);
    const expected = onSession.filter((e) => HUB_TYPES.has(e.name));
    assert.deepEqual(
      onHub.map((e) => e.name),
      expected.map((e) => e.name),
    );
    assert.ok(expected.length >= 4, "the batch has lifecycle and usage events");
    // Same envelope on both namespaces: same offset, ts, data.
    onHub.forEach((e, i) => assert.deepEqual(e.args, expected[i].args));
  });

  /** The hub's get_status: `{stats, sessions}`, with `sessions` as a list. */
  async function hubStatus(hub) {
    const status = await ok(hub, "get_status");
    assert.ok("stats" in status && "sessions" in status, JSON.stringify(status));
    const sessions = Array.isArray(status.sessions) ? status.sessions : Object.values(status.sessions);
    return { stats: status.stats, sessions };
  }

  it("lists the session in the hub's get_status with its status and head offset", async () => {
    const id = newSessionId();
    const session = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    await ok(session, "publish", { events: [sessionStarted(id), sessionStatus("running")] });
    const hub = await connect("/", { transports: ["websocket"] });
    const { sessions } = await hubStatus(hub);
    const entry = sessions.find((s) => s.session_id === id);
    assert.ok(entry, `session ${id} not in ${JSON.stringify(sessions)}`);
    assert.equal(entry.status, "running");
    assert.equal(entry.head_offset, 2);
  });

  it("the session's get_status and the hub agree on a just-started session's status", async () => {
    const id = newSessionId();
    const session = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    await ok(session, "publish", { events: [sessionStarted(id)] });
    const hub = await connect("/", { transports: ["websocket"] });
    const own = await ok(session, "get_status");
    const entry = (await hubStatus(hub)).sessions.find((s) => s.session_id === id);
    assert.ok(entry, `session ${id} not listed by the hub`);
    assert.equal(typeof own.status, "string", `session get_status has no status: ${JSON.stringify(own)}`);
    assert.equal(own.status, entry.status);
  });

  it("counts as active exactly the listed sessions whose status is active", async () => {
    const hub = await connect("/", { transports: ["websocket"] });
    const started = newSessionId("started");
    const running = newSessionId("running");
    const done = newSessionId("done");
    const publish = async (id, events) => {
      const socket = await connect(`/sessions/${id}`, { transports: ["websocket"] });
      await ok(socket, "publish", { events });
    };
    await publish(started, [sessionStarted(started)]);
    await publish(running, [sessionStarted(running), sessionStatus("running")]);
    await publish(done, [sessionStarted(done), sessionStatus("running"), sessionEnded("completed")]);
    const { stats, sessions } = await hubStatus(hub);
    const active = sessions.filter((s) => ["starting", "running", "idle"].includes(s.status));
    assert.ok(active.some((s) => s.session_id === running), "the running session is not active");
    assert.ok(!active.some((s) => s.session_id === done), "the completed session is still active");
    assert.equal(
      stats.sessions_active,
      active.length,
      `sessions_active ${stats.sessions_active} but the listed active sessions are ${JSON.stringify(active)}`,
    );
  });

  it("emits system.stats on the hub", async () => {
    const hub = await connect("/", { transports: ["websocket"] });
    const events = record(hub);
    const [stats] = await receivedUntil(events, (e) => e.name === "system.stats", "system.stats", 10_000).then((l) => l.slice(-1));
    assert.equal(stats.args.length, 1);
    assert.equal(stats.args[0].type, "system.stats");
    assert.equal(typeof stats.args[0].data.connections, "number");
    assert.ok(stats.args[0].data.connections >= 1);
  });
});

describe("namespaces", () => {
  for (const nsp of ["/random", "/sessions", "/sessions/a/b", "/custom"]) {
    it(`refuses ${nsp} with connect_error "Invalid namespace"`, async () => {
      const err = await connectError(nsp, { transports: ["websocket"] });
      assert.equal(err.message, "Invalid namespace");
    });
  }

  it("accepts any session id, including one with no events yet", async () => {
    const socket = await connect(`/sessions/${newSessionId("never-published")}`, { transports: ["websocket"] });
    assert.equal((await ok(socket, "get_status")).head_offset, 0);
  });
});

describe("burst", () => {
  const SOCKETS = 200;
  const EVENTS = 1000;
  const BATCH = 100;

  it(`delivers ${EVENTS} events in order to each of ${SOCKETS} sockets`, { timeout: 90_000 }, async () => {
    const id = newSessionId("burst");
    const started = Date.now();
    const receivers = await Promise.all(
      Array.from({ length: SOCKETS }, () => connect(`/sessions/${id}`, { transports: ["websocket"] })),
    );
    // Per socket: the offsets received and whether each matched its text.
    const offsets = receivers.map(() => []);
    const disconnects = receivers.map(() => null);
    const mismatches = [];
    receivers.forEach((socket, n) => {
      socket.on("disconnect", (reason, details) => {
        disconnects[n] = { reason, details: details?.description?.message ?? details?.message ?? details };
      });
      socket.on("output.text", (envelope) => {
        offsets[n].push(envelope.offset);
        if (envelope.data.text !== `e${envelope.offset}` || envelope.session_id !== id) mismatches.push([n, envelope]);
      });
    });
    const publisher = await connect(`/sessions/${id}`, { transports: ["websocket"] });
    await ok(publisher, "unsubscribe", { patterns: ["*"] });
    for (let first = 1; first <= EVENTS; first += BATCH) {
      const events = Array.from({ length: BATCH }, (_, i) => outputText(`e${first + i}`));
      const ack = await publisher.timeout(20_000).emitWithAck("publish", { events });
      assert.deepEqual(ack, { ok: { head_offset: first + BATCH - 1 } });
    }
    await waitUntil(
      () => offsets.every((list) => list.length >= EVENTS),
      60_000,
      `${EVENTS} events on every socket`,
      () =>
        JSON.stringify(
          offsets
            .map((list, n) => ({ socket: n, received: list.length, last: list.at(-1), disconnect: disconnects[n] }))
            .filter(({ received }) => received < EVENTS)
            .slice(0, 10),
        ),
    );
    const expected = Array.from({ length: EVENTS }, (_, i) => i + 1);
    offsets.forEach((list, n) => assert.deepEqual(list, expected, `socket ${n} offsets`));
    assert.deepEqual(mismatches.slice(0, 3), []);
    assert.ok(receivers.every((s) => s.connected), "a receiver was disconnected");
    console.log(`burst: ${SOCKETS} sockets x ${EVENTS} events in ${Date.now() - started} ms`);
  });
});
