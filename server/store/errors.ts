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

/**
 * Marks every StoreError. `Symbol.for` is one symbol per JS realm, shared by every bundle: Next
 * builds instrumentation.ts and each route apart, so the store (built once, kept on globalThis) may
 * throw a StoreError class from another bundle, and `instanceof` would answer false there.
 */
const STORE_ERROR_BRAND = Symbol.for("gigafactory.store.StoreError");

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** only for `busy`: how long the caller should wait before trying again */
  readonly retryAfterMs?: number;
  /** extra facts for the caller (e.g. the existing job id of an idempotency conflict) */
  readonly details?: Record<string, unknown>;
  readonly [STORE_ERROR_BRAND] = true;

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

/**
 * The one check for a store error (optionally of one code), safe across bundles: by the brand and a
 * known code, never by `instanceof`. Use it wherever a StoreError is caught.
 */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  if (typeof e !== "object" || e === null || (e as { [STORE_ERROR_BRAND]?: unknown })[STORE_ERROR_BRAND] !== true) return false;
  const actual = (e as { code?: unknown }).code;
  return (STORE_ERROR_CODES as readonly unknown[]).includes(actual) && (code === undefined || actual === code);
}
