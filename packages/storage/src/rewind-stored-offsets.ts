import type { Logger } from "@parakey-bridge/telemetry";
import { type Migration, migrate } from "./migrations.js";
import { type OpenDbOptions, openDb } from "./open-db.js";
import { SinkOffsets } from "./sink-offsets.js";

export interface RewindStoredOffsetsOptions {
  /** The stopped service's database, as the service itself opens it. */
  database: Omit<OpenDbOptions, "log">;
  /** The service's migrations: a replay may be the first thing to touch a fresh database. */
  migrations: readonly Migration[];
  group: string;
  /** The partitions a replay moved (e.g. from `replayGroup`); only backwards moves are applied. */
  moves: readonly { topic: string; partition: number; to: string }[];
  log: Logger;
}

/**
 * The second half of a replay for a service whose sink resumes from offsets it stores itself: opens
 * its database (only now, so an embedded PGlite directory of the stopped service is free), applies
 * its migrations and rewinds the group's stored offsets in one transaction. Resolves with what moved.
 *
 * @example
 * rewindStoredOffsets: (moves) => rewindStoredOffsets({ database: config.database, migrations, group, moves, log }),
 */
export async function rewindStoredOffsets(
  options: RewindStoredOffsetsOptions,
): Promise<{ topic: string; partition: number; from: string; to: string }[]> {
  const db = await openDb({ ...options.database, log: options.log });
  try {
    await migrate(db, options.migrations, options.log);
    const offsets = new SinkOffsets(options.group);
    return await db.transaction((tx) => offsets.rewind(tx, options.moves));
  } finally {
    await db.close();
  }
}
