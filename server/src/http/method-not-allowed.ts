import type { RequestHandler } from "express";
import { LivelineError } from "../errors.js";
import { OPERATIONS, type OperationDef } from "@liveline/protocol";

interface KnownPath {
  pattern: RegExp;
  allow: Set<string>;
}

/** Matches a path the way Express does by default: `:param` is one segment, case-insensitive, optional trailing slash. */
function patternOf(path: string): RegExp {
  const source = path
    .split(/(:\w+)/)
    .map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}/?$`, "i");
}

function knownPaths(routes: readonly OperationDef[]): KnownPath[] {
  const byPath = new Map<string, Set<string>>();
  for (const r of routes) {
    const allow = byPath.get(r.path) ?? new Set<string>();
    allow.add(r.method.toUpperCase());
    // Express answers HEAD with the GET route; the CORS middleware answers OPTIONS everywhere.
    if (r.method === "get") allow.add("HEAD");
    allow.add("OPTIONS");
    byPath.set(r.path, allow);
  }
  return [...byPath].map(([path, allow]) => ({ pattern: patternOf(path), allow }));
}

/**
 * A known path asked with a method it does not have answers 405 `method_not_allowed` with an
 * `Allow` header (RFC 9110 §15.5.6), not 404: the client has the right URL and the wrong verb.
 * It runs after the operations' routes: only a request that no route took reaches it (a route
 * answers its own method only), before any body is read or any token checked, so the answer
 * depends on neither, and a request a route did take costs no matching here.
 */
export function methodNotAllowed(routes: readonly OperationDef[] = Object.values(OPERATIONS)): RequestHandler {
  const paths = knownPaths(routes);
  return (req, res, next) => {
    const matched = paths.filter((p) => p.pattern.test(req.path));
    if (matched.length === 0 || matched.some((p) => p.allow.has(req.method))) return next();
    const allow = [...new Set(matched.flatMap((p) => [...p.allow]))].join(", ");
    res.setHeader("Allow", allow);
    next(new LivelineError("method_not_allowed", `${req.method} is not allowed on ${req.path}; use ${allow}`));
  };
}
