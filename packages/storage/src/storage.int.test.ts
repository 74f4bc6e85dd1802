import { UnavailableError } from "@parakey-bridge/service-kit";
import { createTestDatabase } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { copyText } from "./copy-text.js";
import { migrate } from "./migrations.js";
import { PostgresDb } from "./postgres-db.js";

const log = pino({ level: "silent" });

describe("PostgresDb against a real PostgreSQL", () => {
  it("applies each migration exactly once when replicas start together", async () => {
    const database = await createTestDatabase();
    const replicas = Array.from(
      { length: 3 },
      () => new PostgresDb({ url: database.url, schema: "svc", log }),
    );
    try {
      const migrations = [
        {
          version: 1,
          name: "counter",
          sql: "CREATE TABLE counter (n int NOT NULL); INSERT INTO counter VALUES (0);",
        },
        { version: 2, name: "bump", sql: "UPDATE counter SET n = n + 1;" },
      ];
      const applied = await Promise.all(replicas.map((db) => migrate(db, migrations, log)));
      expect(applied.flat().sort()).toEqual([1, 2]);
      const [first] = replicas;
      const { rows } = await (first as PostgresDb).query<{ n: number }>("SELECT n FROM counter");
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await Promise.all(replicas.map((db) => db.close()));
      await database.drop();
    }
  });

  it("reports an unreachable server as a retryable UnavailableError, and probe() says false", async () => {
    const db = new PostgresDb({ url: "postgres://postgres@127.0.0.1:1/none", schema: "svc", log });
    try {
      const error = await db.query("SELECT 1").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect(error).toMatchObject({ code: "db_unavailable", retryable: true });
      await expect(db.transaction(async () => undefined)).rejects.toBeInstanceOf(UnavailableError);
      expect(await db.probe()).toBe(false);
    } finally {
      await db.close();
    }
  });

  it("copies rows in with COPY FROM STDIN exactly as given, and a duplicate key rolls the whole transaction back", async () => {
    const database = await createTestDatabase();
    const db = new PostgresDb({ url: database.url, schema: "svc", log });
    try {
      await db.exec("CREATE TABLE t (n integer PRIMARY KEY, value text, doc jsonb)");
      const values = ["tab\there", "line\nbreak\r", "back\\slash", "\\N", "åäö 日本 🔑", null];
      const doc = { name: 'Front "door"\t', path: "C:\\locks" };
      const rows = values.map((value, n) => ({ n, value, doc: JSON.stringify(doc) }));
      const columns = [
        (r: (typeof rows)[number]) => r.n,
        (r: (typeof rows)[number]) => r.value,
        (r: (typeof rows)[number]) => r.doc,
      ];
      const added = await db.transaction((tx) =>
        tx.copyFrom("t", ["n", "value", "doc"], copyText(rows, columns)),
      );
      expect(added).toBe(values.length);
      const { rows: back } = await db.query<{ value: string | null; doc: unknown }>(
        "SELECT value, doc FROM t ORDER BY n",
      );
      expect(back).toEqual(values.map((value) => ({ value, doc })));

      const error = await db
        .transaction(async (tx) => {
          await tx.query("INSERT INTO t (n) VALUES (100)");
          return tx.copyFrom("t", ["n"], copyText([{ n: 101 }, { n: 0 }], [(r) => r.n]));
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "db_query_failed",
        cause: { code: "23505", constraint: "t_pkey" },
      });
      const { rows: count } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM t");
      expect(count).toEqual([{ n: String(values.length) }]);
      // The connection is usable again after the failed copy (it went back to the pool).
      expect(await db.copyFrom("t", ["n"], copyText([{ n: 200 }], [(r) => r.n]))).toBe(1);
    } finally {
      await db.close();
      await database.drop();
    }
  });
});
