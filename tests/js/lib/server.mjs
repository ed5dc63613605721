// Starts the real `agentcast` binary for a test file and stops it afterwards.
//
// The binary is `$AGENTCAST_BIN`, or `<repo>/target/debug/agentcast` (build it with
// `cargo build -p agentcast-server`). Each server gets a fresh data directory and port 0 unless
// the test gives its own (to restart a server where its clients expect it); it is ready when it
// prints `agentcast listening on http://127.0.0.1:PORT` on stdout. Its stderr (the logs) is
// kept, bounded, so a failing test can show what the server said.

import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const READY_LINE = /^agentcast listening on (http:\/\/\S+?)\/?\s*$/;
/** The dashboard link `serve` prints after the ready line when authentication is on. */
const LINK_LINE = /^agentcast: open (http:\/\/\S+#token=(\S+))/;
const STDERR_KEEP = 64 * 1024;

/** The path of the binary under test. */
export function binaryPath() {
  return process.env.AGENTCAST_BIN || join(REPO_ROOT, "target", "debug", "agentcast");
}

/**
 * What the suites whose subject is not security run with: no authentication and no rate limits
 * (they open many connections from one address). A test passes its own value of any of these
 * flags to test it (as tests/src/server.rs's TEST_DEFAULTS).
 */
const TEST_DEFAULTS = [
  ["--auth", "none"],
  ["--connections-per-ip-per-s", "0"],
  ["--messages-per-socket-per-s", "0"],
  ["--http-requests-per-ip-per-s", "0"],
];

/**
 * Spawns `agentcast serve --bind 127.0.0.1:<port> --data-dir <dir> [--conformance]
 * [...extraArgs]` and resolves once the ready line is printed (and, with `link`, the dashboard
 * link with its token). A `dataDir` given by the test is the test's: it is not removed.
 *
 * `env` is set and `unsetEnv` removed in the server's environment, which the agent processes it
 * starts (`POST /api/sessions`) inherit: a fake model API's `env` and `unset`
 * (lib/claude.mjs). The collector roots in the data directory stay either way.
 *
 * @param {{conformance?: boolean, extraArgs?: string[], readyTimeoutMs?: number,
 *   dataDir?: string, port?: number, link?: boolean, env?: Record<string, string>,
 *   unsetEnv?: string[]}} [options]
 * @returns {Promise<{url: string, wsUrl: string, port: number, link?: string,
 *   linkToken?: string, logs: () => string,
 *   exited: Promise<{code: number|null, signal: string|null}>,
 *   stop: (signal?: string) => Promise<void>}>}
 */
export async function startServer({
  conformance = false,
  extraArgs = [],
  readyTimeoutMs = 30_000,
  dataDir: givenDataDir,
  port: givenPort = 0,
  link: waitForLink = false,
  env: extraEnv = {},
  unsetEnv = [],
} = {}) {
  const bin = binaryPath();
  if (!existsSync(bin)) {
    throw new Error(
      `agentcast binary not found at ${bin}: run \`cargo build -p agentcast-server\` or set AGENTCAST_BIN`,
    );
  }
  const dataDir = givenDataDir ?? (await mkdtemp(join(tmpdir(), "agentcast-e2e-")));
  const args = ["serve", "--bind", `127.0.0.1:${givenPort}`, "--data-dir", dataDir];
  if (conformance) args.push("--conformance");
  if (!conformance) {
    for (const [flag, value] of TEST_DEFAULTS) if (!extraArgs.includes(flag)) args.push(flag, value);
  }
  args.push(...extraArgs);

  // The collector's default roots point into the data directory, never at the real ~/.claude
  // or ~/.codex.
  const env = { ...process.env };
  for (const name of unsetEnv) delete env[name];
  Object.assign(env, extraEnv, {
    CLAUDE_CONFIG_DIR: join(dataDir, "claude-home"),
    CODEX_HOME: join(dataDir, "codex-home"),
  });
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], env });
  // If the test process dies without running its `after` hooks, do not leave the server behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => resolveExit({ code, signal }));
  });
  const logs = () => stderr;

  const cleanup = async () => {
    if (!givenDataDir) await rm(dataDir, { recursive: true, force: true });
  };

  let url;
  let link;
  let linkToken;
  try {
    await new Promise((resolveReady, rejectReady) => {
      const lines = createInterface({ input: child.stdout });
      const waited = waitForLink ? "its ready line and dashboard link" : "its ready line";
      const timer = setTimeout(() => {
        rejectReady(new Error(`agentcast did not print ${waited} within ${readyTimeoutMs} ms`));
      }, readyTimeoutMs);
      lines.on("line", (line) => {
        url ??= READY_LINE.exec(line)?.[1];
        const printed = LINK_LINE.exec(line);
        if (printed) [, link, linkToken] = printed;
        if (url && (link || !waitForLink)) {
          clearTimeout(timer);
          resolveReady();
        }
      });
      child.once("error", (err) => {
        clearTimeout(timer);
        rejectReady(err);
      });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        rejectReady(new Error(`agentcast exited before it was ready (code ${code}, signal ${signal})`));
      });
    });
  } catch (err) {
    child.kill("SIGKILL");
    process.off("exit", killOnExit);
    await exited;
    await cleanup();
    err.message += `\n--- agentcast stderr ---\n${stderr}`;
    throw err;
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout.resume();

  const { port } = new URL(url);
  let stopping;
  /** Stops it: SIGTERM for a clean stop (the default), SIGKILL for a crash. */
  const stop = (signal = "SIGTERM") => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        // Graceful shutdown is bounded by the server's grace period (5 s by default).
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(killer);
      }
      process.off("exit", killOnExit);
      await cleanup();
    })();
    return stopping;
  };

  /** A token signed with this server's key (`agentcast token create`). */
  const token = ({ scope = "read", sessions = ["*"], ttl = "1h" } = {}) => {
    const args = ["token", "create", "--data-dir", dataDir, "--scope", scope, "--ttl", ttl];
    for (const session of sessions) args.push("--session", session);
    const created = spawnSync(bin, args, { encoding: "utf8" });
    if (created.status !== 0) throw new Error(`agentcast token create failed: ${created.stderr}`);
    return created.stdout.trim();
  };

  return { url, wsUrl: url.replace(/^http/, "ws"), port: Number(port), link, linkToken, logs, exited, stop, token };
}
