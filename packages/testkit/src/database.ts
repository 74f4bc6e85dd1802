import pg from "pg";

/** A database created by {@link createDatabase}. */
export interface CreatedDatabase {
  /** `adminUrl` with the new database's name: the DATABASE_URL of the program under test. */
  url: string;
  /** Drops it, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/**
 * Creates the database `name` on the server `adminUrl` connects to (as a role allowed to create
 * databases), so a run starts from an empty schema and leaves nothing in another's.
 *
 * @example
 * const db = await createDatabase(process.env.DATABASE_URL, "bench_consume_1"); // db.url → the service
 * await db.drop();
 */
export async function createDatabase(adminUrl: string, name: string): Promise<CreatedDatabase> {
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
