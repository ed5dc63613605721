// Page objects of the dashboard: what a user sees, named by data-testid. Every wait here has
// a timeout, so a broken page fails the test with what it waited for instead of hanging.

const T = 15_000;

export class Dashboard {
  constructor(page) {
    this.page = page;
    this.connection = page.getByTestId("connection");
    this.sessions = page.getByTestId("session-row");
    this.session = page.getByTestId("session-view");
    this.transcript = page.getByTestId("transcript");
    this.tools = page.getByTestId("tool-row");
    this.todoProgress = page.getByTestId("todo-progress");
    this.cost = page.getByTestId("cost");
    this.tokenPrompt = page.getByTestId("token-prompt");
    this.authError = page.getByTestId("auth-error");
    this.events = page.getByTestId("event-row");
  }

  async open(url) {
    await this.page.goto(url, { timeout: T });
  }

  /** Waits until `fn(arg)` is truthy in the page; `what` names it in the failure. */
  async until(what, fn, arg, timeout = T) {
    try {
      return await this.page.waitForFunction(fn, arg, { timeout, polling: 50 });
    } catch (err) {
      err.message = `waiting for ${what}: ${err.message}`;
      throw err;
    }
  }

  sessionRow(id) {
    return this.page.locator(`[data-testid="session-row"][data-session-id="${id}"]`);
  }

  async openSession(id) {
    await this.sessionRow(id).waitFor({ timeout: T });
    await this.sessionRow(id).click();
    await this.page.locator(`[data-testid="session-view"][data-session-id="${id}"][data-loaded="true"]`).waitFor({ timeout: T });
  }

  /** The connection indicator: `{state, label, detail}`. */
  async connectionState() {
    return this.page.evaluate(() => {
      const el = document.querySelector('[data-testid="connection"]');
      return {
        state: el?.dataset.state,
        label: el?.querySelector('[data-testid="connection-label"]')?.textContent ?? "",
        detail: el?.querySelector('[data-testid="connection-detail"]')?.textContent ?? "",
      };
    });
  }

  async waitConnection(state, timeout = T) {
    await this.until(`connection ${state}`, (s) => document.querySelector('[data-testid="connection"]')?.dataset.state === s, state, timeout);
    return this.connectionState();
  }

  /** The transcript as shown: `[{kind, text}]` in order. */
  transcriptEntries() {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="transcript-entry"]')].map((e) => ({
        kind: e.dataset.kind,
        text: e.querySelector(".text")?.textContent ?? "",
      })),
    );
  }

  /** Tool rows: `[{id, name, status, duration, spinner, background, indent}]`, in tree order. */
  toolRows() {
    return this.page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="tool-row"]')].map((r) => ({
        id: r.dataset.toolId,
        name: r.dataset.tool,
        status: r.dataset.status,
        duration: r.querySelector('[data-testid="tool-duration"]')?.textContent ?? "",
        spinner: !!r.querySelector('[data-testid="tool-spinner"]'),
        background: getComputedStyle(r).backgroundColor,
        indent: parseFloat(getComputedStyle(r).paddingLeft),
      })),
    );
  }

  async submitToken(token) {
    await this.page.getByTestId("token-input").fill(token);
    await this.page.getByTestId("token-submit").click();
  }
}
