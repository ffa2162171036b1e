// Says whether the packages' dist/ folders were built from the sources as they are now, so that
// `npm test` need not build again what `npm install` (its `prepare` step) or the last
// `npm run build` just built. `npm run build` ends with `write`: a hash of every input of the
// build (each package's src/, build script, tsconfigs and package.json, the root tsconfig, the
// lockfile) kept under node_modules/.cache. `check` exits 0 only if that hash is the sources'
// hash now and every dist/ is there; anything edited since, or a missing stamp, means build.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stampFile = join(root, "node_modules", ".cache", "liveline", "build-stamp");
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;

/** Every file under `dir`, depth first, in a stable order. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => filesUnder(join(dir, name)));
}

function sourcesHash() {
  const inputs = [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "scripts/build-package.mjs",
    "scripts/build-stamp.mjs",
    ...workspaces.flatMap((ws) =>
      ["src", "build.mjs", "package.json", "tsconfig.json", "tsconfig.build.json", "tsconfig.cjs.json"].map(
        (f) => `${ws}/${f}`,
      ),
    ),
  ];
  const hash = createHash("sha256");
  for (const file of inputs.flatMap((f) => filesUnder(join(root, f)))) {
    hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

const command = process.argv[2];
if (command === "write") {
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, sourcesHash());
} else if (command === "check") {
  const built = workspaces.every((ws) => existsSync(join(root, ws, "dist")));
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, "utf8") : "";
  process.exitCode = built && stamp === sourcesHash() ? 0 : 1;
} else {
  console.error("usage: node scripts/build-stamp.mjs write|check");
  process.exitCode = 2;
}
