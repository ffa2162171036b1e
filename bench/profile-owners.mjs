// Where a V8 CPU profile's time went, by who owns it: each sample is charged to the nearest frame
// on its stack that belongs to a package (node_modules/<name>) or to a Liveline package's own code
// (<package>/<file>), so that Node's internals and native calls count for the library that called
// them. Inclusive time says little for Express middleware: everything after a `next()` runs inside it.
//
//   node bench/profile-owners.mjs bench/profiles/CPU.<…>.cpuprofile [--top 30]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const [file, flag, n] = process.argv.slice(2);
if (file === undefined) throw new Error("usage: node bench/profile-owners.mjs <file.cpuprofile> [--top N]");
const top = flag === "--top" ? Number(n) : 30;

const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const selfUs = new Map();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  totalUs += dt;
});

/** The package a script URL belongs to, or undefined for Node's own code and natives. */
function ownerOf(url) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (!path.startsWith("/")) return undefined;
  // Any checkout's build (this one or another's, e.g. one measured with --liveline-root).
  const own = /\/(protocol|core|worker|server|client-sdk|console)\/(?:dist|src)\/(.*)$/.exec(
    path.startsWith(ROOT) ? path.slice(ROOT.length - 1) : path,
  );
  return own ? `${own[1]}/${own[2]}` : undefined;
}

const owned = new Map();
for (const [id, us] of selfUs) {
  const name = byId.get(id).callFrame.functionName;
  let owner = ["(idle)", "(garbage collector)", "(program)"].includes(name) ? name : undefined;
  for (let cur = id; owner === undefined && cur !== undefined; cur = parentOf.get(cur)) {
    owner = ownerOf(byId.get(cur).callFrame.url ?? "");
  }
  owner ??= "(Node, called by no package)";
  owned.set(owner, (owned.get(owner) ?? 0) + us);
}

console.log(`${(totalUs / 1e6).toFixed(1)} s sampled`);
for (const [owner, us] of [...owned].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${owner}`);
}
