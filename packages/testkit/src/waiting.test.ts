import { describe, expect, it } from "vitest";
import { waitUntil } from "./waiting.js";

describe("waitUntil", () => {
  it("resolves with the probe's first answer that is not false, undefined or null", async () => {
    const answers = [false, undefined, null, 0, 7];
    expect(await waitUntil("an answer", () => answers.shift(), { intervalMs: 1 })).toBe(0);
    expect(await waitUntil("a row", async () => ({ id: "el_1" }))).toEqual({ id: "el_1" });
  });

  it("fails naming what it waited for once the deadline passed", async () => {
    await expect(
      waitUntil("the moon turns blue", () => false, { timeoutMs: 20, intervalMs: 5 }),
    ).rejects.toThrow("timed out waiting until the moon turns blue");
  });

  it("ends the wait at a probe's error unless told to take errors for not yet", async () => {
    let calls = 0;
    const flaky = () => {
      calls += 1;
      if (calls < 3) throw new Error("ECONNREFUSED");
      return true;
    };
    await expect(waitUntil("the service answers", flaky, { intervalMs: 1 })).rejects.toThrow("ECONNREFUSED");
    calls = 0;
    expect(await waitUntil("the service answers", flaky, { intervalMs: 1, retryErrors: true })).toBe(true);
    await expect(
      waitUntil("the service answers", () => Promise.reject(new Error("ECONNREFUSED")), {
        timeoutMs: 20,
        intervalMs: 5,
        retryErrors: true,
      }),
    ).rejects.toThrow("timed out waiting until the service answers (last error: Error: ECONNREFUSED)");
  });
});
