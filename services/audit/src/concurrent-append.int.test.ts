import { describe, expect } from "vitest";
import { ChainVerifier } from "./chain/verify.js";
import { AuditStore } from "./store/audit-store.js";
import { doorEvent, inboundRecords, it } from "./test-support.js";

describe("an event stored by another writer while a batch is being appended", () => {
  it("fails the batch as a retryable chain_conflict, and the retry counts it a duplicate with the chain intact", async ({
    db,
  }) => {
    const store = new AuditStore(db, { group: "audit-concurrent" });
    await store.append(inboundRecords([doorEvent(0)]));
    const event = doorEvent(1);

    // Another writer (a zombie member, the same event in another partition) has stored the event
    // but not committed yet: the batch's look-up cannot see it, its copy waits on the key.
    let commitOther: () => void = () => undefined;
    const otherCommitted = new Promise<void>((resolve) => {
      commitOther = resolve;
    });
    const other = db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO audit_events (event_log_id, chain_domain, chain_seq, device_id, occurred_at, recorded_at,
           received_at, delay_ms, via, payload_version, payload, personal_commitment, kafka_topic,
           kafka_partition, kafka_offset, first_seen_at, prev_hash, hash)
         VALUES ($1, 'other-writer', 1, 'dev_x', now(), now(), now(), 0, 'poll', '1.0', '{}', 'c', 't', 1, 0, now(), 'p', 'h')`,
        [event.eventLogId],
      );
      await otherCommitted;
    });
    const records = inboundRecords([doorEvent(0), event]).slice(1);
    const appending = store.append(records).catch((e: unknown) => e);
    await waitForCopyToWait(db);
    commitOther();
    await other;

    expect(await appending).toMatchObject({ code: "chain_conflict", retryable: true });
    expect(await store.append(records)).toEqual(["duplicate"]);
    // The failed batch left no trace: the chains (the other writer's row is in none) verify.
    const chains = await new ChainVerifier(db).verifyAll();
    expect(chains.length).toBeGreaterThan(0);
    expect(chains.every((chain) => chain.ok)).toBe(true);
    const { rows } = await db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM audit_events WHERE chain_domain = $1",
      [event.domainId],
    );
    expect(rows).toEqual([{ n: "0" }]);
  });
});

/** Until a backend of this database waits on a lock in a COPY (the batch's insert). */
async function waitForCopyToWait(db: {
  query<R extends object>(sql: string): Promise<{ rows: R[] }>;
}): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY audit_events%'`,
    );
    if (rows[0]?.n !== "0") return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the batch's copy never waited on the other writer's key");
}
