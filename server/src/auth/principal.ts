/**
 * Who a verified token speaks for. `role` "editor" may publish, edit and retract in its
 * feeds; "admin" may also create feeds and change their metadata; "reader" may only read
 * (a subscriber token for private feeds).
 */
export interface Principal {
  sub: string;
  /** Display name: a JWT's `name` claim, or the name given to a static token in EDITOR_TOKENS. */
  name?: string;
  role: "reader" | "contributor" | "editor" | "admin";
  /** Feed ids the token is for, or "*" for every feed. */
  feeds: "*" | readonly string[];
  /** Expiry, in seconds since the epoch (undefined for static tokens). */
  exp?: number;
  /**
   * Set for a person signed in to the console (the session cookie, not a bearer token): its
   * email and when the session ends (ms since the epoch). A write it authenticates must come
   * from this service's own pages.
   */
  session?: { email: string; expiresAt: number };
}
