import type { RetryOn, RetryPolicy } from "./types";

/**
 * The retry policy as pure decisions, in lib/ because both transports apply it (issue 17 §4): the
 * coordinator (server/coordinator/completion.ts) and the agent's folder queue
 * (agent/src/offline/folder-rules.ts), so a retry behaves the same online and offline. A failed
 * attempt has a kind (`timeout`, `verify_failed`, `agent_failed`, `lease_lost`); the manifest's `retry` says which kinds are retried, how often
 * (`max` retries, so at most max + 1 attempts) and how long to wait (`backoff`, doubled each retry,
 * with jitter so a burst of failures does not come back as a burst of claims).
 *
 *   kind not in retry.on                  → failed (Phase-0: a person decides)
 *   kind in retry.on, attempts ≤ max      → queued, notBefore = now + backoff(attempt)
 *   kind in retry.on, attempts > max      → dead_letter (every attempt's diagnostics kept)
 *   lease lost LEASE_LOSS_BOUND times     → dead_letter, whatever the policy (it kills factories)
 */
export type FailureKind = RetryOn;

/** A job whose leases are lost this many times stops: it is likely what kills its factories. */
export const LEASE_LOSS_BOUND = 3;
/** No single wait is longer than this, however large the exponent gets. */
export const MAX_BACKOFF_MS = 24 * 3_600_000;

/** A number in [0, 1): Math.random in production, a fixed sequence in tests. */
export type Jitter = () => number;

/**
 * The wait before retry number `retry` (1 for the first retry): base · 2^(retry−1), stretched by up
 * to half again by the jitter, so the wait is never shorter than the exponential step.
 */
export function backoffMs(base: number, retry: number, jitter: Jitter): number {
  const step = base * 2 ** Math.max(0, retry - 1);
  const j = Math.min(Math.max(jitter(), 0), 0.999_999);
  return Math.min(MAX_BACKOFF_MS, Math.round(step * (1 + 0.5 * j)));
}

export type RetryDecision =
  | { to: "queued"; notBefore: number; countAttempt: boolean; cause: string }
  | { to: "dead_letter"; countAttempt: boolean; cause: string }
  | { to: "failed"; countAttempt: boolean; cause: string };

/**
 * Where a failure leaves the job. `attempts` is the number already counted before this failure.
 * The failing attempt always counts (it ran), except a lost lease whose kind is not retried: that is
 * a reclaim, not the job's fault.
 */
export function decideFailure(policy: RetryPolicy, attempts: number, kind: FailureKind, now: number, jitter: Jitter): RetryDecision {
  if (!policy.on.includes(kind)) return { to: "failed", countAttempt: true, cause: `${describe(kind)} (retry.on does not list ${kind})` };
  const counted = attempts + 1;
  if (counted > policy.max) {
    return { to: "dead_letter", countAttempt: true, cause: `${describe(kind)}; retries exhausted (${policy.max} of ${policy.max})` };
  }
  const wait = backoffMs(policy.backoff, counted, jitter);
  return { to: "queued", notBefore: now + wait, countAttempt: true, cause: `${describe(kind)}; retry ${counted} of ${policy.max} in ${wait} ms` };
}

/**
 * A lease ended without a result (the sweeper found it expired, or its factory went offline).
 * `leaseLosses` is the count before this loss.
 */
export function decideLeaseLost(policy: RetryPolicy, attempts: number, leaseLosses: number, now: number, jitter: Jitter): RetryDecision {
  const counts = policy.on.includes("lease_lost");
  if (leaseLosses + 1 >= LEASE_LOSS_BOUND) {
    return { to: "dead_letter", countAttempt: counts, cause: `lease lost ${leaseLosses + 1} times; the job may be killing its factories` };
  }
  if (!counts) return { to: "queued", notBefore: now, countAttempt: false, cause: "lease lost; reclaimed (not counted: retry.on does not list lease_lost)" };
  return decideFailure(policy, attempts, "lease_lost", now, jitter);
}

function describe(kind: FailureKind): string {
  switch (kind) {
    case "timeout":
      return "the attempt timed out";
    case "verify_failed":
      return "verify failed";
    case "agent_failed":
      return "the engine failed";
    case "lease_lost":
      return "the lease was lost";
    default:
      return assertNever(kind);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected failure kind ${String(x)}`);
}
