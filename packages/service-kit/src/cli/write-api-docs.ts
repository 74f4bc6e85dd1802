import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { formatOpenApiDocument, writeErrorCodeTable } from "../api-docs.js";

// `pnpm generate` (the turbo task) runs this in each package that documents an API:
//   write-api-docs errors <errors.md>           rewrites the error-code table from ERROR_CODES
//   write-api-docs openapi <module.js> <out.json>  writes the module's `openApiDocument()`
// The committed files are checked against their sources by unit tests, so a stale one fails CI.
const [command, ...args] = process.argv.slice(2);

if (command === "errors" && args[0]) {
  writeErrorCodeTable(resolve(args[0]));
  console.log(`wrote the error-code table of ${args[0]}`);
} else if (command === "openapi" && args[0] && args[1]) {
  const module = (await import(pathToFileURL(resolve(args[0])).href)) as { openApiDocument?: () => unknown };
  if (typeof module.openApiDocument !== "function")
    throw new Error(`${args[0]} exports no openApiDocument()`);
  writeFileSync(resolve(args[1]), formatOpenApiDocument(module.openApiDocument()));
  console.log(`wrote ${args[1]}`);
} else {
  console.error("usage: write-api-docs errors <file.md> | openapi <module.js> <out.json>");
  process.exit(2);
}
