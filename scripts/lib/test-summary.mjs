// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report.
import { readFileSync } from "node:fs";

const [file, seconds] = process.argv.slice(2);
const report = JSON.parse(readFileSync(file, "utf8"));
const byProject = new Map();
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    const project = suite.name.includes(".e2e.test.")
      ? "e2e"
      : suite.name.includes(".int.test.")
        ? "integration"
        : "unit";
    const counts = byProject.get(project) ?? { passed: 0, failed: 0, skipped: 0 };
    if (test.status === "passed") counts.passed += 1;
    else if (test.status === "failed") counts.failed += 1;
    else counts.skipped += 1;
    byProject.set(project, counts);
  }
}
for (const [project, c] of byProject)
  console.log(`  ${project}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
console.log(`  suite took ${seconds} s`);
console.log(
  `${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`,
);
