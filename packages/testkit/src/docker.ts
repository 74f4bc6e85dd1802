import { execFile } from "node:child_process";
import { promisify } from "node:util";

/** True when a Docker engine answers (the CLI alone is not enough). */
export async function dockerAvailable(): Promise<boolean> {
  try {
    await promisify(execFile)("docker", ["info"], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
