import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { contractSetChanges } from "./compatibility.js";

// `pnpm --filter @parakey-bridge/contracts compat` (CI): compares the generated contract with the last
// released one and exits 1 on a breaking change. `… compat --release 1.1.0` records a release.
// `--released DIR --current DIR` compare two folders (the fixture tests use it).

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    released: { type: "string" },
    current: { type: "string", default: join(packageDir, "generated") },
    release: { type: "string" },
  },
});

const releasedRoot = join(packageDir, "released");
const byVersion = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });
const readSet = (dir: string): Record<string, unknown> =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .map((name) => [name, JSON.parse(readFileSync(join(dir, name), "utf8"))]),
  );

if (values.release !== undefined) {
  if (!/^\d+\.\d+\.\d+$/.test(values.release)) {
    process.stderr.write("--release takes a version like 1.1.0\n");
    process.exit(2);
  }
  const target = join(releasedRoot, values.release);
  if (existsSync(target)) {
    process.stderr.write(`released/${values.release} exists already: a release is never rewritten\n`);
    process.exit(1);
  }
  cpSync(values.current, target, { recursive: true });
  process.stdout.write(`recorded released/${values.release}\n`);
  process.exit(0);
}

const releasedDir =
  values.released ??
  join(releasedRoot, readdirSync(releasedRoot).sort(byVersion).at(-1) ?? "(no release recorded)");
const changes = contractSetChanges(readSet(releasedDir), readSet(values.current));
const breaking = changes.filter((change) => change.breaking);
for (const change of changes) {
  process.stdout.write(
    `${change.breaking ? "BREAKING" : "ok      "} ${change.kind} ${change.path}: ${change.detail}\n`,
  );
}
if (breaking.length > 0) {
  process.stderr.write(
    `${breaking.length} breaking change(s) against ${releasedDir}: publish them as a new .v2 topic side by side instead (packages/contracts/README.md)\n`,
  );
  process.exit(1);
}
process.stdout.write(`compatible with ${releasedDir} (${changes.length} additive change(s))\n`);
