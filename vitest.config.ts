import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Tests drive the SDK from source; the built package is checked by sdk-package.test.ts.
    alias: { "@liveline/client-sdk": fileURLToPath(new URL("./client-sdk/src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts", "client-sdk/test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
