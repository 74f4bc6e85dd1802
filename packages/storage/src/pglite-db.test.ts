import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "./migrations.js";
import { PgliteDb } from "./pglite-db.js";
import { SinkOffsets, sinkOffsetsTableSql } from "./sink-offsets.js";

const log = pino({ level: "silent" });

// PGlite is PostgreSQL compiled to WebAssembly and runs in this process: no server, no network.
describe("PgliteDb (embedded PostgreSQL)", () => {
  let db: PgliteDb;
  beforeAll(async () => {
    db = await PgliteDb.open({ schema: "unit" });
  });
  afterAll(() => db.close());

  const migrations = [
    { version: 1, name: "offsets", sql: sinkOffsetsTableSql },
    { version: 2, name: "things", sql: "CREATE TABLE things (id int PRIMARY KEY, name text NOT NULL);" },
  ];

  it("applies migrations once, into the service's schema", async () => {
    expect(await migrate(db, migrations, log)).toEqual([1, 2]);
    expect(await migrate(db, migrations, log)).toEqual([]);
    const { rows } = await db.query<{ schemaname: string }>(
      "SELECT schemaname FROM pg_tables WHERE tablename = 'things'",
    );
    expect(rows).toEqual([{ schemaname: "unit" }]);
  });

  it("refuses to start when an applied migration was edited", async () => {
    const edited = [migrations[0], { ...migrations[1], sql: "CREATE TABLE things (id int);" }];
    await expect(migrate(db, edited as typeof migrations, log)).rejects.toThrow(
      /changed after it was applied/,
    );
  });

  it("rolls a failed transaction back and reports a non-retryable error", async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO things (id, name) VALUES (1, 'a')");
        await tx.query("INSERT INTO things (id, name) VALUES (1, 'again')");
      }),
    ).rejects.toMatchObject({ code: "db_query_failed", retryable: false });
    expect((await db.query("SELECT * FROM things")).rows).toEqual([]);
  });

  it("keeps sink offsets: nothing stored, then only forward", async () => {
    const offsets = new SinkOffsets("g1");
    await db.transaction(async (tx) => {
      expect(await offsets.lock(tx, "t", 0)).toBeNull();
      await offsets.advance(tx, "t", 0, 10n);
    });
    await db.transaction(async (tx) => {
      expect(await offsets.lock(tx, "t", 0)).toBe(10n);
      await offsets.advance(tx, "t", 0, 4n);
    });
    expect(await offsets.read(db, "t")).toEqual(new Map([[0, "10"]]));
    await offsets.reset(db, "t", new Map([[0, "3"]]));
    expect(await offsets.read(db, "t")).toEqual(new Map([[0, "3"]]));
  });

  it("rewinds sink offsets for a replay only backwards, and leaves partitions with nothing stored alone", async () => {
    const offsets = new SinkOffsets("g3");
    const otherGroup = new SinkOffsets("g3-other");
    await otherGroup.advance(db, "t", 0, 40n);
    await offsets.advance(db, "t", 0, 40n);
    await offsets.advance(db, "t", 1, 7n);
    await offsets.advance(db, "u", 0, 9n);
    const rewound = await db.transaction((tx) =>
      offsets.rewind(tx, [
        { topic: "t", partition: 0, to: "25" },
        { topic: "t", partition: 1, to: "12" },
        { topic: "t", partition: 2, to: "3" },
        { topic: "u", partition: 0, to: "9" },
      ]),
    );
    expect(rewound).toEqual([{ topic: "t", partition: 0, from: "40", to: "25" }]);
    expect(await offsets.read(db, "t")).toEqual(
      new Map([
        [0, "25"],
        [1, "7"],
      ]),
    );
    expect(await offsets.read(db, "u")).toEqual(new Map([[0, "9"]]));
    expect(await otherGroup.read(db, "t")).toEqual(new Map([[0, "40"]]));
  });

  it("moves sink offsets past dead-lettered records outside a batch's transaction, never back", async () => {
    const offsets = new SinkOffsets("g2");
    await offsets.advance(db, "t", 1, 5n);
    expect(await offsets.read(db, "t")).toEqual(new Map([[1, "5"]]));
    await db.transaction(async (tx) => {
      expect(await offsets.lock(tx, "t", 1)).toBe(5n);
      await offsets.advance(tx, "t", 1, 8n);
    });
    await offsets.advance(db, "t", 1, 6n);
    expect(await offsets.read(db, "t")).toEqual(new Map([[1, "8"]]));
  });
});
