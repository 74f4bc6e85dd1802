import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The repository root (testkit lives at packages/testkit/src). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const kafkaLauncher = join(repoRoot, "deploy", "kafka-local", "kafka-local.sh");
export const postgresScript = join(repoRoot, "scripts", "postgres.sh");

/**
 * Runs the project's Kafka launcher (deploy/kafka-local) with `args`, its settings in `env` on top of
 * this process's environment; resolves with what it printed, trimmed.
 */
export async function runKafkaLauncher(
  args: string[],
  env: Record<string, string>,
  timeoutMs?: number,
): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [kafkaLauncher, ...args], {
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return stdout.trim();
}
