import { writeFileSync } from "node:fs";
import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/** What a run counted; the shape scripts/test.mjs reads from LIVELINE_TEST_SUMMARY. */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The plain line CI counts: `N passed, N failed` (`, N skipped` when some were). */
export function summaryLine({ passed, failed, skipped }: RunCounts): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}

/**
 * Ends the run with the summary line. When LIVELINE_TEST_SUMMARY names a file, the counts go
 * there instead, for `npm test` (scripts/test.mjs), which adds the checks run beside vitest and
 * prints the line last.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
    for (const m of testModules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") counts.passed += 1;
        else if (state === "failed") failedHere += 1;
        else counts.skipped += 1;
      }
      // A file that fails outside any test (import error, failing hook) counts as one failure.
      if (m.state() === "failed" && failedHere === 0) failedHere = 1;
      counts.failed += failedHere;
    }
    if (process.env.LIVELINE_TEST_DURATIONS === "write") writeDurations(testModules);
    const file = process.env.LIVELINE_TEST_SUMMARY;
    if (file !== undefined && file !== "") writeFileSync(file, JSON.stringify(counts));
    else process.stdout.write(`\n${summaryLine(counts)}\n`);
  }
}

/**
 * test/durations.json: each file's seconds in this run, longest first, which test/longest-first.ts
 * starts files by (`npm run test:durations`, a full run, sets LIVELINE_TEST_DURATIONS=write).
 */
function writeDurations(testModules: ReadonlyArray<TestModule>): void {
  const root = new URL("..", import.meta.url).pathname;
  const rows = testModules
    .map((m) => [relative(root, m.moduleId), Math.round(m.diagnostic().duration / 100) / 10] as const)
    .sort((a, b) => b[1] - a[1]);
  writeFileSync(new URL("./durations.json", import.meta.url), `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
}
