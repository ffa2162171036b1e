// Builds the contract for npm: ESM + declarations in dist/ (tsc alone: no bundling needed).
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
rmSync(`${here}dist`, { recursive: true, force: true });
execFileSync(process.execPath, [`${here}../node_modules/typescript/bin/tsc`, "-p", `${here}tsconfig.build.json`], {
  stdio: "inherit",
});
