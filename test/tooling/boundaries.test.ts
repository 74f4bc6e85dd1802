import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "@parakey-bridge/testkit";
import { describe, expect, it } from "vitest";

// The lint step runs the same command on the repository (`pnpm lint`, scripts/test.sh); here it runs
// on a miniature of the layout whose imports cross every boundary once (see the fixture's README).
const fixture = join(repoRoot, "test/tooling/fixtures/boundaries");
const depcruise = join(repoRoot, "node_modules/.bin/depcruise");

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** A violation as `rule: from -> to`, with an npm module shortened to `npm:<name>`. */
const describeViolation = (v: Violation) =>
  `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/.*$/, "npm:$1")}`;

describe("import boundaries (.dependency-cruiser.cjs)", () => {
  it("fails on each forbidden import of the fixture, and on nothing it allows", () => {
    const cruise = (...output: string[]) =>
      spawnSync(
        depcruise,
        ["--config", join(repoRoot, ".dependency-cruiser.cjs"), ...output, "packages", "services"],
        { cwd: fixture, encoding: "utf8", timeout: 60_000 },
      );

    // As the lint step runs it (the default reporter): a violation fails the command.
    const lint = cruise();
    expect(lint.status, lint.stdout + lint.stderr).not.toBe(0);
    expect(lint.stdout).toContain("15 dependency violations (15 errors, 0 warnings)");

    const report = cruise("--output-type", "json");
    expect(report.status, report.stderr).toBe(0);
    const violations: Violation[] = JSON.parse(report.stdout).summary.violations;
    expect(violations.map(describeViolation).sort()).toEqual(
      [
        "no-service-to-service: services/billing/src/main.ts -> services/audit/src/audit-store.ts",
        "through-public-entries: services/billing/src/main.ts -> services/audit/src/audit-store.ts",
        "test-helpers-only-in-tests: services/billing/src/main.ts -> packages/testkit/src/index.ts",
        "production-never-loads-test-code: services/billing/src/main.ts -> packages/testkit/src/index.ts",
        "console-reads-audit-through-its-exports: services/console/src/ledger.ts -> services/audit/src/audit-store.ts",
        "through-public-entries: services/console/src/ledger.ts -> services/audit/src/audit-store.ts",
        "kafkajs-only-in-packages-kafka: services/checkin/src/main.ts -> npm:kafkajs",
        "not-to-unresolvable: services/checkin/src/main.ts -> ./missing.js",
        "production-never-loads-test-code: services/checkin/src/main.ts -> services/checkin/src/testing/fake-clock.ts",
        "no-package-to-service: packages/kafka/src/index.ts -> services/audit/src/audit-store.ts",
        "through-public-entries: packages/kafka/src/index.ts -> services/audit/src/audit-store.ts",
        "contracts-stand-alone: packages/contracts/src/index.ts -> npm:pino",
        "contracts-stand-alone: packages/contracts/src/index.ts -> packages/telemetry/src/index.ts",
        "not-to-dist: packages/storage/src/index.ts -> packages/kafka/dist/index.js",
        "through-public-entries: packages/storage/src/index.ts -> packages/kafka/dist/index.js",
      ].sort(),
    );
  });
});
