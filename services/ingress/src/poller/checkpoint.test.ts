import { describe, expect, it } from "vitest";
import {
  backfillCheckpointKey,
  decodeCheckpoint,
  encodeCheckpoint,
  pollerCheckpointKey,
} from "./checkpoint.js";

describe("checkpoint encoding", () => {
  it("round-trips every field", () => {
    const checkpoint = {
      etag: '"q1b2"',
      highWaterMark: new Date("2026-11-23T08:05:00.123Z"),
      readAt: new Date("2026-11-23T08:06:00.000Z"),
      lastSuccessAt: new Date("2026-11-23T08:06:01.000Z"),
      done: true,
    };
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint))).toEqual({ ok: true, checkpoint });
  });

  it("leaves absent fields absent (a first read that found nothing has no high-water mark)", () => {
    const decoded = decodeCheckpoint(encodeCheckpoint({ etag: '"e"', readAt: new Date(0) }));
    expect(decoded).toEqual({ ok: true, checkpoint: { etag: '"e"', readAt: new Date(0) } });
  });

  it("stores versioned JSON with ISO instants", () => {
    const json = JSON.parse(encodeCheckpoint({ highWaterMark: new Date("2026-11-23T08:00:00Z") }).toString());
    expect(json).toEqual({ v: 1, highWaterMark: "2026-11-23T08:00:00.000Z" });
  });

  it("reads a tombstone as no checkpoint", () => {
    expect(decodeCheckpoint(null)).toEqual({ ok: true, checkpoint: undefined });
  });

  it("refuses a value it cannot read instead of starting afresh", () => {
    expect(decodeCheckpoint(Buffer.from("{not json")).ok).toBe(false);
    expect(decodeCheckpoint(Buffer.from(JSON.stringify({ v: 2 }))).ok).toBe(false);
    expect(decodeCheckpoint(Buffer.from(JSON.stringify({ v: 1, highWaterMark: "yesterday" }))).ok).toBe(
      false,
    );
  });

  it("keys a poller by its integration and a backfill by integration and range", () => {
    expect(pollerCheckpointKey("acme")).toBe("acme");
    expect(
      backfillCheckpointKey("acme", new Date("2026-11-01T00:00:00Z"), new Date("2026-11-02T00:00:00+01:00")),
    ).toBe("backfill:acme:2026-11-01T00:00:00.000Z:2026-11-01T23:00:00.000Z");
  });
});
