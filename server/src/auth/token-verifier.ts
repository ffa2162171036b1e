import { createHash, createPublicKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { FeedId, Text } from "@liveline/protocol";
import { LivelineError } from "../errors.js";
import type { Principal } from "./principal.js";

export interface TokenVerifierOptions {
  /** Static bearer tokens (EDITOR_TOKENS): admin of every feed. */
  staticTokens: readonly string[];
  /** The display name of each static token, by position (EDITOR_TOKENS' `name=token`); else its sub. */
  staticNames?: readonly (string | undefined)[];
  /** HS256 shared secret (EDITOR_JWT_SECRET). */
  hsSecret?: string | undefined;
  /** SPKI PEM public key for RS256 or ES256 (EDITOR_JWT_PUBLIC_KEY). */
  publicKeyPem?: string | undefined;
  /** JWKS endpoint of the signer (EDITOR_JWKS_URL), e.g. a CMS's `/.well-known/jwks.json`. */
  jwksUrl?: string | undefined;
  /** Clock skew tolerated on `exp`/`nbf`, in seconds. @default 5 */
  clockToleranceSeconds?: number;
}

/** The claims Liveline reads from a signed token; anything else in the token is ignored. */
const Claims = z.object({
  // The subject is stored as the author of each change (revision history), so it obeys the
  // same text rule as every other stored string.
  sub: Text.min(1).max(200),
  /** Display name (who is here, in the console); the sub when absent. */
  name: Text.min(1).max(200).optional(),
  exp: z.number(),
  feeds: z.union([z.literal("*"), z.array(z.union([z.literal("*"), FeedId])).max(1000)]),
  role: z.enum(["contributor", "editor", "admin"]).optional(),
  scope: z.literal("read").optional(),
});

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** RS256 for an RSA key, ES256 for a P-256 key: the only asymmetric algorithms we accept. */
function algorithmOf(key: KeyObject): "RS256" | "ES256" {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  throw new Error("EDITOR_JWT_PUBLIC_KEY must be an RSA or P-256 (ES256) public key");
}

/** Read a PEM from the environment, where newlines are often written as a literal `\n`. */
export function parsePublicKey(pem: string): { key: KeyObject; alg: "RS256" | "ES256" } {
  const key = createPublicKey(pem.replace(/\\n/g, "\n"));
  return { key, alg: algorithmOf(key) };
}

/**
 * Turns a bearer token into a Principal, or throws 401 `unauthorized` / `token_expired`.
 * Static tokens are compared as SHA-256 digests with `timingSafeEqual`; JWTs are verified with
 * `jose` against the HS256 secret, the PEM key or the JWKS, whichever the header's `alg` names.
 */
export class TokenVerifier {
  private readonly statics: { digest: Buffer; sub: string; name: string | undefined }[];
  private readonly algorithms: string[] = [];
  private readonly getKey: JWTVerifyGetKey | undefined;
  private readonly clockTolerance: number;

  constructor(options: TokenVerifierOptions) {
    this.statics = options.staticTokens.map((t, i) => ({
      digest: digest(t),
      sub: `token-${i + 1}`,
      name: options.staticNames?.[i],
    }));
    this.clockTolerance = options.clockToleranceSeconds ?? 5;
    const secret = options.hsSecret === undefined ? undefined : new TextEncoder().encode(options.hsSecret);
    const pem = options.publicKeyPem === undefined ? undefined : parsePublicKey(options.publicKeyPem);
    const jwks = options.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(options.jwksUrl));
    if (secret) this.algorithms.push("HS256");
    if (pem) this.algorithms.push(pem.alg);
    if (jwks) for (const alg of ["RS256", "ES256"]) if (!this.algorithms.includes(alg)) this.algorithms.push(alg);
    if (this.algorithms.length === 0) return;
    this.getKey = async (header, token) => {
      if (header.alg === "HS256" && secret) return secret;
      // A PEM key answers for its own algorithm unless the token names a JWKS key id.
      if (pem && header.alg === pem.alg && (jwks === undefined || header.kid === undefined)) return pem.key;
      if (jwks && header.alg !== "HS256") return jwks(header, token);
      throw new errors.JOSEAlgNotAllowed("no key is configured for this algorithm");
    };
  }

  /** True when signed tokens can be verified (a secret, a public key or a JWKS is set). */
  get acceptsJwt(): boolean {
    return this.getKey !== undefined;
  }

  async verify(token: string): Promise<Principal> {
    const d = digest(token);
    let found: (typeof this.statics)[number] | undefined;
    for (const s of this.statics) if (timingSafeEqual(s.digest, d)) found = s;
    if (found !== undefined) {
      const { sub, name } = found;
      return { sub, ...(name === undefined ? {} : { name }), role: "admin", feeds: "*" };
    }
    if (this.getKey === undefined || !JWT_SHAPE.test(token)) {
      throw new LivelineError("unauthorized", "the bearer token is not valid");
    }
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        algorithms: this.algorithms,
        requiredClaims: ["sub", "exp"],
        clockTolerance: this.clockTolerance,
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new LivelineError("token_expired", "the token has expired");
      throw new LivelineError("unauthorized", "the token could not be verified");
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) {
      throw new LivelineError("unauthorized", "the token's claims are not valid (sub, exp, feeds, role or scope)");
    }
    const c = claims.data;
    const feeds = c.feeds === "*" || c.feeds.includes("*") ? "*" : c.feeds;
    const role = c.role ?? (c.scope === "read" ? "reader" : undefined);
    if (role === undefined) throw new LivelineError("unauthorized", 'the token needs a role or scope: "read"');
    return { sub: c.sub, ...(c.name === undefined ? {} : { name: c.name }), role, feeds, exp: c.exp };
  }
}
