import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generatedArtifacts } from "./artifacts.js";

// `pnpm generate`: rewrites the committed JSON Schema and AsyncAPI files from the zod source.
const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "generated");
mkdirSync(outDir, { recursive: true });
for (const [name, content] of Object.entries(generatedArtifacts())) {
  writeFileSync(join(outDir, name), content);
  console.log(`wrote generated/${name}`);
}
