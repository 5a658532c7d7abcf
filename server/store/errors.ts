import "server-only";

/**
 * The one error type of the store. The HTTP layer maps `code` to a status in one place:
 *   conflict → 409, not_found → 404, lease_lost → 409 (`lease_lost`), cancelled → 409 (`cancelled`),
 *   illegal_transition → 409, busy → 503 + Retry-After (`retryAfterMs`), invalid_cursor → 400 (a
 *   paging cursor that is malformed or belongs to another order).
 * Losing a race is NOT an error where the port says so (claimJob returns null).
 */
export const STORE_ERROR_CODES = [
  "conflict",
  "not_found",
  "lease_lost",
  "cancelled",
  "illegal_transition",
  "busy",
  "invalid_cursor",
] as const;
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** only for `busy`: how long the caller should wait before trying again */
  readonly retryAfterMs?: number;
  /** extra facts for the caller (e.g. the existing job id of an idempotency conflict) */
  readonly details?: Record<string, unknown>;

  constructor(
    code: StoreErrorCode,
    message: string,
    extra: { retryAfterMs?: number; details?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "StoreError";
    this.code = code;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
    if (extra.details !== undefined) this.details = extra.details;
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
