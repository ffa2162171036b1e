// Builds the SDK: ESM and CJS for bundlers and Node (socket.io-client stays a dependency),
// the embeddable widget (a minified script-tag bundle with socket.io-client inside, and an
// ES module), the optional React entry, plus type declarations. `import type` from
// @liveline/protocol is erased, so zod never reaches a bundle. (The editor console is an app of
// its own, console/, which bundles this SDK.)
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { browserBundle } from "../scripts/browser-bundle.mjs";

const here = new URL(".", import.meta.url).pathname;
rmSync(`${here}dist`, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: "neutral",
  target: "es2019",
  external: ["socket.io-client", "react", "react-dom"],
  sourcemap: true,
  logLevel: "warning",
};
// The ES module entries (the client, the widget, the React bindings) in one build: the code they
// share is one chunk (dist/chunks/), so an app importing two of them holds one LivelineClient
// class and downloads it once. React (a peer dependency) and socket.io-client stay imports of
// the app's own copies; /widget.js never carries React.
await build({
  ...common,
  entryPoints: {
    index: `${here}src/index.ts`,
    "widget-module": `${here}src/widget/index.ts`,
    react: `${here}src/react/index.ts`,
  },
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  outdir: `${here}dist`,
});
await build({ ...common, entryPoints: [`${here}src/index.ts`], format: "cjs", outfile: `${here}dist/index.cjs` });
// Script-tag bundles (scripts/browser-bundle.mjs); es2022 left room for the embed cards'
// click-to-load hook.
await build({
  ...browserBundle,
  entryPoints: [`${here}src/widget/auto-mount.ts`],
  globalName: "Liveline",
  legalComments: "none",
  outfile: `${here}dist/widget.js`,
});
// The players of embed cards, fetched by the widget on a reader's first click on one.
await build({
  ...browserBundle,
  entryPoints: [`${here}src/widget/embed-player-entry.ts`],
  legalComments: "none",
  outfile: `${here}dist/widget-embeds.js`,
});
execFileSync(process.execPath, [`${here}../node_modules/typescript/bin/tsc`, "-p", `${here}tsconfig.build.json`], {
  stdio: "inherit",
});
