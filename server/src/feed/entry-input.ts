import { createHash } from "node:crypto";
import { LIMITS } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import { sanitizeEntryHtml } from "./sanitize.js";

export function cleanBody(raw: string, publicUrl?: string): string {
  const body = sanitizeEntryHtml(raw, publicUrl);
  if (body.length === 0) {
    throw new LivelineError("validation_failed", "invalid request body", [
      { path: "body", message: "is empty once unsafe HTML is removed" },
    ]);
  }
  if (body.length > LIMITS.maxEntryBodyChars) {
    throw new LivelineError("validation_failed", "invalid request body", [
      { path: "body", message: `must be at most ${LIMITS.maxEntryBodyChars} characters` },
    ]);
  }
  return body;
}

export function hashOf(value: unknown): string {
  return createHash("sha256").update(canonical(value)).digest("base64url").slice(0, 22);
}

/** JSON with sorted keys, so that {a,b} and {b,a} hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export function now(): string {
  return new Date().toISOString();
}
