/**
 * Stable, machine-readable error codes of the v1 contract. Clients switch on `code`,
 * never on the message text, so a code is never renamed once published.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  token_expired: 401,
  forbidden: 403,
  feed_not_found: 404,
  entry_not_found: 404,
  route_not_found: 404,
  webhook_not_found: 404,
  delivery_not_found: 404,
  /** A feature this deployment has not configured (Web Push without VAPID keys, FCM without credentials). */
  not_configured: 404,
  feed_exists: 409,
  entry_exists: 409,
  idempotency_key_reused: 409,
  feed_ended: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
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
