// Answering the agent from the dashboard (DESIGN.md section 10, issue 14), in Chromium against
// the real `agentcast serve` and the real Claude Code CLI, which the server starts in control
// mode against the scripted fake Messages API (`agentcast-fake-model-api`, the `permission`
// and `chat` scenarios): a session started from the New session form asks to run a Bash
// command; the card shows in two tabs; Allow in one closes it in both, the command runs for
// real and the transcript says who allowed it; a prompt from the other tab runs a second turn;
// a read token only watches; a session agentcast did not start is read-only; Deny with a
// message keeps the command from running and Claude reads the message; End ends the session.
//
// Needs the dashboard built into dist/, the binary (`AGENTCAST_BIN`, default
// target/debug/agentcast), the fake model API and the Claude Code CLI (tests/js/lib/claude.mjs
// says where; without them the suite skips with a notice, and fails under CI).
// Run: node --test browser/control.browser.mjs (from tests/js)

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";

import { agentHome, claudeBin, missingTools, skipWhenMissing, startFakeModelApi } from "../lib/claude.mjs";
import { dataDir, startAgentcast } from "./agentcast.mjs";
import { launch, newPage, shot } from "./chromium.mjs";
import { Dashboard } from "./pages.mjs";

/** How long an agent step (a model round trip, a tool run) may take. */
const AGENT_MS = 60_000;

const missing = missingTools();

describe("answering the agent from the dashboard", { skip: skipWhenMissing(missing) }, () => {
  let home;
  let fake;
  let data;
  let server;
  let browser;
  /** Tab A starts the session and allows; tab B watches, then prompts. */
  let a;
  let b;
  let session;

  before(async () => {
    assert.deepEqual(missing, [], "the real-agent tools are required under CI");
    home = await agentHome();
    fake = await startFakeModelApi(home.home);
    data = await dataDir();
    server = await startAgentcast({
      dir: data.dir,
      // A session agentcast did not start, for the read-only note.
      args: ["--demo"],
      // `claude` (the server's default allow-list) is the real CLI, run against the fake.
      env: { ...fake.env, PATH: `${dirname(claudeBin())}:${process.env.PATH}` },
      unsetEnv: fake.unset,
    });
    browser = await launch();
    a = await newPage(browser);
    b = await newPage(browser);
    a.ui = new Dashboard(a.page);
    b.ui = new Dashboard(b.page);
  });

  after(async () => {
    await browser?.close();
    // A clean stop ends the agents it started, which write into the data directory.
    await server?.stop();
    await fake?.stop();
    await data?.remove();
    await home?.remove();
  });

  /** Opens `path` of the dashboard in `tab` with `token`. */
  async function openAt(tab, path, token = server.linkToken) {
    await tab.ui.open(`${server.url}${path}#token=${token}`);
    await tab.ui.waitConnection("connected");
  }

  /** Starts the permission scenario in `cwd` from tab A's New session form; its id. */
  async function startFromForm(cwd) {
    await a.page.getByTestId("new-session-open").click();
    await a.page.getByTestId("new-session-prompt").fill(fake.scenarios.permission);
    await a.page.getByTestId("new-session-cwd").fill(cwd);
    const before = a.page.url();
    await a.page.getByTestId("new-session-start").click();
    await a.ui.until("the new session to open", (before) => location.href !== before && location.pathname.startsWith("/sessions/"), before);
    const id = decodeURIComponent(new URL(a.page.url()).pathname.slice("/sessions/".length));
    await a.page.locator(`[data-testid="session-view"][data-session-id="${id}"][data-loaded="true"]`).waitFor({ timeout: 15_000 });
    return id;
  }

  /** The open permission cards of a tab: `[{id, tool, body}]`. */
  const cards = (tab) =>
    tab.page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="permission-card"]')].map((c) => ({
        id: c.dataset.requestId,
        tool: c.dataset.tool,
        body: c.querySelector('[data-testid="permission-body"]')?.textContent ?? "",
      })),
    );

  const waitCard = (tab, what) =>
    tab.ui.until(what, () => document.querySelector('[data-testid="permission-card"][data-tool="Bash"]'), undefined, AGENT_MS);

  const waitNoCard = (tab, what) => tab.ui.until(what, () => !document.querySelector('[data-testid="permission-card"]'));

  /** Waits for a transcript entry of `kind` whose text starts with `start`; its text. */
  async function entry(tab, kind, start, timeout = AGENT_MS) {
    const found = await tab.ui.until(
      `a ${kind} entry starting ${JSON.stringify(start)}`,
      ([kind, start]) =>
        [...document.querySelectorAll(`[data-testid="transcript-entry"][data-kind="${kind}"]`)]
          .map((e) => ({ who: e.querySelector(".who")?.textContent ?? "", text: e.querySelector(".text")?.textContent ?? "" }))
          .find((e) => e.text.startsWith(start)),
      [kind, start],
      timeout,
    );
    return found.jsonValue();
  }

  it("starts a session from the New session form and shows its permission request in two tabs", async () => {
    await a.ui.open(server.link);
    await a.ui.waitConnection("connected");
    session = await startFromForm(home.cwd);
    await waitCard(a, "the permission card in tab A");
    const [card] = await cards(a);
    assert.equal(card.body, fake.script.permission_command);

    await openAt(b, `/sessions/${encodeURIComponent(session)}`);
    await waitCard(b, "the permission card in tab B");
    assert.deepEqual(await cards(b), [card], "the same request in both tabs");

    // Needs you: the row's badge, the header's count, the page title.
    await a.ui.until("the needs-you badge", (id) => document.querySelector(`[data-testid="session-row"][data-session-id="${id}"] [data-testid="needs-you"]`), session);
    await a.ui.until("the count in the header", () => {
      const count = document.querySelector('[data-testid="needs-you-count"]');
      return count && !count.hidden && count.textContent === "1 need you";
    });
    assert.equal(await a.page.title(), "(1) agentcast");
    // Who watches: the link's subject from two tabs, who may answer.
    await a.ui.until("both tabs in the presence list", () =>
      [...document.querySelectorAll('[data-testid="watcher"]')].some((w) =>
        w.dataset.sub === "dashboard" && w.dataset.canControl === "true" && w.textContent.endsWith("×2")));
    assert.ok(!existsSync(join(home.cwd, fake.script.permission_file)), "nothing ran before the answer");
    await shot(a.page, "control-01-permission-card");
  });

  it("allowed in one tab: the card closes in both, the command runs, and the transcript says who allowed it", async () => {
    await a.page.getByTestId("allow").click();
    await waitNoCard(a, "the card to close in tab A");
    await waitNoCard(b, "the card to close in tab B");
    const answered = await entry(b, "permission", "Allowed by");
    assert.equal(answered.text, `Allowed by dashboard: Bash: ${fake.script.permission_command}`);
    await a.ui.until(
      "the Bash tool to succeed",
      (id) => document.querySelector(`[data-testid="tool-row"][data-tool-id="${id}"]`)?.dataset.status === "succeeded",
      fake.script.permission_tool_id,
      AGENT_MS,
    );
    assert.ok(existsSync(join(home.cwd, fake.script.permission_file)), "the command ran for real");
    await entry(a, "assistant", fake.script.permission_done_text);
    await a.ui.until("the title without a count", () => document.title === "agentcast");
    await shot(b.page, "control-02-allowed");
  });

  it("a prompt from the other tab runs a second turn in the same process", async () => {
    await b.ui.until("the session to be idle", (id) => document.querySelector(`[data-testid="session-row"][data-session-id="${id}"]`)?.dataset.status === "idle", session, AGENT_MS);
    const input = b.page.getByTestId("prompt-input");
    await input.fill(fake.script.chat_prompt_2);
    await input.press("Enter");
    const prompt = await entry(a, "user", fake.script.chat_prompt_2);
    assert.equal(prompt.who, "dashboard", "the prompt names who sent it");
    await entry(a, "assistant", fake.script.chat_answer_2);
    await entry(b, "assistant", fake.script.chat_answer_2);
    assert.equal(await input.inputValue(), "", "the box is emptied once sent");
  });

  it("a read token only watches, and a session agentcast did not start is read-only", async () => {
    const c = await newPage(browser);
    c.ui = new Dashboard(c.page);
    try {
      await openAt(c, `/sessions/${encodeURIComponent(session)}`, server.token({ scope: "read" }));
      await c.ui.until("the watch-only note", () => {
        const note = document.querySelector('[data-testid="control-note"]');
        return note && !note.hidden && note.textContent.startsWith("Watching only");
      });
      assert.equal(await c.page.getByTestId("prompt-input").isVisible(), false);
      assert.equal(await c.page.getByTestId("new-session-open").isVisible(), false, "a read token starts nothing");
      // Tab A sees the read token's subject watch, without the right to answer.
      await a.ui.until("the read token in the presence list", () =>
        [...document.querySelectorAll('[data-testid="watcher"]')].some((w) => w.dataset.canControl === "false"));

      const demo = await c.ui.until("a demo session", () => document.querySelector('[data-testid="session-row"][data-source="demo"]')?.dataset.sessionId);
      await c.ui.openSession(await demo.jsonValue());
      await c.ui.until("the read-only note", () => {
        const note = document.querySelector('[data-testid="control-note"]');
        return note && !note.hidden && note.textContent === "read-only: agentcast did not start this session";
      });
    } finally {
      await c.context.close();
    }
  });

  it("denied with a message: the command does not run and Claude reads the message", async () => {
    const cwd = join(home.home, "deny-app");
    await mkdir(cwd, { recursive: true });
    const denied = await startFromForm(cwd);
    await waitCard(a, "the second permission card");
    await a.page.getByTestId("deny-message").fill("not in this folder");
    await a.page.getByTestId("deny").click();
    await waitNoCard(a, "the card to close");
    const answered = await entry(a, "permission", "Denied by");
    assert.equal(answered.text, `Denied by dashboard: Bash: ${fake.script.permission_command} ("not in this folder")`);
    const reply = await entry(a, "assistant", fake.script.permission_refused_text);
    assert.match(reply.text, /not in this folder/, "Claude got the message");
    assert.ok(!existsSync(join(cwd, fake.script.permission_file)), "the command did not run");

    // End: the session ends and its controls go quiet.
    await a.ui.until("the session to be idle", (id) => document.querySelector(`[data-testid="session-row"][data-session-id="${id}"]`)?.dataset.status === "idle", denied, AGENT_MS);
    await a.page.getByTestId("end").click();
    await a.ui.until(
      "the session to end",
      (id) => ["completed", "cancelled"].includes(document.querySelector(`[data-testid="session-row"][data-session-id="${id}"]`)?.dataset.status),
      denied,
      AGENT_MS,
    );
    await a.ui.until("End to be disabled", () => document.querySelector('[data-testid="end"]')?.disabled);
  });

  it("left no errors in the pages' consoles", () => {
    assert.deepEqual([...a.problems, ...b.problems], []);
  });
});
