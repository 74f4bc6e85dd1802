import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "./isolation.js";

describe("the test PostgreSQL", () => {
  it("answers a query in a fresh per-test database", async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number; db: string }>(
        "SELECT 41 + 1 AS n, current_database() AS db",
      );
      expect(rows[0]?.n).toBe(42);
      expect(db.url.endsWith(`/${rows[0]?.db}`)).toBe(true);
    } finally {
      await client.end();
      await db.drop();
    }
  });
});
