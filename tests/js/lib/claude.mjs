// The real Claude Code CLI, run offline against the scripted fake Messages API of the Rust
// harness (tests/src/agents/fake_anthropic.rs, served by the `agentcast-fake-model-api`
// binary), with HOME in a temp dir: the JS side of tests/src/agents (TOOLCHAIN.md, "Real
// agents, offline").
//
// The CLI is `$AGENTCAST_CLAUDE_BIN`, else the platform binary tests/agents installed (npm
// blocks its postinstall here, so it is run directly, as the Rust harness does); the fake is
// `$AGENTCAST_FAKE_MODEL_API`, else target/debug/agentcast-fake-model-api (`cargo xtask test`
// builds it). Without them a test skips with a notice, except under CI (`CI` set, or
// AGENTCAST_REQUIRE_FIXTURES=1) where their absence fails it. Every wait is bounded.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { withTimeout } from "./wait.mjs";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** How long one `claude -p` run may take (as AGENT_TIMEOUT in tests/src/agents). */
const AGENT_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 30_000;
const STDERR_KEEP = 64 * 1024;

/** The Claude Code binary. */
export function claudeBin() {
  return (
    process.env.AGENTCAST_CLAUDE_BIN ||
    join(REPO_ROOT, "tests", "agents", "node_modules", "@anthropic-ai", "claude-code-linux-x64", "claude")
  );
}

/** The fake Messages API binary. */
export function fakeModelApiBin() {
  return process.env.AGENTCAST_FAKE_MODEL_API || join(REPO_ROOT, "target", "debug", "agentcast-fake-model-api");
}

/** Whether a missing tool fails the test instead of skipping it (as `required()` in Rust). */
function required() {
  const ci = process.env.CI;
  return (ci !== undefined && ci !== "" && ci !== "false" && ci !== "0") || process.env.AGENTCAST_REQUIRE_FIXTURES === "1";
}

/** The binaries the real-agent tests need that are not here (their paths). */
export function missingTools() {
  return [claudeBin(), fakeModelApiBin()].filter((bin) => !existsSync(bin));
}

/**
 * The `skip` option of the real-agent tests: `false` when nothing is `missing` or when a
 * missing tool must fail them (under CI: the test asserts `missing` is empty), else the notice
 * it also prints.
 */
export function skipWhenMissing(missing) {
  if (missing.length === 0 || required()) return false;
  const reason =
    `NOTICE: ${missing.join(", ")} missing, skipping; run \`cargo xtask test --only install\` and ` +
    "`cargo build -p agentcast-tests --bin agentcast-fake-model-api` (CI fails instead of skipping)";
  console.error(reason);
  return reason;
}

/**
 * A temp HOME laid out as a developer's machine (`<root>/dev` is HOME, `<root>/dev/example-app`
 * the project), as tests/src/agents/home.rs; `remove()` deletes it.
 */
export async function agentHome() {
  // The real path: Claude Code records the resolved working directory.
  const root = await realpath(await mkdtemp(join(tmpdir(), "agentcast-agents-js-")));
  const home = join(root, "dev");
  const cwd = join(home, "example-app");
  await mkdir(cwd, { recursive: true });
  return {
    home,
    cwd,
    /** `$HOME/.claude/projects`: where Claude Code writes its transcripts. */
    claudeProjectsDir: join(home, ".claude", "projects"),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Starts `agentcast-fake-model-api --home <home>` and resolves with what it prints: `url`,
 * `env` (what a `claude` run needs), `unset` (variables to remove from ours), `scenarios` (the
 * prompt of each), `script` (the ids, commands and texts they use); `stop()` closes its stdin,
 * which ends it; `log()` is its stderr (the replies it gave, once stopped).
 */
export async function startFakeModelApi(home) {
  const child = spawn(fakeModelApiBin(), ["--home", home], { stdio: ["pipe", "pipe", "pipe"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal })));
  const lines = createInterface({ input: child.stdout });
  let ready;
  try {
    ready = await withTimeout(
      new Promise((resolveReady, reject) => {
        lines.once("line", (line) => resolveReady(JSON.parse(line)));
        child.once("error", reject);
        exited.then(({ code }) => reject(new Error(`the fake model API exited (code ${code}): ${stderr}`)));
      }),
      READY_TIMEOUT_MS,
      "the fake model API's ready line",
    );
  } catch (err) {
    child.kill("SIGKILL");
    process.off("exit", killOnExit);
    throw err;
  }
  const stop = async () => {
    child.stdin.end();
    // It exits as soon as its stdin ends; a kill bounds a stuck one.
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(killer);
    process.off("exit", killOnExit);
  };
  return { ...ready, stop, log: () => stderr };
}

/**
 * Runs `claude -p <prompt> --output-format stream-json --verbose --allowedTools Bash Task
 * [...extra]` in `home.cwd` against `fake`, to its end (killed after AGENT_TIMEOUT_MS);
 * resolves with its exit `code`, `stdout` and `stderr`.
 */
export function runClaudePrint(home, fake, prompt, extra = []) {
  const env = { ...process.env };
  for (const name of fake.unset) delete env[name];
  Object.assign(env, fake.env);
  const args = ["-p", prompt, "--output-format", "stream-json", "--verbose", "--allowedTools", "Bash", "Task", ...extra];
  const child = spawn(claudeBin(), args, { cwd: home.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr = (stderr + chunk).slice(-STDERR_KEEP)));
  const finished = new Promise((resolveRun, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
  return withTimeout(finished, AGENT_TIMEOUT_MS, `claude -p ${JSON.stringify(prompt)}`).catch((err) => {
    child.kill("SIGKILL");
    throw err;
  });
}
