import { defineConfig } from "vitest/config";

// Workspace packages export their TypeScript sources under this condition, so tests run against
// src/ without a build step while production imports resolve to dist/.
const sourceCondition = "@parakey-bridge/source";
const resolve = { conditions: [sourceCondition, "module", "node", "development|production"] };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: resolve.conditions } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: [
            "packages/*/src/**/*.test.ts",
            "services/*/src/**/*.test.ts",
            "test/chaos/**/*.test.ts",
            "test/tooling/**/*.test.ts",
          ],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: [
            "packages/*/src/**/*.int.test.ts",
            "services/*/src/**/*.int.test.ts",
            "test/integration/**/*.int.test.ts",
          ],
          globalSetup: ["./packages/testkit/src/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Real brokers on a 2-core machine: a few files at a time keeps timing honest.
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          sequence: { groupOrder: 2 },
          include: ["test/e2e/**/*.e2e.test.ts"],
          globalSetup: ["./packages/testkit/src/global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
