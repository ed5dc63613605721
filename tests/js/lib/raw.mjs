// Raw Engine.IO v4 clients that speak the wire format byte for byte, for the conformance suite:
// one over WebSocket (the `ws` package) and one over HTTP long-polling (global fetch). They do
// no Socket.IO parsing; tests write and read packets as strings, so the frames in a test are
// the frames on the wire.
//
// Both queue what arrives and hand it out with `next(ms)`, which rejects after `ms`. With
// `autoPong` (the default) an Engine.IO ping "2" is answered with "3" and not queued, so a
// 300 ms ping interval cannot slip a stray "2" between the packets a test expects; heartbeat
// tests turn it off to see the pings themselves. Either way `openedAt` (when the handshake
// arrived) and `pingTimes` (when each ping arrived) let a test check when the pings came.

import http from "node:http";

import WebSocket from "ws";

import { withTimeout } from "./wait.mjs";

export const RECORD_SEPARATOR = "\x1e";
const DEFAULT_WAIT_MS = 3000;

/** `http://host:port/socket.io/?EIO=4&...` with the given query. */
export function engineUrl(base, query) {
  const url = new URL("/socket.io/", base);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

/** An Engine.IO connection over a raw WebSocket. */
export class RawWebSocket {
  /**
   * @param {string} wsBase e.g. `ws://127.0.0.1:1234`
   * @param {Record<string, string>} query the Engine.IO query (EIO, transport, sid)
   */
  constructor(wsBase, query = { EIO: "4", transport: "websocket" }, { autoPong = true } = {}) {
    this.autoPong = autoPong;
    this.pings = 0;
    /** `Date.now()` when each ping arrived, answered or not. */
    this.pingTimes = [];
    /** `Date.now()` when the Engine.IO open packet arrived. */
    this.openedAt = undefined;
    this.queue = [];
    this.waiters = [];
    this.closed = false;
    this.opened = false;
    /** The HTTP status when the server refused the upgrade. */
    this.refusedStatus = undefined;
    this.ws = new WebSocket(engineUrl(wsBase, query));
    this.closedPromise = new Promise((resolve) => {
      this.ws.on("close", (code, reason) => {
        this.closed = true;
        this.closeInfo = { code, reason: reason.toString() };
        this.#wake();
        resolve(this.closeInfo);
      });
    });
    this.ws.on("open", () => {
      this.opened = true;
    });
    this.ws.on("unexpected-response", (_req, res) => {
      this.refusedStatus = res.statusCode;
      res.resume();
      this.ws.terminate();
    });
    // A refused or reset connection also reports an error; the close event carries the outcome.
    this.ws.on("error", (err) => {
      this.error = err;
    });
    this.ws.on("message", (data, isBinary) => {
      if (isBinary) {
        this.queue.push(Buffer.from(data));
      } else {
        const text = data.toString("utf8");
        if (text === "2") this.pingTimes.push(Date.now());
        if (text.startsWith("0")) this.openedAt ??= Date.now();
        if (this.autoPong && text === "2") {
          this.pings += 1;
          this.ws.send("3");
          return;
        }
        this.queue.push(text);
      }
      this.#wake();
    });
  }

  #wake() {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once the WebSocket is open. */
  waitOpen(ms = DEFAULT_WAIT_MS) {
    if (this.opened) return Promise.resolve();
    return withTimeout(
      new Promise((resolve, reject) => {
        this.ws.once("open", resolve);
        this.closedPromise.then(() => reject(new Error(`websocket closed before opening (HTTP ${this.refusedStatus})`)));
      }),
      ms,
      "the websocket to open",
    );
  }

  /** The next frame: a string for a text frame, a Buffer for a binary frame. */
  async next(ms = DEFAULT_WAIT_MS) {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      if (this.closed) throw new Error(`connection closed (${JSON.stringify(this.closeInfo)}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for a websocket frame`);
      await withTimeout(new Promise((resolve) => this.waiters.push(resolve)), left, "a websocket frame").catch(
        () => {},
      );
    }
    return this.queue.shift();
  }

  /** The next frame, which must be text. */
  async nextText(ms = DEFAULT_WAIT_MS) {
    const frame = await this.next(ms);
    if (typeof frame !== "string") throw new Error(`expected a text frame, got binary ${frame.toString("hex")}`);
    return frame;
  }

  /** The next `count` frames. */
  async nextFrames(count, ms = DEFAULT_WAIT_MS) {
    const frames = [];
    for (let i = 0; i < count; i += 1) frames.push(await this.next(ms));
    return frames;
  }

  /** Sends each frame: a string as a text frame, a Buffer/Uint8Array as a binary frame. */
  send(...frames) {
    for (const frame of frames) this.ws.send(frame);
  }

  /** Resolves with `{code, reason}` when the connection is closed by either side. */
  waitClosed(ms = DEFAULT_WAIT_MS) {
    return withTimeout(this.closedPromise, ms, "the connection to close");
  }

  close() {
    if (!this.closed) this.ws.terminate();
  }
}

/** Opens a WebSocket Engine.IO session and reads its handshake packet. */
export async function openWebSocket(wsBase, options) {
  const socket = new RawWebSocket(wsBase, undefined, options);
  const open = await socket.nextText();
  if (!open.startsWith("0")) throw new Error(`expected an Engine.IO open packet, got ${open}`);
  socket.handshake = JSON.parse(open.slice(1));
  return socket;
}

/** An Engine.IO session over HTTP long-polling. */
export class RawPolling {
  constructor(base, sid, handshake, { autoPong = true } = {}) {
    this.base = base;
    this.sid = sid;
    this.handshake = handshake;
    this.autoPong = autoPong;
    this.pings = 0;
    /** `Date.now()` when each ping arrived (the poll that brought it returned), answered or not. */
    this.pingTimes = [];
    /** `Date.now()` when the handshake answer arrived. */
    this.openedAt = undefined;
    this.queue = [];
  }

  /** Performs the handshake GET and returns the session. */
  static async open(base, options) {
    const res = await fetch(engineUrl(base, { EIO: "4", transport: "polling" }), {
      signal: AbortSignal.timeout(DEFAULT_WAIT_MS),
    });
    const body = await res.text();
    if (res.status !== 200 || !body.startsWith("0")) {
      throw new Error(`polling handshake failed: HTTP ${res.status} ${body}`);
    }
    const handshake = JSON.parse(body.slice(1));
    const session = new RawPolling(base, handshake.sid, handshake, options);
    session.openedAt = Date.now();
    return session;
  }

  get url() {
    return engineUrl(this.base, { EIO: "4", transport: "polling", sid: this.sid });
  }

  /** One GET of the session: `{status, body}`. */
  async get(ms = DEFAULT_WAIT_MS) {
    const res = await fetch(this.url, { signal: AbortSignal.timeout(ms) });
    return { status: res.status, body: await res.text() };
  }

  /**
   * Starts one request of the session (a GET, or a POST of `body`) on a connection of its own
   * and returns `{sent, answer}`: `sent` resolves once the request has been handed to the
   * operating system, `answer` with `{status, body}`. A request started after `sent` reaches
   * the server after this one, on a connection it accepted later: the order is the test's,
   * not the connection pool's. (fetch tells neither when a request is sent nor which
   * connection it takes.)
   */
  start(method = "GET", body = undefined, ms = DEFAULT_WAIT_MS) {
    const headers = body === undefined ? {} : { "content-type": "text/plain;charset=UTF-8" };
    const req = http.request(this.url, { method, headers, agent: false, signal: AbortSignal.timeout(ms) });
    req.end(body);
    const failed = new Promise((_, reject) => req.once("error", reject));
    const sent = new Promise((resolve) => req.once("finish", resolve));
    const answer = new Promise((resolve) => {
      req.once("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.once("end", () => resolve({ status: res.statusCode, body: text }));
      });
    });
    return {
      sent: withTimeout(Promise.race([sent, failed]), ms, `the ${method} to be sent`),
      answer: withTimeout(Promise.race([answer, failed]), ms, `the answer to the ${method}`),
    };
  }

  /** One POST of `body` (packets joined by the record separator): `{status, body}`. */
  async post(body, ms = DEFAULT_WAIT_MS) {
    const res = await fetch(this.url, {
      method: "POST",
      body,
      headers: { "content-type": "text/plain;charset=UTF-8" },
      signal: AbortSignal.timeout(ms),
    });
    return { status: res.status, body: await res.text() };
  }

  /**
   * POSTs one or more packets in one payload and checks the server took them; a Buffer or
   * Uint8Array becomes a base64 binary packet ("b" + base64), as Engine.IO v4 polling encodes it.
   */
  async send(...packets) {
    const encoded = packets.map((p) => (typeof p === "string" ? p : `b${Buffer.from(p).toString("base64")}`));
    const { status, body } = await this.post(encoded.join(RECORD_SEPARATOR));
    if (status !== 200) throw new Error(`POST refused: HTTP ${status} ${body}`);
  }

  /**
   * The next packet, polling as needed: a string, or a Buffer for a base64 binary packet ("b...").
   */
  async next(ms = DEFAULT_WAIT_MS) {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for a polled packet`);
      let reply;
      try {
        reply = await this.get(left);
      } catch (err) {
        throw new Error(`poll failed while waiting for a packet: ${err.message}`);
      }
      if (reply.status !== 200) throw new Error(`poll answered HTTP ${reply.status}: ${reply.body}`);
      for (const packet of reply.body.split(RECORD_SEPARATOR)) {
        if (packet === "2") this.pingTimes.push(Date.now());
        if (this.autoPong && packet === "2") {
          this.pings += 1;
          await this.send("3");
        } else if (packet.startsWith("b")) {
          this.queue.push(Buffer.from(packet.slice(1), "base64"));
        } else {
          this.queue.push(packet);
        }
      }
    }
    return this.queue.shift();
  }

  async nextText(ms = DEFAULT_WAIT_MS) {
    const packet = await this.next(ms);
    if (typeof packet !== "string") throw new Error(`expected a text packet, got binary ${packet.toString("hex")}`);
    return packet;
  }

  async nextFrames(count, ms = DEFAULT_WAIT_MS) {
    const packets = [];
    for (let i = 0; i < count; i += 1) packets.push(await this.next(ms));
    return packets;
  }

  /** Best-effort close of the session ("1"); the server may already have closed it. */
  async close() {
    await this.post("1").catch(() => {});
  }
}
