// Compiles one workspace package for production; its `build` script runs this from the
// package's folder. Empties dist/ (so a renamed module leaves no stale file behind), runs tsc
// with the package's tsconfig.build.json (src/ → dist/, declarations beside the JavaScript),
// then copies the non-TypeScript folders named as arguments (e.g. src/lua) to the same place
// under dist/, where the compiled code finds them relative to import.meta.url.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const assets = process.argv.slice(2);
for (const asset of assets) {
  if (!asset.startsWith("src/")) throw new Error(`build-package: ${asset} is not under src/`);
}

rmSync("dist", { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  stdio: "inherit",
});
for (const asset of assets) cpSync(asset, `dist/${asset.slice("src/".length)}`, { recursive: true });
