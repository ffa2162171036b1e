/** What `getToken` may return: a token, or nothing when the app has none (public feeds only). */
export type GetToken = () => Promise<string | null | undefined> | string | null | undefined;

/** Longest timer we set (setTimeout overflows past 2^31 - 1 ms). */
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;

/** The `exp` claim of a JWT (seconds), or undefined when the token is not a readable JWT. */
export function expiryOf(token: string | undefined): number | undefined {
  const part = token?.split(".")[1];
  if (part === undefined || typeof atob !== "function") return undefined;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const claims: unknown = JSON.parse(json);
    const exp = typeof claims === "object" && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === "number" ? exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Holds the app's subscriber token: fetched with `getToken()` when first needed, fetched again
 * shortly before its `exp` (the last fifth of its life, at most 30 s early), and on demand
 * after the server answered `unauthorized` / `token_expired`. A new token is handed to
 * `onRenewed`, which sends it to the server: the server ends a private subscription at its
 * token's `exp`. Never throws from a timer.
 */
export class TokenSource {
  private token: string | undefined;
  private exp: number | undefined;
  private pending: Promise<string | undefined> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly getToken: GetToken,
    private readonly onError: (message: string) => void,
    /** A fetch brought a token other than the one held before (the client hands it to the server). */
    private readonly onRenewed: (token: string) => void = () => undefined,
  ) {}

  current(): string | undefined {
    return this.token;
  }

  /** The current token if it is still good for a few seconds, else a fresh one. */
  get(force = false): Promise<string | undefined> {
    const fresh = this.token !== undefined && (this.exp === undefined || this.exp * 1000 - Date.now() > 5_000);
    if (!force && fresh) return Promise.resolve(this.token);
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async fetch(): Promise<string | undefined> {
    try {
      const t = await this.getToken();
      const before = this.token;
      this.token = typeof t === "string" && t.length > 0 ? t : undefined;
      this.exp = expiryOf(this.token);
      this.schedule();
      if (this.token !== undefined && this.token !== before && !this.disposed) this.onRenewed(this.token);
    } catch (err) {
      this.onError(`getToken failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.token;
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.exp === undefined || this.disposed) return;
    const left = this.exp * 1000 - Date.now();
    const delay = Math.min(MAX_DELAY_MS, Math.max(1_000, left - Math.min(30_000, left / 5)));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.get(true);
    }, delay);
  }
}
