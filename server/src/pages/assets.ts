import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { RequestHandler } from "express";
import { LivelineError } from "../errors.js";

const require = createRequire(import.meta.url);

/**
 * Serve a script built by the client SDK (`npm run build`): /widget.js and /console.js. Read
 * once, then kept in memory. Cross-origin use is the point of /widget.js, hence CORP.
 */
export function sdkScript(
  specifier: "@liveline/client-sdk/widget.js" | "@liveline/client-sdk/console.js",
): RequestHandler {
  let cached: Promise<Buffer> | undefined;
  return async (_req, res) => {
    cached ??= readFile(require.resolve(specifier));
    let body: Buffer;
    try {
      body = await cached;
    } catch {
      cached = undefined;
      throw new LivelineError("unavailable", "the client bundle is not built; run `npm run build`");
    }
    res
      .set({
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=300",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff",
      })
      .send(body);
  };
}
