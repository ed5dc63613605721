// The README's team-server example as two nodes on one PostgreSQL, in a real browser: the
// dashboard of each node shows the same live session, whichever node its events are published
// on, and each node's /metrics can be scraped (with its own admin token) and says it hears the
// other. The PostgreSQL server is private to the test (`agentcast-pg`, the tests crate's
// binary around the server's TempPostgres harness). Without PostgreSQL installed the test
// skips after a notice, except under CI (`CI` or `AGENTCAST_REQUIRE_FIXTURES`), where it fails.
//
// Needs the dashboard built into dist/ (`cargo xtask test --only dashboard` builds it), the
// binaries `agentcast` and `agentcast-pg` (`AGENTCAST_BIN`, `AGENTCAST_PG_BIN`; default
// target/debug/).
// Run: node --test browser/cluster.browser.mjs (from tests/js)

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { REPO_ROOT } from "../lib/server.mjs";
import { api, dataDir, startAgentcast } from "./agentcast.mjs";
import { launch, newPage, shot } from "./chromium.mjs";
import { Dashboard } from "./pages.mjs";
import { withTimeout } from "../lib/wait.mjs";

const SESSION = "two-nodes";
const EXAMPLE = join(REPO_ROOT, "server", "deploy", "examples", "team-server.toml");
const PG_BIN = process.env.AGENTCAST_PG_BIN || join(REPO_ROOT, "target", "debug", "agentcast-pg");

let postgres;
let browser;
/** Why the test cannot run here (no PostgreSQL installed, not under CI). */
let skipped;
const data = [];
const nodes = [];

/** Starts `agentcast-pg` and asks it for a fresh database: its URL (`null` if not installed). */
async function privateDatabase() {
  postgres = spawn(PG_BIN, [], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  postgres.stderr.on("data", (chunk) => (stderr += chunk));
  const lines = createInterface({ input: postgres.stdout })[Symbol.asyncIterator]();
  const next = async (what) => {
    const { value, done } = await withTimeout(lines.next(), 60_000, what);
    return done ? null : value;
  };
  const ready = await next("PostgreSQL to start");
  if (ready === null && /not installed/.test(stderr) && !process.env.CI && !process.env.AGENTCAST_REQUIRE_FIXTURES) {
    return null;
  }
  assert.match(ready ?? "", /^ready /, `agentcast-pg: ${stderr}`);
  postgres.stdin.write("new\n");
  const url = await next("a fresh database");
  assert.ok(url, `agentcast-pg exited: ${stderr}`);
  return url;
}

before(async () => {
  const url = await privateDatabase();
  if (url === null) {
    skipped = "PostgreSQL (initdb, postgres) is not installed: run `cargo xtask test --only install`";
    console.log(`NOTICE: ${skipped}; skipping`);
    return;
  }
  for (let i = 0; i < 2; i++) data.push(await dataDir());
  // As the example says: the URL in AGENTCAST_DATABASE_URL, every node on the same JWT key.
  const env = { AGENTCAST_DATABASE_URL: url };
  const secret = ["--jwt-secret-file", join(data[0].dir, "jwt-secret")];
  nodes.push(await startAgentcast({ dir: data[0].dir, env, args: ["--config", EXAMPLE] }));
  nodes.push(await startAgentcast({ dir: data[1].dir, env, args: ["--config", EXAMPLE, ...secret] }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const node of nodes) await node.stop("SIGKILL");
  for (const dir of data) await dir.remove();
  postgres?.stdin.end();
  postgres?.kill("SIGKILL");
});

async function publish(node, events) {
  const { head_offset } = await api(node, `/api/sessions/${SESSION}/publish`, {
    method: "POST",
    body: JSON.stringify({ events }),
  });
  return head_offset;
}

const text = (line) => ({ type: "output.text", data: { text: line } });

/** Waits until the open session's transcript shows `line`. */
function untilShown(ui, line) {
  return ui.until(
    `"${line}" in the transcript`,
    (wanted) => [...document.querySelectorAll('[data-testid="transcript-entry"] .text')].some((e) => e.textContent.includes(wanted)),
    line,
  );
}

describe("two nodes of the team-server example", () => {
  it("show the same live session on both dashboards and serve /metrics each", async (t) => {
    if (skipped) return t.skip(skipped);
    const started = {
      type: "session.started",
      data: { session_id: SESSION, source: "publish", label: "one session, two nodes", started_at: new Date().toISOString() },
    };
    assert.equal(await publish(nodes[0], [started, text("first line, published on node 1")]), 2);

    const uis = [];
    const problems = [];
    for (const node of nodes) {
      const page = await newPage(browser);
      const ui = new Dashboard(page.page);
      problems.push(page.problems);
      await ui.open(node.link);
      await ui.waitConnection("connected");
      await ui.openSession(SESSION);
      await untilShown(ui, "first line, published on node 1");
      uis.push(ui);
    }
    // Live, both ways: each node's events reach the other node's open page.
    assert.equal(await publish(nodes[1], [text("second line, published on node 2")]), 3);
    assert.equal(await publish(nodes[0], [text("third line, published on node 1")]), 4);
    for (const ui of uis) {
      await untilShown(ui, "second line, published on node 2");
      await untilShown(ui, "third line, published on node 1");
      const entries = (await ui.transcriptEntries()).map((e) => e.text);
      const order = ["first line", "second line", "third line"].map((l) => entries.findIndex((t) => t.includes(l)));
      assert.deepEqual([...order].sort((a, b) => a - b), order, `in offset order: ${entries}`);
    }
    for (const [i, ui] of uis.entries()) {
      assert.equal(await ui.sessionRow(SESSION).count(), 1, "listed on node " + (i + 1));
      await shot(ui.page, `cluster-node-${i + 1}`);
    }
    assert.deepEqual(problems, [[], []]);

    // What a Prometheus scrape of each node reads (with a token that reads every session).
    for (const node of nodes) {
      const response = await fetch(`${node.url}/metrics`, {
        headers: { authorization: `Bearer ${node.linkToken}` },
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(response.status, 200);
      const body = await response.text();
      assert.match(body, /^agentcast_broker_up 1$/m, node.url);
      const followed = Number(body.match(/^agentcast_events_followed_total (\d+)$/m)?.[1]);
      assert.ok(followed >= 1, `${node.url} broadcast the other node's events: ${followed}`);
    }
  });
});
