// Builds the SDK: ESM and CJS for bundlers and Node (socket.io-client stays a dependency),
// the embeddable widget (a minified script-tag bundle with socket.io-client inside, and an
// ES module), the optional React entry, the editor console's script, plus type declarations. `import type` from @liveline/protocol is erased, so zod never
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
await build({
  ...common,
  entryPoints: [`${here}src/widget/index.ts`],
  format: "esm",
  outfile: `${here}dist/widget-module.js`,
});
// The React entry: React (a peer dependency) and the SDK's other modules stay imports of the
// app's own copies; it carries the widget's code, /widget.js never carries React.
await build({
  ...common,
  entryPoints: [`${here}src/react/index.ts`],
  external: ["socket.io-client", "react", "react-dom"],
  format: "esm",
  outfile: `${here}dist/react.js`,
});
// Script-tag bundles: everything inside, minified, for browsers only. es2022 keeps class fields
// as written (Chrome 72, Firefox 69, Safari 14; `?.` already needed Safari 13.1): ~240 bytes
// less gzipped than es2020, the room for the embed cards' click-to-load hook.
const browser = {
  bundle: true,
  platform: "browser",
  target: "es2022",
  minify: true,
  format: "iife",
  logLevel: "warning",
};
await build({
  ...browser,
  entryPoints: [`${here}src/widget/auto-mount.ts`],
  globalName: "Liveline",
  legalComments: "none",
  outfile: `${here}dist/widget.js`,
});
// The players of embed cards, fetched by the widget on a reader's first click on one.
await build({
  ...browser,
  entryPoints: [`${here}src/widget/embed-player-entry.ts`],
  legalComments: "none",
  outfile: `${here}dist/widget-embeds.js`,
});
await build({ ...browser, entryPoints: [`${here}src/console/console-app.ts`], outfile: `${here}dist/console.js` });
execFileSync(process.execPath, [`${here}../node_modules/typescript/bin/tsc`, "-p", `${here}tsconfig.build.json`], {
  stdio: "inherit",
});
