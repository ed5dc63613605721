// @ts-check
// The JavaScript client of agentcast: socket.io-client with recovery by offset, so a program
// reads a session's events exactly once and in offset order across reconnects and server
// restarts (DESIGN.md section 2), and sends commands whose errors are typed.
//
// How a session stays exactly-once (the algorithm of agentcast-client, client-wasm/):
// - `last` is the greatest offset taken; every (re)connect sends auth `{token, offset: last}`
//   and the server replays what came after it, then `session.recovered`, then live events;
//   an offset <= `last` is a duplicate and is dropped.
// - An offset beyond `last + 1`, or `session.recovered {recovered: false}`, is a gap: the
//   missing offsets are paged with `get_history {after: last, before}` before anything later
//   is taken; what the history no longer holds is reported to `onGap`.
// - At most `maxBuffered` events wait for the consumer. Beyond that, events are left as if
//   they were a gap, and paged from the history once the consumer has taken half: the socket
//   stays connected, so commands sent meanwhile are answered.
// - A namespace disconnect by the server (a slow consumer, an expired token) is not retried by
//   socket.io-client: the stream reconnects itself, with backoff.
//
// Types: client.d.mts (the implementation below is checked against it).

import { Manager } from "socket.io-client";

/**
 * @import { Socket } from "socket.io-client"
 * @import { AgentcastErrorCode, CommandArgs, CommandName, CommandResult, ConnectOptions,
 *   Gap, Hub, SessionEvent, SessionOptions, SessionStream } from "./client.mjs"
 * @import { Envelope, ErrorBody, HistoryPage, PermissionRespondArgs, SessionRecovered }
 *   from "./agentcast.d.ts"
 */

/**
 * A hub's settings, every default applied.
 * @typedef {Required<Omit<ConnectOptions, "token" | "transports">> & {token: string | undefined}} Settings
 */

const DEFAULTS = {
  ackTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  reconnectDelayMs: 500,
  reconnectDelayMaxMs: 10_000,
  maxPendingCommands: 100,
  maxBuffered: 5000,
};
/** The server's cap on a `get_history` page (MAX_HISTORY_LIMIT in agentcast-shared). */
const HISTORY_PAGE = 1000;
/** Session ids are 1 to 128 of these (agentcast-shared, session_id.rs). */
const SESSION_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** `*`, a dotted name, or a dotted name followed by `.*` (agentcast-shared, pattern.rs). */
const PATTERN = /^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?)$/;
const RECOVERED = "session.recovered";

export class AgentcastError extends Error {
  /**
   * @param {AgentcastErrorCode} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "AgentcastError";
    /** @readonly */
    this.code = code;
  }
}

/** @type {(url: string, options?: ConnectOptions) => Hub} */
export const connect = (url, options = {}) => new AgentcastHub(url, options);

/** @implements {Hub} */
class AgentcastHub {
  /** @type {Manager} */
  #manager;
  /** @type {Settings} */
  #options;
  /** @type {Set<Stream>} */
  #sessions = new Set();
  #closed = false;

  /**
   * @param {string} url
   * @param {ConnectOptions} options
   */
  constructor(url, options) {
    if (typeof url !== "string" || !/^(https?|wss?):\/\/[^/]/.test(url)) {
      throw new AgentcastError("bad_request", `url: expected http(s):// or ws(s)://, got ${JSON.stringify(url)}`);
    }
    if (options.token !== undefined && typeof options.token !== "string") {
      throw new AgentcastError("bad_request", "token: expected a string");
    }
    this.#options = {
      token: options.token,
      ackTimeoutMs: positive(options, "ackTimeoutMs"),
      connectTimeoutMs: positive(options, "connectTimeoutMs"),
      reconnectDelayMs: positive(options, "reconnectDelayMs"),
      reconnectDelayMaxMs: positive(options, "reconnectDelayMaxMs"),
      maxPendingCommands: positive(options, "maxPendingCommands"),
    };
    // One connection for every session of the hub (Socket.IO multiplexes namespaces). It
    // opens when the first session connects; its own reconnection covers a lost connection
    // or a restarted server, with the same backoff as the stream's.
    this.#manager = new Manager(url.replace(/\/+$/, ""), {
      autoConnect: false,
      reconnectionDelay: this.#options.reconnectDelayMs,
      reconnectionDelayMax: this.#options.reconnectDelayMaxMs,
      randomizationFactor: 0.5,
      timeout: this.#options.connectTimeoutMs,
      ...(options.transports ? { transports: options.transports } : {}),
    });
  }

  /**
   * @param {string} id
   * @param {SessionOptions} [options]
   * @returns {SessionStream}
   */
  session(id, options = {}) {
    if (this.#closed) throw new AgentcastError("closed", "the hub is closed");
    if (typeof id !== "string" || !SESSION_ID.test(id)) {
      throw new AgentcastError("bad_request", `session id: expected 1 to 128 of [A-Za-z0-9._-], got ${JSON.stringify(id)}`);
    }
    const stream = new Stream(this.#manager, id, this.#options, options, () => this.#sessions.delete(stream));
    this.#sessions.add(stream);
    return stream;
  }

  close() {
    this.#closed = true;
    for (const stream of [...this.#sessions]) stream.close();
    this.#manager.reconnection(false);
    // Close the engine itself, not only the namespaces: over long-polling a namespace's
    // disconnect would otherwise wait for a POST before the transport is released.
    this.#manager.engine?.close();
  }
}

/** @implements {SessionStream} */
class Stream {
  /** @type {Socket} */
  #socket;
  #hub;
  #id;
  /** @type {(type: string) => boolean} */
  #wanted;
  #maxBuffered;
  /** @type {((gap: Gap) => void) | undefined} */
  #onGap;
  #onClose;
  #last;
  /** The offset sent in the auth of the current connection: what `session.recovered` answers. */
  #requested = 0;
  /**
   * Received, not yet judged (the pump may be awaiting the history meanwhile).
   * @type {Envelope[]}
   */
  #inbox = [];
  /**
   * Judged and fresh, waiting for the consumer.
   * @type {SessionEvent[]}
   */
  #ready = [];
  /** @type {{resolve: (r: IteratorResult<SessionEvent>) => void, reject: (e: unknown) => void}[]} */
  #waiters = [];
  #pumping = false;
  /**
   * The stream is behind up to this offset (0: it is not): a gap was seen, or events were
   * left at the buffer's limit. Until the history has been read up to it, live events are
   * left too (only their offset is kept here), so nothing overtakes the catch-up.
   */
  #behind = 0;
  /** Set once the stream is over: closed (null) or failed (the error). */
  /** @type {{error: unknown} | null | undefined} */
  #ended = undefined;
  #pending = 0;
  #attempt = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #reconnectTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #pumpTimer;
  /** @type {(() => void) | undefined} */
  #unlisten;

  /**
   * @param {Manager} manager
   * @param {string} id
   * @param {Settings} hub
   * @param {SessionOptions} options
   * @param {() => void} onClose
   */
  constructor(manager, id, hub, options, onClose) {
    this.#hub = hub;
    this.#id = id;
    this.#onClose = onClose;
    this.#last = offset(options.fromOffset ?? 0, "fromOffset");
    this.#maxBuffered = positive(options, "maxBuffered");
    this.#wanted = matcher(options.types);
    if (options.onGap !== undefined && typeof options.onGap !== "function") {
      throw new AgentcastError("bad_request", "onGap: expected a function");
    }
    this.#onGap = options.onGap;
    this.#socket = manager.socket(`/sessions/${id}`, {
      // Called at every (re)connect: the server replays what came after `last`.
      auth: (cb) => {
        this.#requested = this.#last;
        cb(this.#hub.token === undefined ? { offset: this.#last } : { token: this.#hub.token, offset: this.#last });
      },
    });
    this.#listen(options.signal);
    this.#socket.connect();
  }

  get id() {
    return this.#id;
  }

  get lastOffset() {
    return this.#last;
  }

  /** @param {AbortSignal | undefined} signal */
  #listen(signal) {
    const socket = this.#socket;
    socket.onAny((/** @type {string} */ name, /** @type {Envelope} */ envelope) => this.#receive(name, envelope));
    socket.on("connect", () => {
      this.#attempt = 0;
      void this.#pump(); // a catch-up that failed while disconnected goes on
    });
    socket.on("disconnect", (reason) => {
      // The server disconnected the namespace (a slow consumer, an expired token):
      // socket.io-client leaves that to the application. Any other reason is either ours or
      // handled by the manager's reconnection.
      if (reason === "io server disconnect") this.#reconnectLater();
    });
    socket.on("connect_error", (err) => {
      // An active socket is retried by the manager (the server is down or restarting); an
      // inactive one was refused by the server (the token, the session): that is final.
      if (!socket.active) this.#fail(new AgentcastError("connect_refused", `session ${this.#id}: ${err.message}`));
    });
    if (signal) {
      const abort = () => this.#fail(signal.reason);
      if (signal.aborted) queueMicrotask(abort);
      else {
        signal.addEventListener("abort", abort, { once: true });
        this.#unlisten = () => signal.removeEventListener("abort", abort);
      }
    }
  }

  #reconnectLater() {
    if (this.#ended !== undefined) return;
    const { reconnectDelayMs, reconnectDelayMaxMs } = this.#hub;
    const delay = Math.min(reconnectDelayMaxMs, reconnectDelayMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      if (this.#ended === undefined && !this.#socket.active) this.#socket.connect();
    }, delay * (0.5 + Math.random()));
  }

  /**
   * @param {string} name
   * @param {Envelope} envelope
   */
  #receive(name, envelope) {
    if (this.#ended !== undefined || !envelope || typeof envelope.offset !== "number") return;
    // Offset 0 is an ephemeral control event; of those only `session.recovered` matters here.
    if (envelope.offset === 0) {
      if (name !== RECOVERED) return;
    } else if (this.#behind > 0 || this.#buffered() >= this.#maxBuffered) {
      // Left, not taken: `last` stays before it, and the catch-up reads it from the history.
      this.#behind = Math.max(this.#behind, envelope.offset);
      return;
    }
    this.#inbox.push(envelope);
    void this.#pump();
  }

  #buffered() {
    return this.#inbox.length + this.#ready.length;
  }

  /**
   * Judges the inbox in order, then catches up from the history while there is room; one step
   * at a time, because reading the history is awaited.
   */
  async #pump() {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#ended === undefined) {
        const envelope = this.#inbox.shift();
        if (envelope) this.#judge(envelope);
        else if (this.#behind > this.#last && this.#ready.length <= this.#maxBuffered / 2) {
          const before = this.#last;
          await this.#catchUp(this.#behind);
          if (this.#last === before) break; // no room left for it
        } else break;
        if (this.#behind <= this.#last) this.#behind = 0;
      }
    } catch (err) {
      // The history could not be read (disconnected meanwhile, or refused): try again after
      // a pause, or at the next connect.
      if (this.#ended === undefined && !(err instanceof AgentcastError && err.code === "closed")) {
        clearTimeout(this.#pumpTimer);
        this.#pumpTimer = setTimeout(() => void this.#pump(), this.#hub.reconnectDelayMs);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** @param {Envelope} envelope */
  #judge(envelope) {
    if (envelope.offset === 0) this.#recovered(/** @type {Envelope<SessionRecovered>} */ (envelope).data);
    else if (envelope.offset <= this.#last) return; // a duplicate: replay overlapping live
    else if (this.#behind > 0 || envelope.offset > this.#last + 1) this.#behind = Math.max(this.#behind, envelope.offset);
    else this.#take(envelope);
  }

  /** @param {SessionRecovered} recovered */
  #recovered({ recovered, from, to }) {
    if (recovered) return;
    if (to < this.#requested) {
      this.#fail(
        new AgentcastError(
          "history_reset",
          `session ${this.#id}: the server's history ends at offset ${to}, before offset ${this.#requested} already applied (another server, or its data was wiped)`,
        ),
      );
      return;
    }
    // The history resumes at `from`. The events replayed from there came before this notice
    // and showed the gap already; should none have come, the catch-up finds it from here.
    if (from > this.#last + 1) this.#behind = Math.max(this.#behind, from - 1);
  }

  /**
   * Reads the history after `last` up to `through`, at most as much as the buffer has room
   * for; offsets it no longer holds (trimmed by retention) are reported to `onGap`.
   * @param {number} through
   */
  async #catchUp(through) {
    while (this.#last < through) {
      const room = this.#maxBuffered - this.#buffered();
      if (room <= 0) return;
      /** @type {HistoryPage} */
      const page = await this.request("get_history", {
        after: this.#last,
        before: through + 1,
        limit: Math.min(HISTORY_PAGE, room),
      });
      for (const envelope of page.events) {
        if (envelope.offset <= this.#last || envelope.offset > through) continue;
        if (envelope.offset > this.#last + 1) this.#lost(envelope.offset - 1);
        this.#take(envelope);
      }
      // The page holds all there is up to `through`: the rest is gone.
      if ((!page.has_more || page.events.length === 0) && this.#last < through) this.#lost(through);
    }
  }

  /**
   * The history no longer holds `last + 1 ..= to`.
   * @param {number} to
   */
  #lost(to) {
    const gap = { from: this.#last + 1, to };
    this.#last = to;
    this.#onGap?.(gap);
  }

  /** @param {Envelope} envelope */
  #take(envelope) {
    this.#last = envelope.offset;
    if (!this.#wanted(envelope.type)) return;
    const event = /** @type {SessionEvent} */ (envelope);
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve({ value: event, done: false });
    else this.#ready.push(event);
  }

  /** @returns {Promise<IteratorResult<SessionEvent>>} */
  next() {
    const event = this.#ready.shift();
    if (event) {
      if (this.#behind > 0) void this.#pump();
      return Promise.resolve({ value: event, done: false });
    }
    if (this.#ended === null) return Promise.resolve({ value: undefined, done: true });
    if (this.#ended !== undefined) {
      const { error } = this.#ended;
      this.#ended = null; // reported once; the iterator is then done
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** @returns {Promise<IteratorResult<SessionEvent>>} */
  return() {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /**
   * @template {CommandName} K
   * @param {K} name
   * @param {CommandArgs<K>} args
   * @param {{timeoutMs?: number}} [options]
   * @returns {Promise<CommandResult<K>>}
   */
  async request(name, args, options = {}) {
    if (this.#ended !== undefined) throw new AgentcastError("closed", `session ${this.#id} is closed`);
    const timeoutMs = options.timeoutMs === undefined ? this.#hub.ackTimeoutMs : positive(options, "timeoutMs");
    if (this.#pending >= this.#hub.maxPendingCommands) {
      throw new AgentcastError("too_many_pending", `${this.#hub.maxPendingCommands} commands already await their acknowledgement`);
    }
    this.#pending += 1;
    /** @type {unknown} */
    let ack;
    try {
      // While disconnected the command waits in socket.io-client's buffer, which drops it at
      // the timeout: the buffer never outgrows what `maxPendingCommands` lets in.
      ack = await this.#socket.timeout(timeoutMs).emitWithAck(name, args);
    } catch (err) {
      if (this.#ended !== undefined) throw new AgentcastError("closed", `session ${this.#id} is closed`);
      // socket.io-client's words for a command sent before the connection was lost.
      if (err instanceof Error && err.message === "socket has been disconnected") {
        throw new AgentcastError("disconnected", `${name}: the connection was lost before its acknowledgement`);
      }
      throw new AgentcastError("timeout", `${name}: no acknowledgement within ${timeoutMs} ms`);
    } finally {
      this.#pending -= 1;
    }
    if (ack && typeof ack === "object" && "ok" in ack) return /** @type {CommandResult<K>} */ (ack.ok);
    if (ack && typeof ack === "object" && "error" in ack && isErrorBody(ack.error)) {
      throw new AgentcastError(ack.error.code, ack.error.message);
    }
    throw new AgentcastError("internal", `${name}: unexpected acknowledgement ${JSON.stringify(ack)?.slice(0, 200)}`);
  }

  /** @param {string} text */
  prompt(text) {
    return this.request("prompt", { text });
  }

  interrupt() {
    return this.request("interrupt", {});
  }

  /** @param {PermissionRespondArgs} args */
  respondPermission(args) {
    return this.request("permission.respond", args);
  }

  end() {
    return this.request("end", {});
  }

  close() {
    this.#end(null);
  }

  /** @param {unknown} error */
  #fail(error) {
    this.#end({ error });
  }

  /** @param {{error: unknown} | null} how */
  #end(how) {
    if (this.#ended !== undefined) return;
    this.#ended = how;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#pumpTimer);
    this.#unlisten?.();
    this.#inbox = [];
    if (how === null) this.#ready = [];
    this.#socket.disconnect();
    this.#onClose();
    // Pending `next()`s end. After a failure the events already taken stay readable, then
    // `next()` rejects once with the error.
    for (const waiter of this.#waiters.splice(0)) {
      if (how === null) waiter.resolve({ value: undefined, done: true });
      else {
        waiter.reject(how.error);
        this.#ended = null;
      }
    }
  }
}

/**
 * A whole number >= 0, or a typed error naming the field.
 * @param {unknown} value
 * @param {string} field
 */
function offset(value, field) {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new AgentcastError("bad_request", `${field}: expected a whole number >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * `options[field]` (a whole number >= 1) or its default.
 * @template {keyof typeof DEFAULTS | "timeoutMs"} F
 * @param {Partial<Record<F, unknown>>} options
 * @param {F} field
 * @returns {number}
 */
function positive(options, field) {
  const value = options[field] ?? (field === "timeoutMs" ? undefined : DEFAULTS[/** @type {keyof typeof DEFAULTS} */ (field)]);
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new AgentcastError("bad_request", `${field}: expected a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Which event types a stream yields; the patterns match as the server's do (pattern.rs).
 * @param {unknown} types
 * @returns {(type: string) => boolean}
 */
function matcher(types) {
  if (types === undefined) return () => true;
  if (!Array.isArray(types) || types.length === 0) {
    throw new AgentcastError("bad_request", "types: expected a non-empty array of patterns");
  }
  /** @type {((type: string) => boolean)[]} */
  const tests = types.map((pattern, i) => {
    if (typeof pattern !== "string" || !PATTERN.test(pattern)) {
      throw new AgentcastError(
        "bad_request",
        `types[${i}]: invalid pattern ${JSON.stringify(pattern)}: expected \`*\`, an event type or a prefix ending in \`.*\``,
      );
    }
    if (pattern === "*") return () => true;
    if (pattern.endsWith(".*")) {
      const prefix = pattern.slice(0, -1);
      return (type) => type.startsWith(prefix);
    }
    return (type) => type === pattern;
  });
  return (type) => tests.some((test) => test(type));
}

/**
 * @param {unknown} error
 * @returns {error is ErrorBody}
 */
function isErrorBody(error) {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string" &&
    "message" in error &&
    typeof error.message === "string"
  );
}
