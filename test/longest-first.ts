import { readFileSync } from "node:fs";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Files start longest first. Vitest hands a free worker the next file in this order, so a file
 * that takes a minute started last holds the run open for that minute while the other workers
 * sit idle; started first, it runs beside everything else. A fresh clone has no timings of its
 * own (vitest orders those by file size), so the typical seconds of each file are kept in
 * test/durations.json (`npm run test:durations` writes them from a full run); files not listed
 * there follow, largest first.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const bySize = await super.sort(files);
    const seconds = typicalSeconds();
    const root = this.ctx.config.root.replace(/\/$/, "");
    const known = (f: TestSpecification): number => seconds[f.moduleId.slice(root.length + 1)] ?? -1;
    // Array.prototype.sort is stable: unlisted files keep vitest's order among themselves.
    return [...bySize].sort((a, b) => known(b) - known(a));
  }
}

function typicalSeconds(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(new URL("./durations.json", import.meta.url), "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}
