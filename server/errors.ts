import "server-only";
import type { FieldProblem } from "@/lib/types";

/**
 * The one error type of the domain below HTTP. Coordinator, auth and CLI code throw it (the store
 * throws its own StoreError, server/store/errors.ts); server/http/errors.ts maps each code to a status
 * and an application/problem+json body in one place. The message of a FleetError is written for the
 * client; anything else thrown is logged and answered with a generic 500, so no stack trace or
 * internal message ever leaves the process.
 */
export const FLEET_ERROR_CODES = [
  "validation",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "lease_lost",
  "cancelled",
  "illegal_transition",
  "cycle",
  "scope_violation",
  "approval_required",
  "budget_exceeded",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "busy",
  "unavailable",
  "internal",
] as const;
export type FleetErrorCode = (typeof FLEET_ERROR_CODES)[number];

/**
 * Marks every FleetError. `Symbol.for` is one symbol per JS realm, shared by every bundle: Next builds
 * instrumentation.ts and each route apart, so code kept on globalThis may throw a FleetError class of
 * another bundle, where `instanceof` would answer false (the same reason as the store's brand).
 */
const FLEET_ERROR_BRAND = Symbol.for("gigafactory.FleetError");

export class FleetError extends Error {
  readonly code: FleetErrorCode;
  readonly errors?: FieldProblem[];
  readonly retryAfterMs?: number;
  readonly extra?: Record<string, unknown>;
  readonly [FLEET_ERROR_BRAND] = true;

  constructor(
    code: FleetErrorCode,
    message: string,
    opts: { errors?: FieldProblem[]; retryAfterMs?: number; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "FleetError";
    this.code = code;
    if (opts.errors) this.errors = opts.errors;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.extra) this.extra = opts.extra;
  }
}

/** The one check for a FleetError (optionally of one code), safe across bundles: by brand and a known code. */
export function isFleetError(e: unknown, code?: FleetErrorCode): e is FleetError {
  if (typeof e !== "object" || e === null || (e as { [FLEET_ERROR_BRAND]?: unknown })[FLEET_ERROR_BRAND] !== true) return false;
  const actual = (e as { code?: unknown }).code;
  return (FLEET_ERROR_CODES as readonly unknown[]).includes(actual) && (code === undefined || actual === code);
}
