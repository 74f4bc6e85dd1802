import { describe, expect, it } from "vitest";
import {
  eventLogsSearchParams,
  parseEventLogsQuery,
  type ResolvedEventLogsQuery,
  selectEventLogs,
} from "./paging.js";

const at = (minute: number) => Date.parse(`2026-11-23T08:${String(minute).padStart(2, "0")}:00.000Z`);
// In arrival order; "c" and "d" share a createdAt.
const received = [
  { id: "a", createdAtMs: at(1) },
  { id: "b", createdAtMs: at(3) },
  { id: "c", createdAtMs: at(2) },
  { id: "d", createdAtMs: at(2) },
  { id: "e", createdAtMs: at(4) },
];
const select = (query: Partial<ResolvedEventLogsQuery>) =>
  selectEventLogs(
    received,
    { startDate: undefined, orderBy: "createdAt:DESC", limit: undefined, offset: 0, ...query },
    (item) => item.createdAtMs,
  ).map((item) => item.id);

describe("the paging assumption", () => {
  it("writes only the parameters that are set, and leaves offset 0 out", () => {
    const params = eventLogsSearchParams({
      startDate: new Date(at(1)),
      orderBy: "createdAt:ASC",
      limit: 2,
      offset: 0,
    });
    expect(params.toString()).toBe("startDate=2026-11-23T08%3A01%3A00.000Z&orderBy=createdAt%3AASC&limit=2");
    expect(eventLogsSearchParams({ limit: 1 }).toString()).toBe("limit=1");
  });

  it("reads back what the client writes, with Parakey's defaults for what it leaves out", () => {
    const parsed = parseEventLogsQuery(
      eventLogsSearchParams({ startDate: new Date(at(2)), limit: 5, offset: 10 }),
    );
    expect(parsed).toEqual({
      ok: true,
      query: { startDate: new Date(at(2)), orderBy: "createdAt:DESC", limit: 5, offset: 10 },
    });
  });

  it("refuses malformed parameters, naming the parameter", () => {
    const bad = (query: string) => parseEventLogsQuery(new URLSearchParams(query));
    expect(bad("startDate=yesterday")).toMatchObject({ ok: false, parameter: "startDate" });
    expect(bad("startDate=2026-11-23T08:00:00")).toMatchObject({ ok: false, parameter: "startDate" });
    expect(bad("orderBy=timestamp:ASC")).toMatchObject({ ok: false, parameter: "orderBy" });
    expect(bad("limit=0")).toMatchObject({ ok: false, parameter: "limit" });
    expect(bad("limit=ten")).toMatchObject({ ok: false, parameter: "limit" });
    expect(bad("offset=-1")).toMatchObject({ ok: false, parameter: "offset" });
  });

  it("orders newest first by default and keeps arrival order among equal createdAt", () => {
    expect(select({})).toEqual(["e", "b", "c", "d", "a"]);
    expect(select({ orderBy: "createdAt:ASC" })).toEqual(["a", "c", "d", "b", "e"]);
  });

  it("keeps createdAt >= startDate, inclusive", () => {
    expect(select({ orderBy: "createdAt:ASC", startDate: new Date(at(2)) })).toEqual(["c", "d", "b", "e"]);
  });

  it("skips offset items and takes limit of the ordered result", () => {
    expect(select({ orderBy: "createdAt:ASC", limit: 2, offset: 1 })).toEqual(["c", "d"]);
  });
});
