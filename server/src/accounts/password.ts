import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Passwords under scrypt, node's memory-hard KDF: N = 2^15, r = 8, p = 1 (32 MiB and ~50-100 ms a
 * hash), the parameters OWASP's Password Storage Cheat Sheet lists for scrypt. The stored form
 * names its parameters (`scrypt$N$r$p$salt$hash`, base64url), so they can be raised later and old
 * hashes still verify.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; node's default maxmem (32 MiB) is just short of that at N = 2^15.
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** A hash of no password anyone knows: verified against when the email is unknown, so both take as long. */
let decoy: Promise<string> | undefined;

/**
 * Whether `password` is the one `stored` was made from. Without a stored hash (no such account,
 * or one without a password) it still spends a hash's time, so the answer's timing does not tell
 * which emails have accounts.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  decoy ??= hashPassword(randomBytes(16).toString("base64url"));
  const [scheme, n, r, p, salt, hash] = (stored ?? (await decoy)).split("$");
  if (scheme !== "scrypt" || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(password, Buffer.from(salt, "base64url"), { N: Number(n), r: Number(r), p: Number(p) });
  return stored !== undefined && key.length === expected.length && timingSafeEqual(key, expected);
}
