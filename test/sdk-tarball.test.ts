import { spawn, execFile } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

/**
 * The SDK as a mobile or web team gets it: `npm pack` of the publishable packages, installed
 * from those tarballs into an empty folder outside the repo (no workspace, no tsconfig paths),
 * typechecked by a strict consumer, and run against a live Liveline. Run after `npm run build`.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL("../", import.meta.url));
const tsc = join(root, "node_modules/typescript/bin/tsc");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** The consumer: strict settings a careful app uses, and only the SDK as a dependency. */
const consumerTsconfig = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022", "DOM"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    // Check the published declarations too, not only the app's own code.
    skipLibCheck: false,
    types: [],
    outDir: "out",
    rootDir: "src",
  },
  include: ["src"],
};

const consumerSource = `
import { LivelineApi, LivelineClient, type Entry, type SubscriptionState, type SubscriptionStateChange, type StateChange } from "@liveline/client-sdk";

declare const process: { argv: string[]; stdout: { write(line: string): boolean } };
const [url, feedId] = process.argv.slice(2);
if (url === undefined || feedId === undefined) throw new Error("usage: main.js URL FEED_ID");

// Published types are real, not any: a value outside a closed union does not compile.
// @ts-expect-error "bogus" is not a SubscriptionState
const bogus: SubscriptionState = "bogus";
void bogus;
// The typed API client's routes and bodies come with the published types (never called here).
const api = new LivelineApi({ url, token: "t" });
const publish = () => api.request("POST /v1/feeds/:feedId/entries", { params: { feedId }, body: { body: "x" } });
// @ts-expect-error a publish needs a body
const unchecked = () => api.request("POST /v1/feeds/:feedId/entries", { params: { feedId } });
void [publish, unchecked];

const print = (line: object): void => void process.stdout.write(JSON.stringify(line) + "\\n");
const client = new LivelineClient({ url, minReconnectDelay: 100 });
client.on("state", (change: StateChange) => print({ client: change.state, reason: change.reason }));
const sub = client.subscribe(feedId);
sub.on("state", (change: SubscriptionStateChange) => print({ sub: change.state, reason: change.reason }));
sub.on("entries", (entries: Entry[]) => print({ seq: sub.seq ?? 0, ids: entries.map((e) => e.id) }));
`;

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
}

async function pack(dir: string, dest: string): Promise<Packed> {
  // --ignore-scripts: the test packs what `npm run build` made; a real publish runs `prepack`.
  const { stdout } = await run(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", dest], {
    cwd: join(root, dir),
  });
  const [info] = JSON.parse(stdout) as Packed[];
  if (info === undefined) throw new Error(`npm pack printed nothing for ${dir}`);
  return { ...info, filename: join(dest, info.filename) };
}

let work = "";
const { stack } = useStack();
const packed: Record<string, Packed> = {};

beforeAll(async () => {
  for (const dir of ["protocol/dist/index.d.ts", "client-sdk/dist/index.d.ts"]) {
    if (!existsSync(join(root, dir))) throw new Error(`${dir} is missing: run \`npm run build\` first`);
  }
  work = mkdtempSync(join(tmpdir(), "liveline-sdk-consumer-"));
  const app = join(work, "app");
  await (async () => {
    packed.protocol = await pack("protocol", work);
    packed.sdk = await pack("client-sdk", work);
    mkdirSync(join(app, "src"), { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(join(app, "tsconfig.json"), JSON.stringify(consumerTsconfig, null, 2));
    writeFileSync(join(app, "src/main.ts"), consumerSource);
    await run(
      npm,
      ["install", "--prefer-offline", "--no-audit", "--no-fund", packed.protocol.filename, packed.sdk.filename],
      { cwd: app },
    );
  })();
}, 120_000);

afterAll(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("client-sdk tarballs", () => {
  it("install outside the repo as plain packages, not workspace links", () => {
    const modules = join(work, "app/node_modules");
    for (const name of ["@liveline/client-sdk", "@liveline/protocol", "socket.io-client"]) {
      expect(lstatSync(join(modules, name)).isSymbolicLink(), name).toBe(false);
    }
    const sdkPkg = JSON.parse(readFileSync(join(modules, "@liveline/client-sdk/package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(sdkPkg.dependencies).sort()).toEqual(["@liveline/protocol", "socket.io-client"]);
    // The SDK's runtime code never reaches zod (only its declarations name @liveline/protocol).
    const js = readFileSync(join(modules, "@liveline/client-sdk/dist/index.js"), "utf8");
    expect(js).not.toMatch(/from\s*["'](zod|@liveline\/protocol)["']/);
    console.log(
      `tarballs: ${Object.entries(packed)
        .map(([k, p]) => `${k} ${p.size} B packed / ${p.unpackedSize} B unpacked (${statSync(p.filename).size} B file)`)
        .join("; ")}`,
    );
  });

  it("typecheck in a strict NodeNext consumer", async () => {
    const app = join(work, "app");
    const result = await run(process.execPath, [tsc, "-p", join(app, "tsconfig.json")], { cwd: app }).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? "", stderr: err.stderr ?? "failed" }),
    );
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(existsSync(join(app, "out/main.js"))).toBe(true);
  });

  it("subscribe and receive entries from a running Liveline", async () => {
    const live = stack;
    if (live === undefined) throw new Error("stack did not start");
    const feedId = `tarball-${Date.now().toString(36)}`;
    expect((await live.api.request("POST", "/v1/feeds", { id: feedId, title: "Tarball" })).status).toBe(201);

    const child = spawn(process.execPath, [join(work, "app/out/main.js"), live.url, feedId], {
      cwd: join(work, "app"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = "";
    child.stdout.setEncoding("utf8");
    let rest = "";
    child.stdout.on("data", (chunk: string) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const p of parts) if (p.trim() !== "") lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await waitFor(() => lines.some((l) => l.sub === "subscribed"), `the consumer to subscribe (${stderr})`);
      const res = await live.api.request("POST", `/v1/feeds/${feedId}/entries`, { id: "from-tarball", body: "hello" });
      expect(res.status).toBe(202);
      await waitFor(
        () => lines.some((l) => Array.isArray(l.ids) && l.ids.includes("from-tarball")),
        `the entry to reach the consumer (${stderr})`,
      );
      console.log(`consumer output:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`);
      expect(lines.slice(0, 3)).toEqual([
        { client: "connected", reason: "transport_open" },
        { sub: "subscribed", reason: "subscribe_ok" },
        { seq: 0, ids: [] },
      ]);
      expect(lines.at(-1)).toEqual({ seq: 1, ids: ["from-tarball"] });
    } finally {
      child.kill("SIGKILL");
    }
  });
});
