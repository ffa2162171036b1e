import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { LivelineError } from "./errors.js";

/** Who made a change: recorded on the request for logs and, later, on revisions. */
export interface Principal {
  sub: string;
}

declare module "express-serve-static-core" {
  interface Request {
    principal?: Principal;
  }
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/**
 * Bearer-token check for writes. Tokens are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither length nor content leaks through timing.
 */
export function requireEditor(tokens: readonly string[]): RequestHandler {
  const allowed = tokens.map((t, i) => ({ digest: digest(t), sub: `token-${i + 1}` }));
  return (req, _res, next) => {
    const header = req.get("authorization");
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token === undefined) {
      next(new LivelineError("unauthorized", "a bearer token is required (Authorization: Bearer <token>)"));
      return;
    }
    const d = digest(token);
    let found: Principal | undefined;
    for (const a of allowed) if (timingSafeEqual(a.digest, d)) found = { sub: a.sub };
    if (found === undefined) {
      next(new LivelineError("unauthorized", "the bearer token is not valid"));
      return;
    }
    req.principal = found;
    next();
  };
}
