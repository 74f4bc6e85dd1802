/** What `waitUntil` counts as "not yet": a probe answers one of these until the condition holds. */
type NotYet = false | undefined | null;

/** How long and how often `waitUntil` polls. */
export interface WaitOptions {
  /** 90 s unless told: generous, since a shared 2-core machine can be slow. */
  timeoutMs?: number;
  intervalMs?: number;
  /**
   * Take a probe's error for "not yet" (a process still starting refuses connections); the last
   * error is named if the deadline passes. Off unless told: an `expect` in a probe fails at once.
   */
  retryErrors?: boolean;
}

/**
 * The one polling helper of the test suites: calls `probe` until it answers something other than
 * `false`, `undefined` or `null`, and resolves with that answer. The deadline only turns a hang into
 * a failure that names what was awaited; a test never asserts how long the wait took (the machine
 * may be slow). A probe that throws ends the wait with that error, unless `retryErrors` is set.
 *
 * @example
 * await waitUntil("the group consumed the topic", () => caughtUp(kafka, group, [topic]));
 * const row = await waitUntil("the row is stored", async () => (await db.query(sql)).rows[0]);
 * await waitUntil("the ingress answers", () => fetch(url).then((r) => r.ok), { retryErrors: true });
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | NotYet> | T | NotYet,
  options: number | WaitOptions = {},
): Promise<T> {
  const {
    timeoutMs = 90_000,
    intervalMs = 200,
    retryErrors = false,
  } = typeof options === "number" ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const answer = await probe();
      if (answer !== false && answer !== undefined && answer !== null) return answer as T;
    } catch (error) {
      if (!retryErrors) throw error;
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting until ${what}${lastError === undefined ? "" : ` (last error: ${String(lastError)})`}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
