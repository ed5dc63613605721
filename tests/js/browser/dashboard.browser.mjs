// The dashboard in a real browser (Debian's Chromium through playwright-core) against the real
// `agentcast serve --demo` with authentication on: what a user opening the printed link sees,
// through a server crash and restart, and with a wrong token. Screenshots of the main states
// go to tests/artifacts/dashboard/.
//
// Needs the dashboard built into dist/ (`cargo xtask test --only dashboard` builds it) and the
// binary (`AGENTCAST_BIN`, default target/debug/agentcast).
// Run: node --test browser/dashboard.browser.mjs (from tests/js)

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";

import { allEvents, dataDir, startAgentcast } from "./agentcast.mjs";
import { launch, newPage, shot } from "./chromium.mjs";
import { Dashboard } from "./pages.mjs";

/** The demo session the tests follow: one the page saw start (see the second test). */
let SESSION;
let browser;
let data;
let server;

before(async () => {
  data = await dataDir();
  server = await startAgentcast({ dir: data.dir, args: ["--demo"] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  await data?.remove();
});

/** The transcript the event list folds to: streamed pieces joined per message. */
function foldTranscript(events) {
  const entries = [];
  const open = new Map();
  for (const { type, data } of events) {
    if (type === "user.prompt") entries.push({ kind: "user", text: data.text });
    if (type !== "output.text" && type !== "output.thinking") continue;
    const kind = type === "output.text" ? "assistant" : "thinking";
    const key = `${kind}:${data.message_id}`;
    if (data.message_id && open.has(key)) {
      const entry = open.get(key);
      entry.text = data.delta ? entry.text + data.text : data.text;
    } else {
      const entry = { kind, text: data.text };
      entries.push(entry);
      if (data.message_id) open.set(key, entry);
    }
  }
  return entries;
}

describe("dashboard against agentcast serve --demo", () => {
  let page;
  let ui;
  let problems;

  before(async () => {
    ({ page, problems } = await newPage(browser));
    ui = new Dashboard(page);
  });

  it("opens with the token from the printed link and takes it out of the address bar", async () => {
    await ui.open(server.link);
    await ui.waitConnection("connected");
    assert.ok(!page.url().includes("token="), `token left in the address bar: ${page.url()}`);
    const kept = await page.evaluate(() => sessionStorage.getItem("agentcast.token"));
    assert.equal(kept, server.linkToken);
    const { detail } = await ui.connectionState();
    assert.match(detail, /^\d+ ms$/, "latency shown");
  });

  it("lists the demo session and streams its text in", async () => {
    // Follow a demo session the page sees start, so its whole stream is still ahead: on a
    // slow machine demo-1 may be past its streaming by the time the page is up. The demo
    // starts one every ~12 s.
    const known = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="session-row"]')].map((r) => r.dataset.sessionId));
    const fresh = await ui.until(
      "a demo session to start",
      (known) => [...document.querySelectorAll('[data-testid="session-row"]')]
        .map((r) => r.dataset.sessionId)
        .find((id) => !known.includes(id)),
      known,
      30_000,
    );
    SESSION = await fresh.jsonValue();
    await ui.openSession(SESSION);
    await shot(page, "01-session-opened");
    // The assistant's text grows while it streams: seen at two lengths, the second longer.
    const first = await ui.until(
      "streaming assistant text",
      () => document.querySelector('[data-testid="transcript-entry"][data-kind="assistant"].streaming .text')?.textContent,
    );
    const firstText = await first.jsonValue();
    await ui.until(
      "the streamed text to grow",
      (before) => [...document.querySelectorAll('[data-testid="transcript-entry"][data-kind="assistant"] .text')]
        .some((e) => e.textContent.length > before.length && e.textContent.startsWith(before)),
      firstText,
    );
    await shot(page, "02-streaming");
  });

  it("shows a tool go from spinner to success with a duration", async () => {
    const running = await ui.until("a running tool with a spinner", () => {
      const row = document.querySelector('[data-testid="tool-row"][data-status="running"]');
      return row?.querySelector('[data-testid="tool-spinner"]') ? row.dataset.toolId : null;
    });
    const id = await running.jsonValue();
    await shot(page, "03-tool-running");
    await ui.until(
      `tool ${id} to succeed with a duration`,
      (id) => {
        const row = document.querySelector(`[data-testid="tool-row"][data-tool-id="${id}"]`);
        return row?.dataset.status === "succeeded" && /\d/.test(row.querySelector('[data-testid="tool-duration"]').textContent)
          && !row.querySelector('[data-testid="tool-spinner"]');
      },
      id,
    );
  });

  it("highlights the failing tool, nests the sub-agent, progresses todos and shows the cost", async () => {
    await ui.until("a failed tool", () => document.querySelector('[data-testid="tool-row"][data-status="failed"]'), undefined, 30_000);
    const rows = await ui.toolRows();
    const failed = rows.find((r) => r.status === "failed");
    const ok = rows.find((r) => r.status === "succeeded");
    assert.notEqual(failed.background, ok.background, "a failed row stands out");
    await ui.until("todos to progress", () => /^[1-9]\d* of \d+ done/.test(document.querySelector('[data-testid="todo-progress"]')?.textContent ?? ""), undefined, 30_000);
    await ui.until("the cost", () => /^\$\d/.test(document.querySelector('[data-testid="cost"]')?.textContent ?? ""), undefined, 30_000);
    await ui.until("the session to complete", (id) => document.querySelector(`[data-testid="session-row"][data-session-id="${id}"]`)?.dataset.status === "completed", SESSION, 60_000);
    const done = await ui.toolRows();
    assert.ok(done.every((r) => r.status !== "running"), "no tool left running");
    // The sub-agent's call sits right under its Task, indented.
    const task = done.findIndex((r) => r.name === "Task");
    assert.ok(task >= 0 && done[task + 1].indent > done[task].indent, JSON.stringify(done));
    assert.match(await ui.todoProgress.textContent(), /^(\d+) of \1 done/);
    await shot(page, "04-session-completed");
  });

  it("filters the event table with subscribe patterns and search, and exports JSONL", async () => {
    const typeFilter = page.getByTestId("type-filter");
    await typeFilter.fill("tool.*");
    await ui.until("only tool events listed", () => {
      const rows = [...document.querySelectorAll('[data-testid="event-row"]')];
      return rows.length > 0 && rows.every((r) => r.dataset.type.startsWith("tool."));
    });
    await page.getByTestId("event-search").fill("cargo test");
    await ui.until("the search to narrow the list", () => {
      const rows = [...document.querySelectorAll('[data-testid="event-row"]')];
      return rows.length > 0 && rows.every((r) => r.textContent.includes("cargo test"));
    });
    await typeFilter.fill("tol.*");
    await ui.until("a bad pattern explained", () => /tol\.\*/.test(document.querySelector('[data-testid="filter-error"]')?.textContent ?? ""));
    await shot(page, "04b-event-filter");
    await typeFilter.fill("");
    await page.getByTestId("event-search").fill("");

    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 10_000 }),
      page.getByTestId("export").click(),
    ]);
    assert.equal(download.suggestedFilename(), `${SESSION}.jsonl`);
    const path = await download.path();
    const lines = (await readFile(path, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    const events = await allEvents(server, SESSION);
    assert.deepEqual(lines.map((e) => e.offset), events.map((e) => e.offset));
  });

  it("shows reconnecting with attempts and a countdown while the server is down, then recovers", async () => {
    const port = server.port;
    await server.stop("SIGKILL");
    const down = await ui.waitConnection("reconnecting");
    assert.match(down.label, /attempt \d+/);
    assert.match(down.detail, /next try in \d+ s|trying now/);
    const why = await page.getByTestId("connection").getAttribute("title");
    assert.match(why ?? "", /^Connection lost: /, "the indicator says why on hover");
    // The attempts go on: a later attempt number is shown.
    const firstAttempt = Number(/attempt (\d+)/.exec(down.label)[1]);
    await ui.until(
      "a later reconnect attempt",
      (n) => Number(/attempt (\d+)/.exec(document.querySelector('[data-testid="connection-label"]')?.textContent ?? "")?.[1]) > n,
      firstAttempt,
    );
    await shot(page, "05-reconnecting");
    // Same port and data directory: the page's origin, and the same signing key for its token.
    server = await startAgentcast({ dir: data.dir, port });
    await ui.waitConnection("connected", 30_000);
    const events = await allEvents(server, SESSION);
    await ui.until("every event applied", (head) => Number(document.querySelector('[data-testid="session-view"]')?.dataset.headOffset) >= head, events.at(-1).offset);
    const shown = (await ui.transcriptEntries()).filter((e) => e.kind !== "system" && e.kind !== "error");
    assert.deepEqual(shown, foldTranscript(events));
    await shot(page, "06-reconnected");
    assert.deepEqual(problems, []);
  });

  it("is keyboard reachable: Tab reaches a session with a visible focus, Enter opens it", async () => {
    await ui.open(`${server.url}/`); // the token is in sessionStorage by now
    await ui.waitConnection("connected");
    await ui.sessionRow(SESSION).waitFor({ timeout: 15_000 });
    let focused = null;
    for (let i = 0; i < 40 && !focused; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate((id) => {
        const el = document.activeElement;
        if (el?.dataset?.sessionId !== id) return null;
        return { outline: getComputedStyle(el).outlineStyle };
      }, SESSION);
    }
    assert.ok(focused, "Tab reaches the session row within 40 presses");
    assert.notEqual(focused.outline, "none", "the focused row shows a focus ring");
    await page.keyboard.press("Enter");
    await page.locator(`[data-testid="session-view"][data-session-id="${SESSION}"]`).waitFor({ timeout: 15_000 });
  });

  it("filters the sessions list by status and by a search", async () => {
    const rows = () => page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="session-row"]')].map((r) => ({ id: r.dataset.sessionId, status: r.dataset.status })));
    await page.getByTestId("status-filter").selectOption("completed");
    await ui.until("only completed sessions", () => {
      const shown = [...document.querySelectorAll('[data-testid="session-row"]')];
      return shown.length > 0 && shown.every((r) => r.dataset.status === "completed");
    });
    assert.ok((await rows()).some((r) => r.id === SESSION), `${SESSION} is completed by now`);
    await page.getByTestId("status-filter").selectOption("failed");
    await ui.until("no failed session", () => document.querySelectorAll('[data-testid="session-row"]').length === 0);
    await page.getByTestId("status-filter").selectOption("all");
    await page.getByTestId("session-search").fill("leap-year");
    await ui.until("the search keeps the matching session", (id) => {
      const shown = [...document.querySelectorAll('[data-testid="session-row"]')];
      return shown.some((r) => r.dataset.sessionId === id);
    }, SESSION);
    await page.getByTestId("session-search").fill("no session is called this");
    await ui.until("the search hides every session", () => document.querySelectorAll('[data-testid="session-row"]').length === 0);
    await page.getByTestId("session-search").fill("");
    await ui.sessionRow(SESSION).waitFor({ timeout: 15_000 });
  });

  it("groups the sessions by project and shows their source", async () => {
    const group = page.locator('[data-testid="session-group"][data-project="demo"]');
    await group.waitFor({ timeout: 15_000 });
    assert.ok(Number(await group.getAttribute("data-count")) >= 1);
    assert.equal(await ui.sessionRow(SESSION).getAttribute("data-source"), "demo");
    // Folding the group hides its sessions; unfolding shows them again.
    await group.click();
    await ui.until("the demo group folded", () => !document.querySelector('[data-testid="session-row"]'));
    await group.click();
    await ui.sessionRow(SESSION).waitFor({ timeout: 15_000 });
  });

  it("shows analytics across sessions: per day, model, project and outcome", async () => {
    await page.getByTestId("tab-analytics").click();
    await page.locator('[data-testid="analytics"][data-loaded="true"]').waitFor({ timeout: 15_000 });
    assert.match(page.url(), /\/analytics$/);
    assert.equal(await page.getByTestId("analytics-error").textContent(), "");
    assert.equal(await page.locator('[data-testid="cost-chart"] rect.bar').count(), 30, "30 days by default");
    assert.ok(Number(await page.getByTestId("total-sessions").textContent()) >= 1);
    const projects = await page.locator('[data-testid="by-project"] [data-testid="breakdown-row"]')
      .evaluateAll((rows) => rows.map((r) => r.dataset.key));
    assert.ok(projects.includes("demo"), `projects: ${projects}`);
    const completed = await page.locator('[data-testid="outcome"][data-status="completed"]').getAttribute("data-count");
    assert.ok(Number(completed) >= 1, `${SESSION} completed by now`);
    await shot(page, "07b-analytics");
    await page.getByTestId("range-7d").click();
    await ui.until("seven days", () => document.querySelectorAll('[data-testid="cost-chart"] rect.bar').length === 7);
    await page.getByTestId("tab-sessions").click();
    await ui.sessionRow(SESSION).waitFor({ timeout: 15_000 });
  });

  it("works on a phone-sized screen and in the dark theme", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId("theme").click();
    const dark = await page.evaluate(() => document.documentElement.dataset.theme);
    assert.ok(dark === "dark" || dark === "light");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no sideways scrolling on a phone (overflow ${overflow}px)`);
    await shot(page, "07-phone-theme");
  });
});

describe("a wrong token", () => {
  it("shows the prompt with the reason the server gave", async () => {
    const { page } = await newPage(browser);
    const ui = new Dashboard(page);
    await ui.open(`${server.url}/#token=not-a-valid-token`);
    await ui.tokenPrompt.waitFor({ timeout: 15_000 });
    await ui.until("the refusal reason", () => (document.querySelector('[data-testid="auth-error"]')?.textContent ?? "").length > 0);
    const reason = await ui.authError.textContent();
    assert.match(reason, /refused/i);
    assert.match(reason, /token|invalid|malformed|signature/i);
    await shot(page, "08-wrong-token");
    // The right token from the prompt gets in.
    await ui.submitToken(server.linkToken);
    await ui.waitConnection("connected");
    await page.close();
  });
});
