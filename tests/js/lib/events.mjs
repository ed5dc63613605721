// Sample events for `publish`, one per type the tests use, with `data` shaped as DESIGN.md
// section 2 (and the `shared` crate) define them.

/**
 * The event types DESIGN.md section 2 lists, in its (canonical) order. The server may know more
 * (names are final, the list may grow); tests read the full list from the server.
 */
export const DOCUMENTED_EVENT_TYPES = [
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
  "system.stats",
];

/** Types that are also emitted on the hub namespace `/`. */
export const HUB_TYPES = new Set(["session.started", "session.status", "session.checkpoint", "session.ended", "usage.updated"]);

export function sessionStarted(sessionId) {
  return {
    type: "session.started",
    data: { session_id: sessionId, source: "publish", label: "e2e", started_at: new Date().toISOString() },
  };
}

export const sessionStatus = (status = "running") => ({ type: "session.status", data: { status } });
export const sessionEnded = (status = "completed") => ({ type: "session.ended", data: { status, exit_code: 0 } });
export const outputText = (text = "hi") => ({ type: "output.text", data: { text, delta: false } });
export const outputThinking = (text = "hmm") => ({ type: "output.thinking", data: { text, delta: false } });
export const userPrompt = (text = "list the files") => ({ type: "user.prompt", data: { text } });
export const toolStarted = (id = "t1") => ({
  type: "tool.started",
  data: { tool_use_id: id, name: "Bash", input: { command: "ls" } },
});
export const toolCompleted = (id = "t1") => ({
  type: "tool.completed",
  data: { tool_use_id: id, name: "Bash", is_error: false, output_preview: "ok", output_bytes: 2 },
});
export const usageUpdated = (outputTokens = 2) => ({
  type: "usage.updated",
  data: { input_tokens: 1, output_tokens: outputTokens, cache_read_tokens: 0, cache_creation_tokens: 0, total_cost_usd: 0.01 },
});

/** A random session id, so every test starts a fresh session whose offsets begin at 1. */
export function newSessionId(prefix = "e2e") {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36)}`;
}
