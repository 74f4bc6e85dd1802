import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (testkit lives at packages/testkit/src). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const kafkaLauncher = join(repoRoot, "deploy", "kafka-local", "kafka-local.sh");
export const postgresScript = join(repoRoot, "scripts", "postgres.sh");
