// Recovery by offset (DESIGN.md section 2), end to end with the official socket.io-client 4.8
// against the real `agentcast serve`: a client that loses its connection and comes back with
// auth `{offset: <last offset it applied>}` ends up with every event of the session exactly
// once, in offset order, and `session.recovered` tells it whether the history covered the gap.
//
// Scenarios:
//   1. the demo session, cut and resumed by hand (the "done when");
//   2. a publisher that keeps publishing 500 events across the cut and the reconnect;
//   3. socket.io-client's own automatic reconnection, resuming through an `auth` function;
//   4. an offset older than the retained history: `recovered: false` and what is left.
//
// The tests never sleep to let things happen: the ordering they rely on is enforced with
// gates (a publisher waits for the receiver to be cut, a reconnect waits for a backlog), and
// every wait is bounded.
//
// Run: cd tests/js && node --test --test-concurrency=1 recovery.test.mjs

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";

import { io } from "socket.io-client";

import { newSessionId, outputText } from "./lib/events.mjs";
import { startServer } from "./lib/server.mjs";
import { waitUntil, withTimeout } from "./lib/wait.mjs";

const WAIT_MS = 10_000;
const TEST_TIMEOUT_MS = 60_000;
const RECOVERED = "session.recovered";

/** Every socket a test opened; closed after each test. */
let sockets = [];

afterEach(() => {
  for (const socket of sockets) {
    // Close the Engine.IO connection itself ("1") rather than the namespace first: over
    // polling, `disconnect()` sends "41" and only after that POST the engine's "1", and a
    // server stopped between the two keeps waiting for the open long-poll (until its next
    // ping, 25 s) before it exits, whatever its shutdown grace.
    socket.io.reconnection(false);
    socket.io.engine?.close();
    socket.disconnect();
  }
  sockets = [];
});

/**
 * A socket.io-client socket on `/sessions/{sessionId}`, websocket only, closed after the test.
 * It connects by itself (await `connected`); reconnection is off unless the options turn it on.
 */
function sessionSocket(server, sessionId, options = {}) {
  const socket = io(`${server.url}/sessions/${sessionId}`, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    timeout: WAIT_MS,
    ...options,
  });
  sockets.push(socket);
  return socket;
}

/** Resolves once `socket` is connected (rejects with its connect_error). */
function connected(socket, what = "connect") {
  if (socket.connected) return Promise.resolve(socket);
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    }),
    WAIT_MS,
    what,
  );
}

/**
 * Records, in arrival order, what a socket receives: `log` holds `{name, offset}` for session
 * events and `{name: "session.recovered", offset: 0, data}` for recoveries, so the position of
 * a `session.recovered` among the events can be checked. `offsets` are the session events'
 * offsets only (offset 0 marks a control event, never an applied offset: agentcast.d.ts).
 * `connections` splits `log` at each `connect` (for a socket that reconnects by itself).
 */
function record(socket) {
  const rec = { log: [], offsets: [], recoveries: [], connections: [] };
  socket.on("connect", () => rec.connections.push([]));
  socket.onAny((name, envelope) => {
    const entry = name === RECOVERED ? { name, offset: 0, data: envelope.data } : { name, offset: envelope.offset };
    if (name === RECOVERED) {
      assert.equal(envelope.offset, 0, "session.recovered is a control event (offset 0)");
      rec.recoveries.push(envelope.data);
    } else {
      rec.offsets.push(envelope.offset);
    }
    rec.log.push(entry);
    rec.connections.at(-1)?.push(entry);
  });
  return rec;
}

/** The offsets of a log's session events. */
const offsetsOf = (log) => log.filter((e) => e.name !== RECOVERED).map((e) => e.offset);

/**
 * What a client applies when it follows the documented rule (agentcast.d.ts, Envelope): an
 * event only if its offset is greater than the last one it applied.
 */
function applied(offsets) {
  const kept = [];
  for (const o of offsets) if (o > lastOf(kept)) kept.push(o);
  return kept;
}

/** The last offset in `offsets`, 0 when empty. */
const lastOf = (offsets) => offsets.at(-1) ?? 0;

/** `from..to`, inclusive. */
const range = (from, to) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Short ranges of a sorted list of numbers: [1,2,3,7] -> "1-3,7". */
function compact(numbers) {
  const parts = [];
  for (const n of numbers) {
    const last = parts.at(-1);
    if (last && n === last[1] + 1) last[1] = n;
    else parts.push([n, n]);
  }
  return parts.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(",") || "none";
}

/**
 * Asserts `offsets` is exactly `from..to`, each once, in order; on failure says what is
 * missing, doubled or out of order instead of dumping hundreds of numbers.
 */
function assertExactly(offsets, from, to, what) {
  const expected = range(from, to);
  if (offsets.length === expected.length && offsets.every((o, i) => o === expected[i])) return;
  const counts = new Map();
  for (const o of offsets) counts.set(o, (counts.get(o) ?? 0) + 1);
  const missing = expected.filter((o) => !counts.has(o));
  const doubled = [...counts].filter(([, n]) => n > 1).map(([o]) => o).sort((a, b) => a - b);
  const extra = [...counts.keys()].filter((o) => o < from || o > to).sort((a, b) => a - b);
  const disorder = offsets.findIndex((o, i) => i > 0 && o <= offsets[i - 1]);
  assert.fail(
    `${what}: expected offsets ${from}..${to} once each, in order; got ${offsets.length} offsets ` +
      `(${offsets[0]}..${offsets.at(-1)}): missing ${compact(missing)}; doubled ${compact(doubled)}; ` +
      `outside the range ${compact(extra)}; ` +
      (disorder < 0 ? "in order" : `first out of order at index ${disorder}: ${offsets.slice(Math.max(0, disorder - 3), disorder + 2)}`),
  );
}

/**
 * Checks where `session.recovered` came in a reconnected socket's log: it ends the replay, so
 * every event before it has an offset up to `to` (the last one exactly `to`, when anything was
 * replayed) and every event after it is newer.
 */
function assertRecoveredEndsReplay(log) {
  const at = log.findIndex((e) => e.name === RECOVERED);
  assert.ok(at >= 0, "no session.recovered");
  const { to } = log[at].data;
  const before = log.slice(0, at);
  const afterIt = log.slice(at + 1).filter((e) => e.name !== RECOVERED);
  assert.ok(before.every((e) => e.offset <= to), `replayed past to=${to}: ${compact(before.map((e) => e.offset))}`);
  if (before.length > 0) assert.equal(before.at(-1).offset, to, "the replay ends at `to`");
  assert.ok(afterIt.every((e) => e.offset > to), `live events at or before to=${to} after session.recovered`);
}

/** Sends a command whose ack must be `{ok}`; returns the result. */
async function ok(socket, name, args = {}) {
  const ack = await socket.timeout(WAIT_MS).emitWithAck(name, args);
  assert.ok(ack && "ok" in ack, `${name} answered ${JSON.stringify(ack)}`);
  return ack.ok;
}

/** Polls `get_status` on `socket` (a session namespace) until its head reaches `target`. */
async function waitForHead(socket, target, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { head_offset: head } = await ok(socket, "get_status");
    if (head >= target) return head;
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for head ${target} (head ${head})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A promise with its resolve function: a gate one side opens and the other awaits. */
function gate() {
  let open;
  const promise = new Promise((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * Publishes `total` `output.text` events `e1..e<total>` in batches of `batch` on `socket`,
 * one publish at a time. Before publishing past an offset in `pauses` (offset -> promise) it
 * waits for that promise. `progress.head` follows the acks.
 */
function publishAll(socket, total, { batch = 5, pauses = new Map() } = {}) {
  const progress = { head: 0 };
  progress.finished = (async () => {
    for (let first = 1; first <= total; first += batch) {
      for (const [offset, promise] of pauses) {
        if (first > offset && progress.head <= offset) await withTimeout(promise, WAIT_MS, `the gate at offset ${offset}`);
      }
      const count = Math.min(batch, total - first + 1);
      const events = range(first, first + count - 1).map((n) => outputText(`e${n}`));
      const result = await ok(socket, "publish", { events });
      assert.equal(result.head_offset, first + count - 1, "the publisher is the session's only writer");
      progress.head = result.head_offset;
    }
  })();
  return progress;
}

/** A publishing socket that receives nothing itself (its own events would only add noise). */
async function publisher(server, sessionId) {
  const socket = await connected(sessionSocket(server, sessionId), "the publisher to connect");
  await ok(socket, "unsubscribe", { patterns: ["*"] });
  return socket;
}

describe("1. the demo session, cut and resumed by offset", () => {
  // Speed 2 plays demo-1 (about 55 events) in a few seconds: slow enough that plenty is
  // published while the client is away, fast enough to reach session.ended soon.
  const SESSION = "demo-1";
  const MISSED = 15;
  let server;

  before(async () => {
    server = await startServer({ extraArgs: ["--demo", "--demo-speed", "2"] });
  });
  after(async () => {
    await server?.stop();
  });

  it("gets every offset 1..N once, in order, and session.recovered says recovered: true", { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const status = await publisher(server, SESSION); // only used for get_status

    // First connection, from the start. Cut it at its first live event from offset 5 on, so
    // the cut falls in the live stream (after its own replay and session.recovered).
    const first = sessionSocket(server, SESSION, { auth: { offset: 0 } });
    const firstRec = record(first);
    const cut = gate();
    first.once("disconnect", cut.open);
    first.onAny((name, envelope) => {
      if (name !== RECOVERED && envelope.offset >= 5 && firstRec.recoveries.length > 0 && first.connected) {
        first.io.engine.close(); // kill the transport, as a dropped network would
      }
    });
    await connected(first, "the first connection");
    await withTimeout(cut.promise, WAIT_MS, "the cut during the first live events of the demo");
    const last = lastOf(firstRec.offsets);
    assert.equal(firstRec.recoveries.length, 1);
    assert.equal(firstRec.recoveries[0].recovered, true);
    assert.equal(firstRec.recoveries[0].from, 1);

    // The demo goes on without us.
    const headWhileAway = await waitForHead(status, last + MISSED);

    // Come back from the last offset seen, and follow demo-1 to its end.
    const second = sessionSocket(server, SESSION, { auth: { offset: last } });
    const secondRec = record(second);
    await connected(second, "the reconnection");
    // session.recovered comes after the replay, which may itself reach session.ended: wait for both.
    await waitUntil(
      () => secondRec.log.some((e) => e.name === "session.ended") && secondRec.recoveries.length > 0,
      30_000,
      "session.ended of demo-1 and session.recovered on the reconnected socket",
      () => `last offsets ${secondRec.offsets.slice(-5)}, recoveries ${JSON.stringify(secondRec.recoveries)}`,
    );
    const n = secondRec.log.find((e) => e.name === "session.ended").offset;

    assertExactly([...firstRec.offsets, ...secondRec.offsets], 1, n, "offsets of both connections");
    assert.equal(secondRec.offsets[0], last + 1, "the reconnection starts right after the last offset seen");
    assert.equal(secondRec.recoveries.length, 1);
    const recovered = secondRec.recoveries[0];
    assert.equal(recovered.recovered, true, JSON.stringify(recovered));
    assert.equal(recovered.from, last + 1);
    assert.ok(recovered.to >= headWhileAway, `to ${recovered.to} < the head ${headWhileAway} seen while away`);
    assertRecoveredEndsReplay(secondRec.log);
    t.diagnostic(`cut after offset ${last}; replayed ${recovered.from}..${recovered.to}, then live to ${n}`);
  });
});

describe("2. cut mid-stream while a publisher keeps publishing 500 events", () => {
  const TOTAL = 500;
  const CUT_AT = 100;
  // The publisher waits here until the receiver starts reconnecting: everything up to this
  // offset is a backlog to replay, and the rest is published during the replay.
  const HOLD_AT = 400;
  let server;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  for (const transport of ["websocket", "polling"]) {
    it(`the receiver ends with exactly 1..${TOTAL} (${transport})`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
      const id = newSessionId("cut");
      const options = { transports: [transport] };
      const receiver = sessionSocket(server, id, { ...options, auth: { offset: 0 } });
      const firstRec = record(receiver);
      const cut = gate();
      receiver.once("disconnect", cut.open);
      receiver.onAny((_name, envelope) => {
        if (envelope.offset >= CUT_AT && receiver.connected) receiver.io.engine.close();
      });
      await connected(receiver, "the receiver");

      const reconnecting = gate();
      const pub = publishAll(await publisher(server, id), TOTAL, { pauses: new Map([[HOLD_AT, reconnecting.promise]]) });

      await withTimeout(cut.promise, WAIT_MS, `offset ${CUT_AT} on the receiver`);
      const last = lastOf(firstRec.offsets);
      assert.ok(last >= CUT_AT && last < HOLD_AT, `cut at ${last}`);
      await waitUntil(() => pub.head >= HOLD_AT, WAIT_MS, `the publisher at offset ${HOLD_AT}`, () => `head ${pub.head}`);

      const again = sessionSocket(server, id, { ...options, auth: { offset: last } });
      const secondRec = record(again);
      reconnecting.open(); // the publisher goes on while the replay runs
      await connected(again, "the reconnection");
      // session.recovered follows the replay, which may itself reach TOTAL: wait for both.
      await waitUntil(
        () => lastOf(secondRec.offsets) >= TOTAL && secondRec.recoveries.length > 0,
        WAIT_MS,
        `offset ${TOTAL} and session.recovered on the reconnected receiver`,
        () =>
          `received ${secondRec.offsets.length}, last ${lastOf(secondRec.offsets)}, published ${pub.head}, ` +
          `recoveries ${JSON.stringify(secondRec.recoveries)}`,
      );
      await pub.finished;

      assertExactly([...firstRec.offsets, ...secondRec.offsets], 1, TOTAL, "offsets of both connections");
      assert.equal(secondRec.recoveries.length, 1);
      const recovered = secondRec.recoveries[0];
      assert.equal(recovered.recovered, true, JSON.stringify(recovered));
      assert.equal(recovered.from, last + 1);
      assert.ok(recovered.to >= HOLD_AT && recovered.to <= TOTAL, `to ${recovered.to}`);
      assertRecoveredEndsReplay(secondRec.log);
      t.diagnostic(`cut after offset ${last}; replayed ${recovered.from}..${recovered.to}, then live to ${TOTAL}`);
    });
  }
});

describe("3. socket.io-client's automatic reconnection resumes from the last offset", () => {
  const TOTAL = 300;
  const CUT_AT = 100;
  const HOLD_AT = 150;
  const BACKLOG = 50;
  let server;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("an `auth` function gives each reconnect the last offset; every event arrives once, in order", { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const id = newSessionId("auto");
    let lastOffset = 0;
    let connects = 0;
    /** The offset each connect's `auth` sent. */
    const sent = [];
    const cut = gate();
    const backlog = gate();
    const receiver = sessionSocket(server, id, {
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      // socket.io-client calls this on every (re)connect. On a reconnect it answers only once
      // the publisher has published BACKLOG events past the cut, so the reconnect surely has a
      // backlog to replay whatever the timing.
      auth: (cb) => {
        connects += 1;
        const ready = connects === 1 ? Promise.resolve() : backlog.promise;
        ready.then(() => {
          sent.push(lastOffset);
          cb({ offset: lastOffset });
        });
      },
    });
    const rec = record(receiver);
    receiver.once("disconnect", cut.open);
    receiver.onAny((name, envelope) => {
      if (name === RECOVERED) return; // offset 0: not a position in the stream
      lastOffset = Math.max(lastOffset, envelope.offset);
      if (envelope.offset >= CUT_AT && connects === 1 && receiver.connected) {
        receiver.io.engine.close(); // the transport dies; the Manager reconnects by itself
      }
    });
    const reconnected = withTimeout(
      new Promise((resolve) => receiver.io.once("reconnect", resolve)),
      WAIT_MS,
      "the automatic reconnection",
    );
    await connected(receiver, "the receiver");

    const pub = publishAll(await publisher(server, id), TOTAL, { pauses: new Map([[HOLD_AT, cut.promise]]) });
    await withTimeout(cut.promise, WAIT_MS, `offset ${CUT_AT} on the receiver`);
    const last = lastOffset;
    await waitUntil(() => pub.head >= last + BACKLOG, WAIT_MS, `${BACKLOG} events published after the cut`, () => `head ${pub.head}`);
    backlog.open();

    await reconnected;
    // session.recovered follows the replay, which may itself reach TOTAL: wait for both.
    await waitUntil(
      () => lastOf(rec.offsets) >= TOTAL && rec.recoveries.length >= 2,
      WAIT_MS,
      `offset ${TOTAL} and a second session.recovered after the automatic reconnection`,
      () =>
        `received ${rec.offsets.length}, last ${lastOf(rec.offsets)}, published ${pub.head}, ` +
        `recoveries ${JSON.stringify(rec.recoveries)}`,
    );
    await pub.finished;

    assert.equal(connects, 2, "one connect and one automatic reconnect");
    assert.deepEqual(sent, [0, last], "each connect sent the last offset applied");
    assert.equal(rec.connections.length, 2);
    const [firstConnection, resumed] = rec.connections;

    // What the server sent on each connection is exact: 1..k on the first (k >= the offset the
    // cut fired at), then precisely last+1..TOTAL on the reconnection.
    const firstOffsets = offsetsOf(firstConnection);
    assertExactly(firstOffsets, 1, lastOf(firstOffsets), "offsets of the first connection");
    assertExactly(offsetsOf(resumed), last + 1, TOTAL, "offsets of the automatic reconnection");

    // socket.io-client dispatches decoded packets a tick later (Manager#ondecoded). Events the
    // dying transport had already delivered are then held in the socket's receive buffer and
    // emitted on the reconnect, before the replay, and after `auth` read `lastOffset`: those
    // arrive twice. The documented offset rule drops them; what the application applies is
    // exactly 1..TOTAL.
    const doubled = lastOf(firstOffsets) - last;
    t.diagnostic(
      `cut after offset ${last}; ` +
        (doubled === 0
          ? "nothing was left in socket.io-client's receive buffer"
          : `socket.io-client's receive buffer then emitted ${doubled} event(s) of the dead connection ` +
            `(${last + 1}..${last + doubled}), which the replay sent again`),
    );
    assertExactly(applied(rec.offsets), 1, TOTAL, "offsets applied with the offset rule");

    assert.equal(rec.recoveries.length, 2, JSON.stringify(rec.recoveries));
    const [initial, recovered] = rec.recoveries;
    assert.equal(initial.recovered, true);
    assert.equal(initial.from, 1);
    assert.equal(recovered.recovered, true, JSON.stringify(recovered));
    assert.equal(recovered.from, last + 1);
    assert.ok(recovered.to >= last + BACKLOG, `to ${recovered.to}`);
    assertRecoveredEndsReplay(resumed);
  });
});

describe("4. an offset older than the retained history", () => {
  const CAP = 50;
  const PUBLISHED = 200;
  let server;

  before(async () => {
    // The retention cap applies to the store. The in-memory tail (default 4096 events) is not
    // trimmed to it and would still serve the old offsets, so it is made smaller than the cap:
    // then offsets below the cap are really gone, as they are after a restart.
    server = await startServer({ extraArgs: ["--retention-max-events", `${CAP}`, "--tail-events", "10"] });
  });
  after(async () => {
    await server?.stop();
  });

  /** A session with PUBLISHED events of which only the last CAP are retained. */
  async function trimmedSession() {
    const id = newSessionId("trim");
    const socket = await publisher(server, id);
    const pub = publishAll(socket, PUBLISHED, { batch: 50 });
    await pub.finished;
    return { id, socket };
  }

  it("session.recovered says recovered: false and the client gets what is left, contiguous to the head, then live events", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { id, socket: pub } = await trimmedSession();
    const late = sessionSocket(server, id, { auth: { offset: 10 } });
    const rec = record(late);
    await connected(late, "the late client");
    await waitUntil(() => rec.recoveries.length > 0, WAIT_MS, "session.recovered", () => `offsets ${compact(rec.offsets)}`);

    const recovered = rec.recoveries[0];
    assert.equal(recovered.recovered, false, JSON.stringify(recovered));
    assert.equal(recovered.to, PUBLISHED);
    assert.ok(recovered.from > 11, `from ${recovered.from}: offset 11 should be gone`);
    assert.ok(recovered.from <= PUBLISHED - CAP + 1, `from ${recovered.from}: fewer than ${CAP} events kept`);
    assertExactly(rec.offsets, recovered.from, PUBLISHED, "what the history still held");

    // Live events follow the partial replay without a gap.
    await ok(pub, "publish", { events: [outputText("after"), outputText("after 2")] });
    await waitUntil(() => lastOf(rec.offsets) >= PUBLISHED + 2, WAIT_MS, "the live events after the replay");
    assertExactly(rec.offsets, recovered.from, PUBLISHED + 2, "replay then live");
    assertRecoveredEndsReplay(rec.log);
  });

  it("an offset still retained (older than the in-memory tail) recovers fully from the store", { timeout: TEST_TIMEOUT_MS }, async () => {
    const { id } = await trimmedSession();
    const offset = PUBLISHED - 30; // in the store's last CAP, before the tail's last 10
    const client = sessionSocket(server, id, { auth: { offset } });
    const rec = record(client);
    await connected(client, "the client");
    await waitUntil(() => rec.recoveries.length > 0, WAIT_MS, "session.recovered", () => `offsets ${compact(rec.offsets)}`);
    assert.deepEqual(rec.recoveries[0], { recovered: true, from: offset + 1, to: PUBLISHED });
    assertExactly(rec.offsets, offset + 1, PUBLISHED, "the replay from the store");
  });
});
