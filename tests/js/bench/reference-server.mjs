// The reference relay for `cargo xtask bench`: the official socket.io server exposing the same
// protocol surface the load generator uses against agentcast (DESIGN.md section 2), and nothing
// more, so the benchmark compares fan-out machinery rather than features.
//
// - Dynamic namespaces /sessions/{id}; on connection a socket joins one room per event type,
//   as agentcast subscribes a new socket to `*`.
// - `publish` {events: [envelope, ...]}: a bare relay. The load generator sends the envelopes
//   agentcast would send for its events ({offset, session_id, ts, type, data}, the same bytes;
//   `agentcast-loadgen --publish-envelopes`), and each is emitted as it came to the room of
//   its type under the type as event name; the ack is {ok: {head_offset}} with the last
//   offset. No envelope is built here, no field checked: socket.io parses the packet and
//   serializes each emit once for the whole room, which is the least a socket.io server can
//   do to relay it.
// - Prints `agentcast listening on http://127.0.0.1:PORT` once listening, like `agentcast
//   serve`, so the same spawn code drives both servers.
//
// Usage: node reference-server.mjs [--port 0] [--host 127.0.0.1]

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Server } from "socket.io";

// agentcast's event types, one room each, so that both servers keep the same rooms per socket.
// Read from the TypeScript definitions generated from the shared crate (the `Event` union), so
// the list follows agentcast's; the copy below is the fallback when that file is missing.
const FALLBACK_EVENT_TYPES = [
  "session.started",
  "session.status",
  "session.checkpoint",
  "session.ended",
  "session.recovered",
  "output.text",
  "output.thinking",
  "output.stderr",
  "user.prompt",
  "tool.started",
  "tool.completed",
  "agent.delegation",
  "todo.updated",
  "usage.updated",
  "agent.raw",
  "agent.error",
  "agent.hook",
  "agent.task",
  "agent.notification",
  "system.stats",
];

function agentcastEventTypes() {
  try {
    const dts = readFileSync(new URL("../../../shared/ts/agentcast.d.ts", import.meta.url), "utf8");
    const union = dts.split("\n").find((line) => line.startsWith("export type Event = "));
    const types = union ? [...union.matchAll(/"type": "([^"]+)"/g)].map((m) => m[1]) : [];
    if (types.length > 0) return types;
  } catch {
    // fall through to the copy
  }
  return FALLBACK_EVENT_TYPES;
}

const EVENT_TYPES = agentcastEventTypes();

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
});

const httpServer = createServer();
const io = new Server(httpServer, {
  // Defaults for pingInterval (25 s) and pingTimeout (20 s); the same 1 MB payload cap.
  maxHttpBufferSize: 1e6,
  serveClient: false,
});

io.of(/^\/sessions\/[^/]+$/).on("connection", (socket) => {
  const nsp = socket.nsp;
  socket.join(EVENT_TYPES);

  socket.on("publish", (args, ack) => {
    const events = args && Array.isArray(args.events) ? args.events : [];
    for (const envelope of events) {
      nsp.to(envelope.type).emit(envelope.type, envelope);
    }
    if (typeof ack === "function") {
      const last = events[events.length - 1];
      ack({ ok: { head_offset: last ? last.offset : 0 } });
    }
  });
});

httpServer.listen(Number(values.port), values.host, () => {
  const { address, port } = httpServer.address();
  console.log(`agentcast listening on http://${address}:${port}`);
});

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  // Open websockets can keep close() waiting; the benchmark wants a prompt exit.
  setTimeout(() => process.exit(0), 500).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
