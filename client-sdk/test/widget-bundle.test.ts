import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

// Runs after `npm run build` (npm test builds first): the script-tag bundle readers download.
const bundle = readFileSync(new URL("../dist/widget.js", import.meta.url));

describe("widget.js bundle", () => {
  it("stays within the 31 KB gzipped budget, socket.io-client and SDK included", () => {
    const gzipped = gzipSync(bundle, { level: 9 }).length;
    console.log(`widget.js: ${bundle.length} bytes, ${gzipped} bytes gzipped (budget 31744)`);
    expect(gzipped).toBeLessThanOrEqual(31 * 1024);
  });

  it("is a self-contained script: no module syntax, no eval, no zod", () => {
    const text = bundle.toString("utf8");
    expect(text).not.toMatch(/^\s*(import|export)\s/m);
    expect(text).not.toMatch(/\beval\(|new Function\(/);
    expect(text).not.toContain("ZodError");
    expect(text).toContain("data-liveline-feed");
  });
});
