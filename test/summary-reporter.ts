import { writeFileSync } from "node:fs";
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
    const file = process.env.LIVELINE_TEST_SUMMARY;
    if (file !== undefined && file !== "") writeFileSync(file, JSON.stringify(counts));
    else process.stdout.write(`\n${summaryLine(counts)}\n`);
  }
}
