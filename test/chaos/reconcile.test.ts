import { describe, expect, it } from "vitest";
import type { Created } from "./load.js";
import { reconcile, type SinkRows, type SinkSnapshot } from "./reconcile.js";

const event = (id: string, createdMs: number, metered = true): Created => ({
  id,
  createdMs,
  metered,
  dropped: false,
  webhookAccepted: true,
});

const rows = (entries: [string, number, number?][]): SinkRows => ({
  rows: new Map(entries.map(([id, n]) => [id, n])),
  storedMs: new Map(entries.map(([id, , at]) => [id, at ?? 0])),
});

const noExcess = { billing: 0, checkin: 0, auditChain: 0 };
const webhook = { ok: 0, unavailable: 0, failed: 0, dropped: 0 };

type ReconcileInput = Parameters<typeof reconcile>[0];

/** Reconciles a scenario with no excess before it, nothing on the topic, no healing and no webhook figures unless told. */
const reconcileScenario = (input: Pick<ReconcileInput, "created" | "sinks"> & Partial<ReconcileInput>) =>
  reconcile({ excessBefore: noExcess, topic: new Map(), healedMs: undefined, webhook, ...input });

function snapshot(
  ids: [string, number?][],
  overrides: Partial<SinkSnapshot> = {},
  excess: SinkSnapshot["excess"] = noExcess,
): SinkSnapshot {
  const all = ids.map(([id, at]) => [id, 1, at] as [string, number, number?]);
  return {
    audit: { ...rows(all), viaPoll: new Set() },
    billing: rows(all),
    checkin: rows(all),
    excess,
    ...overrides,
  };
}

describe("the chaos reconciliation", () => {
  it("counts an event missing from any sink that must hold it as lost, once", () => {
    const created = [event("a", 0), event("b", 0), event("c", 0, false)];
    const sinks = snapshot([["a"], ["b"], ["c"]], {
      checkin: rows([
        ["a", 1],
        ["c", 1],
      ]),
      billing: rows([["a", 1]]),
    });
    const figures = reconcileScenario({ created, sinks });
    // b is missing from check-in and billing (one lost event); c is not metered, so billing need not hold it.
    expect(figures.lost).toBe(1);
    expect(figures.appliedTwice).toBe(0);
  });

  it("counts a meter or day count that grew beyond one per id during the scenario as applied twice", () => {
    const created = [event("a", 0)];
    const figures = reconcileScenario({
      created,
      sinks: snapshot([["a"]], {}, { billing: 3, checkin: 1, auditChain: 0 }),
      excessBefore: { billing: 2, checkin: 0, auditChain: 0 },
      topic: new Map([["a", 2]]),
    });
    expect(figures.appliedTwice).toBe(2);
    expect(figures.topicDistinct).toBe(1);
    expect(figures.topicDuplicates).toBe(1);
  });

  it("counts a second row for an id, and an unmetered event billed, as applied twice", () => {
    const created = [event("a", 0), event("b", 0, false)];
    const sinks = snapshot([["a"], ["b"]], {
      audit: {
        ...rows([
          ["a", 2],
          ["b", 1],
        ]),
        viaPoll: new Set(["b"]),
      },
    });
    const figures = reconcileScenario({ created, sinks });
    expect(figures.appliedTwice).toBe(2);
    expect(figures.recoveredByPoller).toBe(1);
  });

  it("times recovery from the healing to the last sink row of events created before it", () => {
    const created = [event("early", 1_000), event("late", 9_000)];
    const sinks = snapshot([
      ["early", 7_500],
      ["late", 9_200],
    ]);
    const figures = reconcileScenario({ created, sinks, healedMs: 5_000 });
    expect(figures.recoverMs).toBe(2_500);
    expect(figures.maxDelayMs).toBe(6_500);
  });
});
