export { type ArrayElement, arrayLiteral } from "./array-literal.js";
export { type CopyValue, copyText } from "./copy-text.js";
export {
  assertSchemaName,
  type Db,
  type Queryable,
  type QueryOptions,
  type QueryResult,
  type TransactionOptions,
} from "./db.js";
export { describeStatement } from "./db-spans.js";
export { classifyDbError } from "./errors.js";
export { type Migration, migrate } from "./migrations.js";
export { isNonEmpty, OffsetKeepingStore, type PartitionRecord } from "./offset-keeping-store.js";
export { type OpenDbOptions, openDb } from "./open-db.js";
export { PgliteDb, type PgliteDbOptions } from "./pglite-db.js";
export { PostgresDb, type PostgresDbOptions } from "./postgres-db.js";
export { type RewindStoredOffsetsOptions, rewindStoredOffsets } from "./rewind-stored-offsets.js";
export { SinkOffsets, sinkOffsetsTableSql } from "./sink-offsets.js";
export { probeWrites } from "./write-probe.js";
