import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { type CreatedDatabase, createDatabase } from "./database.js";

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
export function createTestDatabase(adminUrl = testDatabaseUrl()): Promise<CreatedDatabase> {
  return createDatabase(adminUrl, uniqueName("t").replaceAll("-", "_"));
}

declare module "vitest" {
  export interface ProvidedContext {
    kafkaBrokers: string;
    databaseUrl: string;
  }
}
