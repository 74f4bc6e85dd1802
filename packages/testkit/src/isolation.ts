import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

/** A name no other test uses (topics, groups, databases). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/** The broker list the global setup provided. */
export function testKafkaBrokers(): string[] {
  return inject("kafkaBrokers").split(",");
}

/** The PostgreSQL URL the global setup provided (an admin connection to the shared server). */
export function testDatabaseUrl(): string {
  return inject("databaseUrl");
}

/**
 * A fresh database on the shared test server, so each test runs its migrations from scratch and
 * never sees another test's rows.
 *
 * @example
 * const db = await createTestDatabase(); // db.url → DATABASE_URL of the service under test
 * afterAll(() => db.drop());
 */
export async function createTestDatabase(
  adminUrl = testDatabaseUrl(),
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName("t").replaceAll("-", "_");
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    kafkaBrokers: string;
    databaseUrl: string;
  }
}
