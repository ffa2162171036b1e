import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The SDK as npm users get it: built ESM + CJS + types, browser-safe. Run after `npm run build`. */
const dist = fileURLToPath(new URL("../client-sdk/dist/", import.meta.url));

describe("client-sdk package", () => {
  it("loads as ESM and as CJS with the same API", async () => {
    const esm = (await import(`${dist}index.js`)) as Record<string, unknown>;
    const cjs = createRequire(import.meta.url)(`${dist}index.cjs`) as Record<string, unknown>;
    for (const mod of [esm, cjs]) {
      expect(typeof mod.LivelineClient).toBe("function");
      expect(typeof mod.fullJitterDelay).toBe("function");
    }
    expect(Object.keys(esm).sort()).toEqual(
      Object.keys(cjs)
        .filter((k) => k !== "__esModule")
        .sort(),
    );
  });

  it("ships types and keeps zod and Node built-ins out of the bundle", () => {
    const js = readFileSync(`${dist}index.js`, "utf8");
    expect(js).not.toMatch(/from\s*["']zod["']|require\(["']zod["']\)/);
    expect(js).not.toMatch(/["']node:|require\(["'](fs|path|crypto|events|net|http)["']\)/);
    const types = readFileSync(`${dist}index.d.ts`, "utf8");
    expect(types).toContain("LivelineClient");
    const pkg = JSON.parse(readFileSync(`${dist}../package.json`, "utf8")) as {
      exports: { ".": Record<string, string> };
    };
    expect(Object.keys(pkg.exports["."])[0]).toBe("types");
  });
});
