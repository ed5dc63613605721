// Manual try-out (not a test): open the dashboard link, screenshot the list.
import { launch, newPage } from "./browser/chromium.mjs";
const url = process.argv[2];
const out = process.argv[3];
const browser = await launch();
const { page, problems } = await newPage(browser);
await page.goto(url);
await page.locator('[data-testid="session-row"]').first().waitFor({ timeout: 20000 });
await page.waitForTimeout(1500);
const rows = await page.locator('[data-testid="session-row"]').evaluateAll((els) => els.map((e) => `${e.dataset.sessionId} ${e.dataset.source ?? ""} ${e.textContent.replace(/\s+/g, " ").slice(0, 120)}`));
const groups = await page.locator('[data-testid="session-group"]').evaluateAll((els) => els.map((e) => `${e.dataset.project} ${e.dataset.count} ${e.textContent.replace(/\s+/g, " ").slice(0, 80)}`));
console.log(JSON.stringify({ count: await page.getByTestId("sessions-count").textContent(), groups, rows, problems }, null, 1));
await page.screenshot({ path: out, fullPage: true });
await browser.close();
