/** Size limits that are part of the public contract (documented in the README). */
export const LIMITS = {
  /** Largest accepted HTTP request body, in bytes. */
  maxBodyBytes: 64 * 1024,
  /** Longest entry body (HTML or text), in characters, after sanitizing. */
  maxEntryBodyChars: 20_000,
  maxHeadlineChars: 300,
  maxAuthorNameChars: 120,
  /** An author's role or title on a byline ("Political editor"). */
  maxAuthorRoleChars: 120,
  /** Longest author picture URL. */
  maxAvatarUrlChars: 2_048,
  maxFeedTitleChars: 200,
  maxFeedDescriptionChars: 2_000,
  maxIdempotencyKeyChars: 200,
  /** Longest bearer/subscriber token accepted (a JWT with a few feeds is far shorter). */
  maxTokenChars: 4_096,
  /** Revision records kept per entry (oldest dropped first). */
  maxRevisionsPerEntry: 100,
  /** Most entries a single page of `GET /entries` returns. */
  maxPageSize: 100,
  defaultPageSize: 20,
  /** Entries included in a subscribe snapshot or a `reset` answer. */
  snapshotSize: 50,
  /** Most events one catch-up answer carries; a longer gap answers `reset`. */
  maxCatchUpEvents: 1_000,
  /** Set-aside (failed) change records kept per feed, newest first; older ones are dropped. */
  maxFailedChangesKept: 100,
} as const;
