/**
 * Stable, machine-readable error codes of the v1 contract. Clients switch on `code`,
 * never on the message text, so a code is never renamed once published.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  /** The HTTP request itself could not be parsed (request line, header syntax). */
  bad_request: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  /** POST /v1/session: no account has this email and password. */
  invalid_credentials: 401,
  /** A write authenticated by the session cookie came from another site (Origin / Sec-Fetch-Site). */
  cross_site_request: 403,
  /** Single sign-on: the answer from the provider names no sign-in this browser started (state). */
  sso_state_invalid: 400,
  /** Single sign-on: the provider said no (the person cancelled, or may not use this application). */
  sso_refused: 403,
  /** Single sign-on: the person's groups or role claim map to no Liveline role (OIDC_ROLE_MAP). */
  sso_no_role: 403,
  /** Single sign-on: the provider could not be reached, or its answer failed the checks (code, ID token). */
  sso_failed: 502,
  user_not_found: 404,
  user_exists: 409,
  /** A password-reset link that was used, has expired, or was never issued: there is no such link (any more). */
  reset_link_invalid: 404,
  feed_not_found: 404,
  entry_not_found: 404,
  route_not_found: 404,
  media_not_found: 404,
  /** The client took longer than HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS to send its request. */
  request_timeout: 408,
  method_not_allowed: 405,
  webhook_not_found: 404,
  delivery_not_found: 404,
  /** A feature this deployment has not configured (Web Push without VAPID keys, FCM without credentials). */
  not_configured: 404,
  feed_exists: 409,
  entry_exists: 409,
  /** The entry id was retracted: a retracted id is never published again. */
  entry_retracted: 409,
  idempotency_key_reused: 409,
  feed_ended: 409,
  /** publishAt, or the publish route, on an entry that is published already. */
  entry_published: 409,
  /** DELETE …/entries/:entryId/alert after its undo window: the alert has gone out. */
  alert_already_sent: 409,
  /**
   * A webhook or push endpoint this deployment will not send to: an address that is not the
   * public internet (loopback, private, link-local …), or plain http where https is required.
   */
  destination_not_allowed: 403,
  /** If-Match named a revision the entry has moved past (the current entry is in `details`). */
  revision_conflict: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  image_too_large: 422,
  image_unreadable: 422,
  rate_limited: 429,
  /** The request's headers are larger than the server reads (16 KiB). */
  headers_too_large: 431,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as readonly ErrorCode[];

export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}
