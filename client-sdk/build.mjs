// Builds the SDK: ESM and CJS for bundlers and Node (socket.io-client stays a dependency),
// plus type declarations. `import type` from @liveline/protocol is erased, so zod never
// reaches a bundle.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
rmSync(`${here}dist`, { recursive: true, force: true });

const common = {
  entryPoints: [`${here}src/index.ts`],
  bundle: true,
  platform: "neutral",
  target: "es2019",
  external: ["socket.io-client"],
  sourcemap: true,
  logLevel: "warning",
};
await build({ ...common, format: "esm", outfile: `${here}dist/index.js` });
await build({ ...common, format: "cjs", outfile: `${here}dist/index.cjs` });
execFileSync(process.execPath, [`${here}../node_modules/typescript/bin/tsc`, "-p", `${here}tsconfig.build.json`], {
  stdio: "inherit",
});
