// Import boundaries between the workspaces, checked by dependency-cruiser in the lint step
// (`pnpm lint`, scripts/test.sh). Each rule states why; docs/architecture.md ("Import boundaries")
// shows the resulting graph. test/tooling/boundaries.test.ts proves every rule fires on a fixture.
//
// Paths are relative to the directory depcruise runs in (the repository root), so a rule reads
// `^services/` for services/<name>/…; `$1` in a `to` refers to the group captured by its `from`.

/** Test code: tests, their support modules, the `./testing` entries and everything under test/. */
const TEST_CODE = "(\\.test\\.tsx?$|/test-support\\.ts$|/testing\\.ts$|/testing/|/global-setup\\.ts$|^test/)";

/** What a production process loads first: a service's main, its telemetry preload and its CLIs. */
const PRODUCTION_ENTRIES = [
  "^services/[^/]+/src/(main|telemetry)\\.ts$",
  "^services/[^/]+/src/cli/",
  "^packages/kafka/src/cli/",
];

/** Modules other workspaces may import: each package's `exports` (src/ under the source condition). */
const PUBLIC_ENTRIES = [
  "^packages/[^/]+/src/(index|testing)\\.ts$",
  // @parakey-bridge/testkit/launchers: the harness's launchers without the vitest fixtures.
  "^packages/testkit/src/launchers\\.ts$",
  // @parakey-bridge/auth/rate-limit: the ingress's rate limit without the API authentication (jose).
  "^packages/auth/src/rate-limit\\.ts$",
  // The published JSON Schema and AsyncAPI files of @parakey-bridge/contracts.
  "^packages/contracts/generated/",
  // @parakey-bridge/audit's two exports, for the console (see no-service-to-service below).
  "^services/audit/src/(chain/reconciliation-ledger|store/migrations)\\.ts$",
];

module.exports = {
  forbidden: [
    {
      name: "no-service-to-service",
      severity: "error",
      comment:
        "A service is built, deployed and changed on its own: it never imports another service. What " +
        "two services share lives in a package. The console is the one reader of another service's " +
        "store (next rule).",
      from: { path: "^services/([^/]+)/", pathNot: "^services/console/" },
      to: { path: "^services/", pathNot: "^services/$1/" },
    },
    {
      name: "console-reads-audit-through-its-exports",
      severity: "error",
      comment:
        "The console appends each reconciliation to the audit store's hash chain, so it uses the two " +
        "modules @parakey-bridge/audit exports for that (the ledger and its migrations) and nothing else " +
        "of any service.",
      from: { path: "^services/console/" },
      to: {
        path: "^services/",
        pathNot: [
          "^services/console/",
          "^services/audit/src/(chain/reconciliation-ledger|store/migrations)\\.ts$",
        ],
      },
    },
    {
      name: "no-package-to-service",
      severity: "error",
      comment: "Packages are the shared layer under the services; they never depend on one.",
      from: { path: "^packages/" },
      to: { path: "^services/" },
    },
    {
      name: "kafkajs-only-in-packages-kafka",
      severity: "error",
      comment:
        "The Kafka client can be swapped in one place: services and packages reach Kafka through " +
        "@parakey-bridge/kafka. The testkit (brokers and topics for tests) is the exception; test/ " +
        "(benchmarks, chaos, the team example) and scripts/ are not checked by this rule.",
      from: { path: "^(packages|services)/", pathNot: "^packages/(kafka|testkit)/" },
      to: { path: "(^|/)node_modules/kafkajs/|^kafkajs$" },
    },
    {
      name: "contracts-stand-alone",
      severity: "error",
      comment:
        "The event contract is what other teams read: it depends on no other workspace and on no " +
        "runtime library (Kafka, HTTP, database, logging), only on zod and lossless-json (and its " +
        "tests on their tools).",
      from: { path: "^packages/contracts/" },
      to: {
        path: ["^(packages|services)/", "(^|/)node_modules/"],
        pathNot: ["^packages/contracts/", "(^|/)node_modules/(zod|lossless-json|fast-check|vitest)/"],
      },
    },
    {
      name: "test-helpers-only-in-tests",
      severity: "error",
      comment:
        "The testkit and the packages' ./testing entries are for tests: production modules never " +
        "import them (they stay out of the images' code paths).",
      from: { pathNot: [TEST_CODE, "^packages/testkit/"] },
      to: { path: ["^packages/testkit/", "^packages/[^/]+/src/testing\\.ts$"] },
    },
    {
      name: "production-never-loads-test-code",
      severity: "error",
      comment:
        "Nothing a service's main, telemetry preload or CLI loads, however indirectly, is test code: " +
        "the testkit, the Parakey simulator, a testing module or a test.",
      from: { path: PRODUCTION_ENTRIES },
      to: {
        reachable: true,
        path: [
          "^packages/(testkit|parakey-simulator)/",
          "/testing(\\.ts$|/)",
          "/test-support\\.ts$",
          "\\.test\\.tsx?$",
        ],
      },
    },
    {
      name: "through-public-entries",
      severity: "error",
      comment:
        "Another workspace is imported by its package name (@parakey-bridge/<name>), which resolves " +
        "to its public entries only, never by a relative path into its source.",
      from: { path: "^(packages|services)/([^/]+)/" },
      to: { path: "^(packages|services)/", pathNot: ["^$1/$2/", ...PUBLIC_ENTRIES] },
    },
    {
      name: "not-to-dist",
      severity: "error",
      comment:
        "Source imports source: an import that lands in a dist/ directory bypasses the " +
        "@parakey-bridge/source condition (or points at build output by a relative path).",
      from: {},
      to: { path: "^(packages|services)/[^/]+/dist/" },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment:
        "An import that resolves to nothing is a typo or a missing dependency. The kafka-hooks peer of " +
        "bench:peers is installed by that benchmark into its own directory, not by the workspace.",
      from: { pathNot: "^test/bench/peers/kafka-hooks/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    // node_modules is recorded (rules look at npm imports) but not followed; the fixture breaks the
    // rules on purpose (test/tooling/boundaries.test.ts cruises it on its own).
    exclude: { path: "^test/tooling/fixtures/" },
    // Type-only imports couple workspaces too.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      // The workspace packages' exports resolve to src/ under this condition, as in vitest and tsc.
      conditionNames: ["@parakey-bridge/source", "import", "types", "node", "default"],
      extensions: [".ts", ".tsx", ".d.ts", ".js", ".mjs", ".cjs", ".json"],
      mainFields: ["module", "main", "types", "typings"],
    },
    progress: { type: "none" },
  },
};
