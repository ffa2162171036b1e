// Builds the editor console: its script as one minified browser bundle (dist/console.js, with
// Tiptap/ProseMirror and the SDK inside), and the page's markup as a module the server serves
// (dist/index.js, compiled by tsc). Only the server uses this package; nothing here is published.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { browserBundle } from "../scripts/browser-bundle.mjs";

const here = new URL(".", import.meta.url).pathname;
rmSync(`${here}dist`, { recursive: true, force: true });
await build({
  ...browserBundle,
  entryPoints: [`${here}src/app/console-app.ts`],
  outfile: `${here}dist/console.js`,
});
execFileSync(process.execPath, [`${here}../node_modules/typescript/bin/tsc`, "-p", `${here}tsconfig.build.json`], {
  stdio: "inherit",
});
