// The real `agentcast` binary for the browser tests, on a port and data directory the test
// chooses, so it can be killed and started again where the open page expects it (the page
// reconnects to its own origin, and the JWT secret lives in the data directory).

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { binaryPath } from "../lib/server.mjs";

const READY = /^agentcast listening on (http:\/\/\S+?)\/?\s*$/;
const OPEN = /(http:\/\/\S+#token=\S+)/;

/** A fresh data directory, removed by the returned function. */
export async function dataDir() {
  const dir = await mkdtemp(join(tmpdir(), "agentcast-browser-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts `agentcast serve` with authentication on, and resolves with its URL and the
 * dashboard link it printed (`http://.../#token=...`) within `readyMs`.
 */
export async function startAgentcast({ dir, port = 0, args = [], readyMs = 30_000 }) {
  const bin = binaryPath();
  if (!existsSync(bin)) throw new Error(`agentcast binary not found at ${bin}: cargo build -p agentcast-server`);
  const child = spawn(
    bin,
    [
      "serve", "--bind", `127.0.0.1:${port}`, "--data-dir", dir,
      // Many page loads and sockets from one address: the rate limits are not the subject.
      "--connections-per-ip-per-s", "0", "--http-requests-per-ip-per-s", "0", "--messages-per-socket-per-s", "0",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let logs = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => (logs = (logs + chunk).slice(-32_000)));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const { url, link } = await new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => reject(new Error(`agentcast not ready within ${readyMs} ms\n${logs}`)), readyMs);
    createInterface({ input: child.stdout }).on("line", (line) => {
      const ready = READY.exec(line);
      if (ready) found.url = ready[1];
      const open = OPEN.exec(line);
      if (open) found.link = open[1];
      if (found.url && found.link) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`agentcast exited (code ${code}, signal ${signal})\n${logs}`));
    });
  });
  const token = new URL(link).hash.replace(/^#token=/, "");
  /** Stops it: SIGKILL for a crash, SIGTERM for a clean stop; resolves once it exited. */
  const stop = async (signal = "SIGTERM") => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(killer);
    process.off("exit", killOnExit);
  };
  return { url, link, token, port: Number(new URL(url).port), stop, logs: () => logs };
}

/** GET a JSON API path with the token, failing after 5 s. */
export async function api(server, path, init = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json", ...init.headers },
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
