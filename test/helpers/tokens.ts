import { SignJWT, type CryptoKey, type KeyObject } from "jose";

export const JWT_SECRET = "test-jwt-secret-0123456789-abcdefghijklmnop";
export const SECRET_KEY = new TextEncoder().encode(JWT_SECRET);

export interface MintOptions {
  sub?: string;
  /** The display name claim. */
  name?: string;
  feeds?: "*" | string[];
  role?: "contributor" | "editor" | "admin";
  scope?: "read";
  /** Seconds since the epoch; default: 10 minutes from now. */
  exp?: number | null;
  alg?: "HS256" | "RS256" | "ES256";
  kid?: string;
  key?: Uint8Array | CryptoKey | KeyObject;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Sign a Liveline token the way a CMS would (HS256 with the test secret unless told otherwise). */
export function mint(o: MintOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = { feeds: o.feeds ?? "*" };
  if (o.role !== undefined) claims.role = o.role;
  if (o.name !== undefined) claims.name = o.name;
  if (o.scope !== undefined) claims.scope = o.scope;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: o.alg ?? "HS256", ...(o.kid === undefined ? {} : { kid: o.kid }) })
    .setSubject(o.sub ?? "editor@test")
    .setIssuedAt();
  if (o.exp !== null) jwt = jwt.setExpirationTime(o.exp ?? nowSeconds() + 600);
  return jwt.sign(o.key ?? SECRET_KEY);
}
