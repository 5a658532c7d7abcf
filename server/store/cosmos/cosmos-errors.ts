import "server-only";
import { StoreError } from "../errors";

/** The HTTP status of a Cosmos SDK error (ErrorResponse.code), or undefined for anything else. */
export function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

export const isPreconditionFailed = (e: unknown) => statusOf(e) === 412;
export const isConflict = (e: unknown) => statusOf(e) === 409;
export const isNotFound = (e: unknown) => statusOf(e) === 404;

/**
 * Throttling that outlived the SDK's own bounded retries (which honour the server's retry-after)
 * becomes StoreError `busy`, so the API can answer 503 + Retry-After. Everything else passes through.
 */
export function mapCosmosError(e: unknown): unknown {
  if (statusOf(e) === 429) {
    const retryAfterMs = (e as { retryAfterInMs?: number }).retryAfterInMs ?? 1000;
    return new StoreError("busy", "the database is throttling requests", { retryAfterMs });
  }
  return e;
}
