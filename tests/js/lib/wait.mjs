// Bounded waiting: every receive in these tests goes through one of these, so a silent server
// fails the test with a message instead of hanging it, and no test sleeps "to let things settle".

/** Rejects with `what` if `promise` has not settled within `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves when `condition()` returns a truthy value (which is returned), checking every
 * `intervalMs`; rejects after `ms` with `what` and, if given, `describe()` of the current state.
 */
export async function waitUntil(condition, ms, what, describe) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (Date.now() >= deadline) {
      const state = describe ? `; state: ${describe()}` : "";
      throw new Error(`timed out after ${ms} ms waiting for ${what}${state}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
