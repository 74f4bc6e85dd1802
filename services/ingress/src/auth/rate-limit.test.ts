import { eventLogFixture } from "@parakey-bridge/contracts/testing";
import { describe, expect, it } from "vitest";
import { authHeaders, BASIC_PASSWORD, BASIC_USER, testApp } from "../testing/fixtures.js";

const delivery = (i: number) => JSON.stringify(eventLogFixture({ id: `el_rl_${i}` }));
const basicHeaders = {
  authorization: `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString("base64")}`,
  "content-type": "application/json",
};

describe("webhook rate limit per sender", () => {
  it("answers 429 with Retry-After to a noisy sender while another credential is still served", async () => {
    const { post, sink, registry } = testApp({ rateLimitPerMinute: 2 });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await post(delivery(i), authHeaders);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    if (!last) throw new Error("no delivery was made");
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await last.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect(sink.records).toHaveLength(2);
    expect(await registry.metrics()).toContain('bridge_webhook_requests_total{outcome="rate_limited"} 1');
    expect((await post(delivery(3), basicHeaders)).status).toBe(200);
  });

  it("does not limit when no limit is configured", async () => {
    const { post } = testApp();
    for (let i = 0; i < 5; i++) expect((await post(delivery(i))).status).toBe(200);
  });
});
