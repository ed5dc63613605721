// Debian's Chromium driven by playwright-core (no browser download; TOOLCHAIN.md), and where
// screenshots go.

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** Screenshots and measurements: tests/artifacts/dashboard (gitignored). */
export const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts", "dashboard");
mkdirSync(ARTIFACTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      // Headless and a new empty profile are playwright's defaults for launch().
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** A page whose console errors and uncaught exceptions are collected for the assertions. */
export async function newPage(browser, { width = 1400, height = 1000 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    // The browser itself logs failed loads and refused websockets (expected while the server
    // is down or a token is refused); anything else the page logs as an error is a problem.
    const expected = /Failed to load resource|WebSocket connection to .* failed/;
    if (msg.type() === "error" && !expected.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
  return { page, context, problems };
}

export const shot = (page, name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
