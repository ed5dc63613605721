// How the dashboard holds up: a 20,000-event session loads (time from opening the page to the
// first history on screen), pages back to the start and scrolls without freezing and without
// 20,000 rows in the DOM; a stream of 1,000 events/s keeps frames coming; the release wasm is
// at most 440 KB gzipped (400 KB until the control views of issue 14 came: the permission
// cards, the prompt box, presence, the New session form; their Leptos views took it to
// 417 KB). The numbers go to tests/artifacts/dashboard/measurements.json.
//
// Run: node --test browser/performance.browser.mjs (from tests/js), after a release
// `trunk build` (cargo xtask test --only dashboard does both).

import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { api, dataDir, startAgentcast } from "./agentcast.mjs";
import { ARTIFACTS, launch, newPage, shot } from "./chromium.mjs";
import { Dashboard } from "./pages.mjs";

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "dist");
const BIG = "perf-20k";
const BIG_EVENTS = 20_000;
const measurements = {};
let browser;
let data;
let server;

before(async () => {
  data = await dataDir();
  server = await startAgentcast({ dir: data.dir });
  browser = await launch();
});

after(async () => {
  writeFileSync(join(ARTIFACTS, "measurements.json"), `${JSON.stringify(measurements, null, 2)}\n`);
  console.log("measurements:", JSON.stringify(measurements, null, 2));
  await browser?.close();
  await server?.stop();
  await data?.remove();
});

/** `count` realistic events (text deltas, tools, usage, stderr) starting at step `from`. */
function events(count, from = 0) {
  const out = [];
  for (let i = from; out.length < count; i++) {
    const cycle = Math.floor(i / 10);
    const tool = `tool-${cycle}`;
    switch (i % 10) {
      case 0: out.push({ type: "tool.started", data: { tool_use_id: tool, name: "Bash", input: { command: `cargo test --step ${cycle}` } } }); break;
      case 6: out.push({ type: "tool.completed", data: { tool_use_id: tool, name: "Bash", is_error: cycle % 7 === 0, output_preview: `test result: ok. ${cycle} passed`, output_bytes: 64, duration_ms: 120 + (cycle % 50) } }); break;
      case 7: out.push({ type: "usage.updated", data: { model: "perf-model", input_tokens: 100 * cycle, output_tokens: 20 * cycle, cache_read_tokens: 0, cache_creation_tokens: 0, total_cost_usd: cycle / 1000 } }); break;
      case 8: out.push({ type: "output.stderr", data: { line: `warning: step ${cycle}` } }); break;
      default: out.push({ type: "output.text", data: { message_id: `m-${cycle}`, text: `word${i} `, delta: true } });
    }
  }
  return out;
}

async function publish(session, list) {
  for (let i = 0; i < list.length; i += 1000) {
    await api(server, `/api/sessions/${session}/publish`, { method: "POST", body: JSON.stringify({ events: list.slice(i, i + 1000) }) });
  }
}

/** Frame timing in the page between start() and stop(): count, fps and the longest gap. */
const FRAMES = {
  start: () => {
    window.__frames = [];
    const loop = (t) => {
      window.__frames.push(t);
      if (window.__frames) window.__raf = requestAnimationFrame(loop);
    };
    window.__raf = requestAnimationFrame(loop);
  },
  stop: () => {
    cancelAnimationFrame(window.__raf);
    const f = window.__frames;
    window.__frames = null;
    const gaps = f.slice(1).map((t, i) => t - f[i]);
    const span = f.at(-1) - f[0];
    return { frames: f.length, fps: Math.round((f.length - 1) / (span / 1000)), max_gap_ms: Math.round(Math.max(0, ...gaps)) };
  },
};

describe("dashboard performance", () => {
  it("ships a release wasm of at most 440 KB gzipped", () => {
    const wasm = readdirSync(DIST).find((f) => f.endsWith("_bg.wasm"));
    assert.ok(wasm, "no wasm in dist/: run trunk build --release");
    const bytes = readFileSync(join(DIST, wasm));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    measurements.wasm_bytes = bytes.length;
    measurements.wasm_gzip_bytes = gzip;
    assert.ok(gzip <= 440 * 1024, `wasm is ${gzip} bytes gzipped`);
  });

  it("loads a 20,000-event session, pages back to its start and scrolls it", async () => {
    await publish(BIG, events(BIG_EVENTS));
    const { page, problems } = await newPage(browser);
    const ui = new Dashboard(page);
    await ui.open(`${server.url}/sessions/${BIG}#token=${server.linkToken}`);
    await page.locator(`[data-testid="session-view"][data-loaded="true"]`).waitFor({ timeout: 30_000 });
    const firstHistory = await ui.until("the first-history mark", () => performance.getEntriesByName("agentcast:first-history")[0]?.startTime);
    measurements.first_history_ms = Math.round(await firstHistory.jsonValue());

    // Page back to offset 1 with "Load older", timing it and watching the frames meanwhile.
    await page.evaluate(FRAMES.start);
    const pagingStarted = Date.now();
    for (let i = 0; i < 40; i++) {
      const button = page.getByTestId("load-older");
      if ((await button.count()) === 0) break;
      const before = Number(await ui.session.getAttribute("data-events"));
      await button.click({ timeout: 10_000 });
      await ui.until("an older page", (n) => Number(document.querySelector('[data-testid="session-view"]').dataset.events) > n, before, 15_000);
    }
    measurements.load_all_older_ms = Date.now() - pagingStarted;
    measurements.frames_while_paging = await page.evaluate(FRAMES.stop);
    assert.equal(Number(await ui.session.getAttribute("data-events")), BIG_EVENTS);

    // Scroll the event table from top to bottom: 200 jumps spread over the whole list, each
    // followed by two frames (a screenful at a time would take a minute).
    await page.evaluate(FRAMES.start);
    const scroll = await page.evaluate(async () => {
      const list = document.querySelector('[data-testid="events"]');
      let maxRows = 0;
      for (let step = 0; step <= 200; step++) {
        list.scrollTop = Math.round((list.scrollHeight - list.clientHeight) * (step / 200));
        list.dispatchEvent(new Event("scroll"));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        maxRows = Math.max(maxRows, document.querySelectorAll('[data-testid="event-row"]').length);
      }
      return { maxRows, scroll_height_px: list.scrollHeight };
    });
    measurements.scroll_20k = { ...(await page.evaluate(FRAMES.stop)), ...scroll };
    measurements.dom_nodes = await page.evaluate(() => document.getElementsByTagName("*").length);
    assert.ok(scroll.maxRows < 200, `${scroll.maxRows} event rows in the DOM`);
    assert.ok(measurements.scroll_20k.max_gap_ms < 1000, `a frame took ${measurements.scroll_20k.max_gap_ms} ms`);
    await shot(page, "09-20k-events");
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("lists 2,500 sessions page by page: the newest at once, then every one", async () => {
    const MANY = 2_500;
    const ids = Array.from({ length: MANY }, (_, i) => `many-${String(i).padStart(4, "0")}`);
    // Each its own start time (a second apart), newest last; ten publishes at a time.
    for (let i = 0; i < MANY; i += 10) {
      await Promise.all(ids.slice(i, i + 10).map((id, j) => {
        const at = new Date(Date.UTC(2026, 10, 1) + (i + j) * 1000).toISOString();
        const started = { type: "session.started", data: { session_id: id, source: "publish", project_id: "many", started_at: at } };
        return api(server, `/api/sessions/${id}/publish`, { method: "POST", body: JSON.stringify({ events: [started] }) });
      }));
    }
    const { page, problems } = await newPage(browser);
    const ui = new Dashboard(page);
    const opened = Date.now();
    await ui.open(`${server.url}/#token=${server.linkToken}`);
    const newest = ui.sessionRow(ids.at(-1));
    await newest.waitFor({ timeout: 30_000 });
    measurements.sessions_first_row_ms = Date.now() - opened;
    // Every session the server has (with those of the other tests), through the API's pages.
    let total = 0;
    for (let cursor = ""; ; ) {
      const page = await api(server, `/api/sessions?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      total += page.sessions.length;
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    assert.ok(total > MANY, `${total} sessions`);
    await ui.until("every session listed", (n) => Number(document.querySelector('[data-testid="sessions-count"]')?.textContent) === n, total, 60_000);
    measurements.sessions_all_listed_ms = Date.now() - opened;
    assert.ok(Number(await page.locator('[data-testid="session-row"]').count()) < 200, "the list stays virtualized");
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("keeps frames coming during a 1,000 events/s stream and applies every event", async () => {
    const session = "perf-stream";
    await publish(session, events(10));
    const { page, problems } = await newPage(browser);
    const ui = new Dashboard(page);
    await ui.open(`${server.url}/sessions/${session}#token=${server.linkToken}`);
    await page.locator(`[data-testid="session-view"][data-loaded="true"]`).waitFor({ timeout: 30_000 });
    await ui.waitConnection("connected");
    await page.evaluate(FRAMES.start);
    // 50 events every 50 ms for 5 s.
    const seconds = 5;
    let sent = 10;
    const started = Date.now();
    for (let tick = 0; tick < seconds * 20; tick++) {
      await publish(session, events(50, sent));
      sent += 50;
      const wait = started + (tick + 1) * 50 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const sendMs = Date.now() - started;
    await ui.until("every streamed event applied", (n) => Number(document.querySelector('[data-testid="session-view"]').dataset.headOffset) >= n, sent, 30_000);
    const appliedMs = Date.now() - started;
    const frames = await page.evaluate(FRAMES.stop);
    measurements.stream = { events: sent - 10, send_ms: sendMs, all_applied_ms: appliedMs, events_per_s: Math.round(((sent - 10) / sendMs) * 1000), ...frames };
    assert.ok(frames.max_gap_ms < 1000, `a frame took ${frames.max_gap_ms} ms during the stream`);
    assert.ok(Number(await page.locator('[data-testid="event-row"]').count()) < 200);
    await shot(page, "10-stream");
    assert.deepEqual(problems, []);
    await page.close();
  });
});
