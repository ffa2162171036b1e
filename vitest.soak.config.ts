import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

// `npm run soak`: the long, bounded fault run; not part of `npm test`.
export default mergeConfig(base, defineConfig({ test: { include: ["test/faults/*.soak.ts"], testTimeout: 120_000 } }));
