// A typed socket.io-client program: if the generated definitions stop matching what a
// client writes, `npx tsc -p .` fails. Type-checked only, never run.
import { io, type Socket } from "socket.io-client";
import type {
  Ack,
  ClientToServerEvents,
  Envelope,
  ErrorResponse,
  Event,
  McpServerConfig,
  ServerToClientEvents,
  SessionList,
  Subscription,
  ToolCompleted,
} from "../../../shared/ts/agentcast";

// socket.io-client 4.8's `io()` takes no type arguments; its documented way to type a socket
// is to annotate it (the untyped Socket it returns is assignable).
const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(
  "http://127.0.0.1:8080/sessions/demo",
  { auth: { offset: 0 } },
);

let lastOffset = 0;

// Apply an envelope only once, and never take an ephemeral (offset 0) one as progress.
function fresh<D>(envelope: Envelope<D>): boolean {
  if (envelope.offset === 0 || envelope.offset <= lastOffset) return false;
  lastOffset = envelope.offset;
  return true;
}

socket.on("output.text", (envelope) => {
  if (!fresh(envelope)) return;
  const text: string = envelope.data.text;
  const streamed: boolean = envelope.data.delta;
  console.log(envelope.ts, envelope.session_id, streamed ? "+" : "=", text);
});

socket.on("tool.started", (envelope) => {
  if (!fresh(envelope)) return;
  const input = envelope.data.input;
  console.log(envelope.data.name, envelope.data.tool_use_id, JSON.stringify(input));
});

socket.on("tool.completed", (envelope: Envelope<ToolCompleted>) => {
  if (!fresh(envelope)) return;
  const took: number | undefined = envelope.data.duration_ms;
  console.log(envelope.data.is_error ? "failed" : "ok", envelope.data.output_bytes, took ?? "?");
});

socket.on("todo.updated", ({ data }) => {
  const { total, completed } = data.stats;
  const current = data.todos.find((t) => t.status === "in_progress");
  console.log(`${completed}/${total}`, current?.active_form ?? current?.content);
});

socket.on("session.recovered", ({ data }) => {
  if (!data.recovered) {
    socket.emit("get_history", { after: data.from - 1, limit: 1000 }, (res) => {
      if ("ok" in res) {
        for (const envelope of res.ok.events) fresh(envelope);
        console.log("history up to", res.ok.head_offset, res.ok.has_more);
      }
    });
  }
});

socket.on("session.ended", ({ data }) => {
  console.log(data.status, data.exit_code, data.total_cost_usd);
});

socket.emit("subscribe", { patterns: ["tool.*", "output.text"] }, (res: Ack<Subscription>) => {
  if ("ok" in res) {
    const types: string[] = res.ok.types;
    console.log("subscribed to", types.join(", "));
  } else {
    console.error(res.error.code, res.error.message);
  }
});

socket.emit("ping", {}, (res) => {
  if ("ok" in res) console.log("server time", res.ok.ts);
});

const prompt: Event = { type: "user.prompt", data: { text: "fix the build" } };
socket.emit("publish", { events: [prompt] }, (res) => {
  if ("error" in res) console.error(res.error.message);
  else console.log("head", res.ok.head_offset);
});

async function status(): Promise<void> {
  const res = await socket.timeout(5000).emitWithAck("get_status", {});
  if ("ok" in res && "clients" in res.ok) console.log(res.ok.status, res.ok.clients);
}
void status();

// Answering the agent (scope `control`): every watcher sees the request, the first answer
// wins, a later one is refused `already_resolved`.
socket.on("permission.requested", async ({ data }) => {
  const command = (data.input as { command?: string }).command;
  console.log(data.tool_name, command, data.description ?? "", "until", data.expires_at);
  const res = await socket
    .timeout(5000)
    .emitWithAck("permission.respond", { request_id: data.request_id, decision: "deny", message: "not now" });
  if ("ok" in res) console.log("answered", res.ok.decision);
  else if (res.error.code === "already_resolved") console.log("someone answered first");
});

socket.on("permission.resolved", ({ data }) => {
  const reason: "answered" | "timeout" | "session_ended" | "cancelled" = data.reason;
  console.log(data.request_id, data.decision, "by", data.by, reason, data.message ?? "");
});

async function nextTurn(text: string): Promise<void> {
  const sent = await socket.timeout(5000).emitWithAck("prompt", { text });
  if ("ok" in sent && sent.ok.queued) console.log(sent.ok.ahead, "prompts ahead");
  const stopped = await socket.timeout(5000).emitWithAck("interrupt", {});
  if ("ok" in stopped) console.log("interrupted", stopped.ok.interrupted);
  socket.emit("end", {}, (res) => {
    if ("ok" in res) console.log("ending", res.ok.ending);
  });
}
void nextTurn("and now the tests");

// The REST API's bodies are declared too: a typed call of `GET /api/sessions` and
// `POST /api/mcp-servers`, errors included.
async function rest<T>(path: string, token: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:8080${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) {
    const { error }: ErrorResponse = await res.json();
    throw new Error(`${error.code}: ${error.message}`);
  }
  return (await res.json()) as T;
}

async function sessions(token: string): Promise<void> {
  const list = await rest<SessionList>("/api/sessions?status=active", token);
  for (const s of list.sessions) {
    const tokens: number = s.input_tokens + s.output_tokens;
    const cost: number | null = s.total_cost_usd;
    console.log(s.label ?? s.id, s.status, tokens, cost ?? "?", s.process_running ? "(running)" : "");
  }
  const files: McpServerConfig = { name: "files", command: "npx", args: ["-y"], env: {} };
  await rest("/api/mcp-servers", token, files);
}
void sessions("token");
