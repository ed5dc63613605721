// The real `agentcast` binary for the browser tests, on a port and data directory the test
// chooses, so it can be killed and started again where the open page expects it (the page
// reconnects to its own origin, and the JWT secret lives in the data directory).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startServer } from "../lib/server.mjs";

/** A fresh data directory, removed by the returned function. */
export async function dataDir() {
  const dir = await mkdtemp(join(tmpdir(), "agentcast-browser-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts `agentcast serve` with authentication on, in `dir` on `port` (0 picks one), and
 * resolves with its URL and the dashboard link it printed (`http://.../#token=...`);
 * `linkToken` is that link's admin token. `env` and `unsetEnv` reach the agents it starts.
 */
export function startAgentcast({ dir, port = 0, args = [], readyMs = 30_000, env = {}, unsetEnv = [] }) {
  return startServer({
    dataDir: dir,
    port,
    link: true,
    readyTimeoutMs: readyMs,
    env,
    unsetEnv,
    // Authentication on, as a user runs it; many page loads and sockets from one address:
    // the rate limits are not the subject.
    extraArgs: ["--auth", "jwt", ...args],
  });
}

/** GET a JSON API path with the token, failing after 5 s. */
export async function api(server, path, init = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.linkToken}`, "content-type": "application/json", ...init.headers },
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** Every stored event of a session, through the REST pages. */
export async function allEvents(server, sessionId) {
  const events = [];
  let after = 0;
  for (;;) {
    const page = await api(server, `/api/sessions/${sessionId}/events?after=${after}&limit=1000`);
    events.push(...page.events);
    if (!page.has_more || page.events.length === 0) return events;
    after = page.events.at(-1).offset;
  }
}
