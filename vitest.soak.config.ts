import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

// `npm run soak`: the long, bounded fault run; not part of `npm test`.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ["test/faults/*.soak.ts"], testTimeout: 120_000 },
});
