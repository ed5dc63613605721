// A reconnect the history no longer covers, in a real browser: the page holds offsets up to
// 60 of a session, the server crashes, comes back and receives 100 more events while the
// page waits for its next attempt; with 50 events kept per session, offsets 61..110 are gone
// by the time the page reconnects. The server answers `recovered: false`; the page must say
// so, try to page the gap in, say the server no longer holds it, and show every event the
// server does hold, in order, with nothing doubled.
//
// Needs the dashboard built into dist/ (`cargo xtask test --only dashboard` builds it) and the
// binary (`AGENTCAST_BIN`, default target/debug/agentcast).
// Run: node --test browser/recovery.browser.mjs (from tests/js)

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { allEvents, api, dataDir, startAgentcast } from "./agentcast.mjs";
import { launch, newPage, shot } from "./chromium.mjs";
import { Dashboard } from "./pages.mjs";

const SESSION = "gap";
const KEPT = 50;
const ARGS = ["--retention-max-events", String(KEPT)];

let browser;
let data;
let server;

before(async () => {
  data = await dataDir();
  server = await startAgentcast({ dir: data.dir, args: ARGS });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  await data?.remove();
});

/** Publishes `count` output.text events numbered from `first`; resolves with the head. */
async function publish(first, count) {
  const events = Array.from({ length: count }, (_, i) => ({
    type: "output.text",
    data: { text: `line ${first + i}` },
  }));
  const { head_offset } = await api(server, `/api/sessions/${SESSION}/publish`, {
    method: "POST",
    body: JSON.stringify({ events }),
  });
  return head_offset;
}

describe("a reconnect the retained history no longer covers", () => {
  it("says recovered: false, names the trimmed events and shows the rest in order", async () => {
    assert.equal(await publish(1, 60), 60);
    const { page, problems } = await newPage(browser);
    const ui = new Dashboard(page);
    await ui.open(server.link);
    await ui.openSession(SESSION);
    const view = page.locator(`[data-testid="session-view"][data-session-id="${SESSION}"]`);
    await ui.until("offset 60 applied", () => document.querySelector('[data-testid="session-view"]')?.dataset.headOffset === "60");

    const port = server.port;
    await server.stop("SIGKILL");
    // Wait for a backoff delay of several seconds: the restart and the publish below take a
    // few hundred milliseconds, so they are done long before the page's next attempt.
    await ui.until(
      "a reconnect attempt at least 3 s away",
      () => Number(/next try in (\d+) s/.exec(document.querySelector('[data-testid="connection-detail"]')?.textContent ?? "")?.[1]) >= 3,
      undefined,
      30_000,
    );
    server = await startAgentcast({ dir: data.dir, port, args: ARGS });
    assert.equal(await publish(61, 100), 160);
    const held = await allEvents(server, SESSION);
    assert.deepEqual([held[0].offset, held.at(-1).offset, held.length], [111, 160, KEPT]);

    await ui.waitConnection("connected", 30_000);
    await ui.until("offset 160 applied", () => document.querySelector('[data-testid="session-view"]')?.dataset.headOffset === "160");
    await ui.until(
      "the notice naming the trimmed events",
      () => /Events 61 to 110 are no longer kept/.test(document.querySelector('[data-testid="notice"]')?.textContent ?? ""),
    );
    const gap = await view.evaluate(() =>
      [...document.querySelectorAll('[data-testid="transcript-entry"][data-kind="gap"]')].map((e) => e.textContent));
    assert.equal(gap.length, 1, `one gap marker: ${gap}`);
    assert.match(gap[0], /Events 61 to 110 are missing/);
    await shot(page, "11-recovered-false");
    // Everything the page held, then everything the server still holds: 100 events in order.
    const count = await page.getByTestId("event-count").textContent();
    assert.match(count, /of 100 loaded/);
    const lines = await view.evaluate(() =>
      [...document.querySelectorAll('[data-testid="transcript-entry"][data-kind="assistant"] .text')].map((e) => e.textContent),
    );
    const expected = [
      ...Array.from({ length: 60 }, (_, i) => `line ${i + 1}`),
      ...Array.from({ length: 50 }, (_, i) => `line ${i + 111}`),
    ];
    // The transcript renders its newest entries; they must be the tail of the expected list.
    assert.ok(lines.length > 0);
    assert.deepEqual(lines, expected.slice(-lines.length));
    assert.deepEqual(problems, []);
  });
});
