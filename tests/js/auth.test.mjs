// Authentication seen from the official socket.io-client (4.8) against a real `agentcast
// serve` with authentication on (the default): a refused connect surfaces `connect_error`
// with the server's reason; a valid token connects; a read token cannot publish.
//
// Run: AGENTCAST_BIN=/path/to/agentcast node --test auth.test.mjs

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";

import { io } from "socket.io-client";

import { startServer } from "./lib/server.mjs";
import { withTimeout } from "./lib/wait.mjs";

const WAIT_MS = 5000;

let server;
let sockets = [];

before(async () => {
  server = await startServer({ extraArgs: ["--auth", "jwt"] });
});

afterEach(() => {
  for (const socket of sockets) socket.disconnect();
  sockets = [];
});

after(async () => {
  await server?.stop();
});

/** Opens a socket without automatic reconnection. */
function open(namespace, auth) {
  const socket = io(`${server.url}${namespace}`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    auth,
  });
  sockets.push(socket);
  return socket;
}

/** The `connect_error` message of a refused connect. */
function refusal(namespace, auth) {
  const socket = open(namespace, auth);
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("connect_error", (err) => resolve(err.message));
      socket.once("connect", () => reject(new Error(`${namespace} connected; a refusal was expected`)));
    }),
    WAIT_MS,
    `connect_error on ${namespace}`,
  );
}

describe("a refused connect", () => {
  it("says the token is missing", async () => {
    assert.match(await refusal("/sessions/a", {}), /^missing token/);
  });

  it("says the token is not a JWT", async () => {
    assert.match(await refusal("/sessions/a", { token: "garbage" }), /^invalid token: not a JWT/);
  });

  it("says the token is not for this session", async () => {
    const token = server.token({ sessions: ["b"] });
    assert.equal(await refusal("/sessions/a", { token }), "token not allowed for session a");
  });

  it("says the token has expired", async () => {
    const token = server.token({ ttl: "1s" });
    // `exp` has a one-second resolution: wait until it has certainly passed.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal(await refusal("/sessions/a", { token }), "token expired");
  });
});

describe("a valid token", () => {
  it("connects, and its scope decides what it may do", async () => {
    const socket = open("/sessions/a", { token: server.token({ scope: "read", sessions: ["a"] }) });
    await withTimeout(new Promise((resolve) => socket.once("connect", resolve)), WAIT_MS, "connect");
    const ack = await withTimeout(
      socket.emitWithAck("publish", { events: [{ type: "output.text", data: { text: "hi" } }] }),
      WAIT_MS,
      "publish ack",
    );
    assert.deepEqual(ack, { error: { code: "forbidden", message: "missing scope: write needed" } });
    const status = await withTimeout(socket.emitWithAck("get_status", {}), WAIT_MS, "get_status ack");
    assert.equal(status.ok.session_id, "a");
  });
});
