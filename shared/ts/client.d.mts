// The public types of client.mjs, the JavaScript client of agentcast: socket.io-client with
// recovery by offset. Written by hand over the definitions generated from the Rust types
// (agentcast.d.ts); client.mjs is type-checked against these declarations (tsc checkJs), so
// the two cannot drift apart.

import type {
  Ack,
  ClientToServerEvents,
  EndResult,
  ErrorCode,
  EventType,
  InterruptResult,
  PermissionRespondArgs,
  PermissionResponded,
  PromptResult,
  ServerToClientEvents,
} from "./agentcast.d.ts";

export type * from "./agentcast.d.ts";

/**
 * An envelope of a session's stream, typed by its `type`: narrowing on `type` gives the data's
 * type (`if (e.type === "tool.started") e.data.name`).
 */
export type SessionEvent = {
  [K in EventType]: Parameters<ServerToClientEvents[K]>[0] & { type: K };
}[EventType];

/** A command's name (a Socket.IO event with an acknowledgement). */
export type CommandName = keyof ClientToServerEvents;
/** The arguments a command takes. */
export type CommandArgs<K extends CommandName> = Parameters<ClientToServerEvents[K]>[0];
/** What a command's `{ok}` acknowledgement carries. */
export type CommandResult<K extends CommandName> =
  Parameters<ClientToServerEvents[K]>[1] extends (res: Ack<infer T>) => void ? T : never;

/** A subscription pattern: `*`, an event type, or a prefix ending in `.*` (`tool.*`). */
export type TypePattern = "*" | EventType | `${string}.*`;

/**
 * Why a call failed. The server's codes (`ErrorCode`, from an `{error}` acknowledgement) and
 * the client's own:
 * - `timeout`: no acknowledgement within the command's time limit (the command may still
 *   have run);
 * - `disconnected`: the connection was lost after the command was sent (it may have run);
 * - `too_many_pending`: more commands awaiting their acknowledgement than `maxPendingCommands`;
 * - `connect_refused`: the server refused the namespace (a bad or expired token, a session the
 *   token does not grant); the message is the server's;
 * - `history_reset`: the server's history of the session is behind the last offset applied (a
 *   wiped data directory, another server): continuing would mix two histories;
 * - `closed`: the hub or the session was closed.
 */
export type AgentcastErrorCode =
  | ErrorCode
  | "timeout"
  | "disconnected"
  | "too_many_pending"
  | "connect_refused"
  | "history_reset"
  | "closed";

/** A failed command or stream: `code` for programs, `message` for people. */
export declare class AgentcastError extends Error {
  readonly code: AgentcastErrorCode;
  constructor(code: AgentcastErrorCode, message: string);
}

/** Offsets the server's history no longer held (trimmed by retention): `from..to` inclusive. */
export type Gap = { from: number; to: number };

export interface ConnectOptions {
  /** The JWT (`agentcast token create`); omit it for a server run with `--auth none`. */
  token?: string | undefined;
  /** Time limit of a command's acknowledgement, in ms [default 10000]. */
  ackTimeoutMs?: number;
  /** Time limit of one connection attempt, in ms [default 10000]. */
  connectTimeoutMs?: number;
  /** First reconnection delay, in ms; doubled at each attempt, with jitter [default 500]. */
  reconnectDelayMs?: number;
  /** Longest reconnection delay, in ms [default 10000]. */
  reconnectDelayMaxMs?: number;
  /** Commands awaiting their acknowledgement at most, per session [default 100]. */
  maxPendingCommands?: number;
  /** Engine.IO transports, in order [default socket.io-client's: polling, then websocket]. */
  transports?: ("polling" | "websocket" | "webtransport")[];
}

export interface SessionOptions {
  /**
   * The last offset already applied: the stream starts after it [default 0, the whole
   * history].
   */
  fromOffset?: number;
  /**
   * Only yield events of these types [default every type]. The filter is applied in the
   * client: every event still moves the offset, so a filtered-out event is never mistaken for
   * a gap.
   */
  types?: TypePattern[];
  /**
   * Events received but not yet consumed at most [default 5000]. Beyond it events are left
   * (the socket stays connected, commands go on) and read back with `get_history` once the
   * consumer has taken half of them: nothing is lost, the server keeps them.
   */
  maxBuffered?: number;
  /** Called when the server's history no longer held some offsets (trimmed by retention). */
  onGap?: (gap: Gap) => void;
  /** Ends the stream: a pending or later `next()` rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * One session's events, exactly once and in offset order across reconnects and server
 * restarts, and its commands. Iterate it with `for await`; leaving the loop closes it.
 */
export interface SessionStream extends AsyncIterableIterator<SessionEvent> {
  readonly id: string;
  /**
   * The greatest offset taken (yielded, waiting to be, or left out by `types`): where a
   * reconnect resumes.
   */
  readonly lastOffset: number;
  /** Sends a command; resolves its `{ok}` result, rejects with an `AgentcastError`. */
  request<K extends CommandName>(
    name: K,
    args: CommandArgs<K>,
    options?: { timeoutMs?: number },
  ): Promise<CommandResult<K>>;
  /** `prompt {text}` (scope `control`): queued while a turn runs. */
  prompt(text: string): Promise<PromptResult>;
  /** `interrupt {}` (scope `control`): resolves once the agent stopped the turn. */
  interrupt(): Promise<InterruptResult>;
  /** `permission.respond` (scope `control`): the first answer wins. */
  respondPermission(args: PermissionRespondArgs): Promise<PermissionResponded>;
  /** `end {}` (scope `control`). */
  end(): Promise<EndResult>;
  /** Disconnects and drops what was not consumed; a pending `next()` resolves done. */
  close(): void;
}

export interface Hub {
  /** Follows `/sessions/{id}`; the socket shares the hub's connection. */
  session(id: string, options?: SessionOptions): SessionStream;
  /** Closes every session and the connection. */
  close(): void;
}

/** A hub on `url` (`http://127.0.0.1:8080`); sessions connect when they are opened. */
export declare function connect(url: string, options?: ConnectOptions): Hub;
