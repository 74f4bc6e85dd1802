import { UnavailableError } from "@parakey-bridge/service-kit";
import { createTestDatabase } from "@parakey-bridge/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
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
});
