import "server-only";
import { LinearError, LinearErrorType } from "@linear/sdk";
import { TrackerError } from "../port";

/**
 * Linear's failures in the tracker port's words (TrackerError). The SDK's own error carries the
 * request's query and variables (comment bodies, issue text): it is never logged or passed on, only
 * its type and a short message, so nothing of the request travels into logs or events. The API key
 * never appears in an SDK error (it rides in a header the error does not keep).
 */
const NOT_FOUND = /not found|could not find|does not exist/i;

/** An error of the SDK as a TrackerError; anything else passes through unchanged. */
export function fromLinear(err: unknown, what: string, now = Date.now()): unknown {
  if (err instanceof TrackerError || !(err instanceof LinearError)) return err;
  const first = (err.errors?.[0]?.message ?? err.message).slice(0, 200);
  switch (err.type) {
    case LinearErrorType.AuthenticationError:
      return new TrackerError("auth", `${what}: Linear refused the credentials (check LINEAR_API_KEY): ${first}`, err.status);
    case LinearErrorType.Forbidden:
    case LinearErrorType.FeatureNotAccessible:
      return new TrackerError("forbidden", `${what}: Linear does not allow it: ${first}`, err.status);
    case LinearErrorType.Ratelimited: {
      const after = (err as LinearError & { retryAfter?: number }).retryAfter;
      return new TrackerError("rate_limited", `${what}: Linear's rate limit was reached`, err.status, undefined, typeof after === "number" && Number.isFinite(after) ? now + after * 1000 : undefined);
    }
    case LinearErrorType.NetworkError:
    case LinearErrorType.InternalError:
    case LinearErrorType.LockTimeout:
      return new TrackerError("unavailable", `${what}: Linear is unavailable: ${first}`, err.status);
    case LinearErrorType.InvalidInput:
      return new TrackerError(NOT_FOUND.test(first) ? "not_found" : "invalid", `${what}: ${first}`, err.status);
    default:
      // No HTTP status and no GraphQL error: the request never got an answer (fetch failed under the SDK, which calls that Unknown).
      if (err.status === undefined && !err.errors?.length) return new TrackerError("unavailable", `${what}: Linear is unreachable: ${first}`);
      return new TrackerError("invalid", `${what}: ${first}`, err.status);
  }
}

/** Runs one Linear call, translating its failure. */
export async function linearCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromLinear(err, what);
  }
}
