import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import LongestFirst from "./test/longest-first.js";

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests drive every package from source (as tsconfig.json `paths` do for tsc and tsx); the
    // built packages are checked by sdk-package.test.ts, sdk-tarball.test.ts and production-build.test.ts.
    // Exact-match regexes, so a package name does not also capture its subpaths.
    alias: [
      { find: /^@liveline\/protocol$/, replacement: source("./protocol/src/index.ts") },
      { find: /^@liveline\/protocol\/constants$/, replacement: source("./protocol/src/constants.ts") },
      { find: /^@liveline\/core$/, replacement: source("./core/src/index.ts") },
      { find: /^@liveline\/outputs$/, replacement: source("./outputs/src/index.ts") },
      { find: /^@liveline\/worker$/, replacement: source("./worker/src/index.ts") },
      { find: /^@liveline\/server$/, replacement: source("./server/src/index.ts") },
      { find: /^@liveline\/client-sdk$/, replacement: source("./client-sdk/src/index.ts") },
      { find: /^@liveline\/console$/, replacement: source("./console/src/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "client-sdk/test/**/*.test.ts"],
    pool: "forks",
    // Files run side by side: much of a test's time is spent waiting on sockets, Redis, child
    // processes, timers and Chromium, so more files than cores; but each worker loads the module
    // graph and starts its own redis-server (global-setup.ts), and the cores are busy throughout.
    // On 2 cores, the whole run (`vitest run --maxWorkers N`, one after another): 2 workers 297 s,
    // 3 workers 270 s, 4 workers 297–303 s.
    maxWorkers: 3,
    // A worker runs its files one after another in one module graph: the server, the SDK and
    // their dependencies load once per worker, not once per file (about 3 s of CPU a file).
    // So a file must leave nothing behind: close what it opens (the fixtures in test/helpers
    // do), restore what it fakes (timers, env), keep to its own Redis database or prefix.
    isolate: false,
    // The longest files start first (see test/longest-first.ts), so none is left to run alone at the end.
    sequence: { sequencer: LongestFirst },
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/setup-file.ts"],
    // Limits for a stuck test, not speed checks (timing claims live in the benchmark): files
    // run side by side, and other work on a shared machine can stretch a test several times.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for what a page or a reader will show; 1 s (vitest's default) is a
    // speed check under load, not a limit for a stuck wait.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
