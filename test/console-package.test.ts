import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CONSOLE_PAGE } from "@liveline/console";

/**
 * The editor console is an app of its own (console/): its page and its script live together,
 * and the published SDK carries none of it. Run after `npm run build`.
 */
const root = fileURLToPath(new URL("../", import.meta.url));
const run = promisify(execFile);

interface PackedFile {
  path: string;
  size: number;
}

describe("the console package", () => {
  it("has every element its script looks up by id in its page", () => {
    const app = join(root, "console/src/app");
    const wanted = new Set<string>();
    for (const file of readdirSync(app).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(app, file), "utf8");
      for (const [, id] of source.matchAll(/\bel(?:<\w+>)?\("([\w-]+)"\)/g)) if (id !== undefined) wanted.add(id);
    }
    expect(wanted.size).toBeGreaterThan(40);
    const present = new Set([...CONSOLE_PAGE.body.matchAll(/\bid="([\w-]+)"/g)].map(([, id]) => id));
    expect([...wanted].filter((id) => !present.has(id))).toEqual([]);
  });

  it("builds the script the server serves, with its editor inside", () => {
    const script = readFileSync(join(root, "console/dist/console.js"), "utf8");
    expect(script).toContain("ProseMirror");
    expect(script).not.toMatch(/^\s*(import|export)\s/m);
  });
});

describe("the published SDK", () => {
  it("packs no console and no Tiptap, and is at most 800 kB unpacked", async () => {
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: join(root, "client-sdk"),
    });
    const [info] = JSON.parse(stdout) as { unpackedSize: number; files: PackedFile[] }[];
    if (info === undefined) throw new Error("npm pack printed nothing");
    console.log(`client-sdk tarball: ${info.files.length} files, ${info.unpackedSize} B unpacked`);
    expect(info.unpackedSize).toBeLessThanOrEqual(800_000);
    expect(info.files.filter((f) => /console/i.test(f.path))).toEqual([]);
    for (const f of info.files) {
      const text = readFileSync(join(root, "client-sdk", f.path), "utf8");
      expect(/@tiptap|prosemirror/i.test(text), f.path).toBe(false);
    }
  });
});
