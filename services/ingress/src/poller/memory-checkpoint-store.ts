import type { PollerCheckpoint } from "./checkpoint.js";
import type { CheckpointStore } from "./checkpoint-store.js";

/** Checkpoints in memory, for unit tests; keeps every save so a test can look at the history. */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly saves: { key: string; checkpoint: PollerCheckpoint }[] = [];

  async load(key: string): Promise<PollerCheckpoint | undefined> {
    return this.saves.findLast((save) => save.key === key)?.checkpoint;
  }

  async save(key: string, checkpoint: PollerCheckpoint): Promise<void> {
    this.saves.push({ key, checkpoint });
  }
}
