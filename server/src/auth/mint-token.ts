import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { SignJWT } from "jose";
import { FeedId } from "@liveline/protocol";

export interface MintTokenOptions {
  /** The HS256 secret (EDITOR_JWT_SECRET). */
  secret: string;
  sub: string;
  /** Feed ids, or "*" for every feed. */
  feeds: "*" | string[];
  /** "editor" or "admin" for an editor token; "contributor" for drafts only; "read" for a subscriber token. */
  role: "contributor" | "editor" | "admin" | "read";
  /** Lifetime in seconds. @default 3600 (subscriber tokens: keep it short, e.g. 300) */
  ttlSeconds?: number;
}

/** Sign a Liveline token with HS256, the way a CMS backend would. */
export function mintToken(o: MintTokenOptions): Promise<string> {
  const claims = o.role === "read" ? { feeds: o.feeds, scope: "read" } : { feeds: o.feeds, role: o.role };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(o.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (o.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(o.secret));
}

const USAGE = `usage: EDITOR_JWT_SECRET=... npm run mint-token -- --sub ana@newsroom [--role contributor|editor|admin|read] [--feeds id1,id2|*] [--ttl seconds]`;

function isRole(r: string | undefined): r is MintTokenOptions["role"] {
  return r === "contributor" || r === "editor" || r === "admin" || r === "read";
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: "string" },
      role: { type: "string", default: "editor" },
      feeds: { type: "string", default: "*" },
      ttl: { type: "string", default: "3600" },
    },
  });
  const secret = process.env.EDITOR_JWT_SECRET;
  const role = values.role;
  const feeds = values.feeds === "*" ? "*" : (values.feeds ?? "").split(",").map((f) => f.trim());
  const ttl = Number(values.ttl);
  const valid = (feeds === "*" || feeds.every((f) => FeedId.safeParse(f).success)) && Number.isInteger(ttl) && ttl > 0;
  if (secret === undefined || secret.length < 32 || values.sub === undefined || !valid || !isRole(role)) {
    process.stderr.write(`${USAGE}\n(EDITOR_JWT_SECRET must be set, 32+ characters; feeds are slugs)\n`);
    process.exit(2);
  }
  process.stdout.write(`${await mintToken({ secret, sub: values.sub, feeds, role, ttlSeconds: ttl })}\n`);
}

const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === pathToFileURL(invoked).href) void cli();
