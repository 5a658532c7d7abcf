import "server-only";
import type { Jitter } from "./retry";

/**
 * Knobs of the issue-5 policies. Everything has a default, so a context built without them (older
 * tests, the wiring before FLEET_STALL_MS is set) behaves sensibly; tests inject `jitter` to make
 * backoff deterministic.
 */
export interface PolicyConfig {
  /** [0, 1) source for backoff jitter */
  jitter: Jitter;
  /** a leased job with no log for this long raises `job_stalled` (FLEET_STALL_MS) */
  stallMs: number;
  /** this many failures within `failureWindowMs` raise `failure_spike` */
  failureSpike: number;
  failureWindowMs: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  jitter: Math.random,
  stallMs: 10 * 60_000,
  failureSpike: 5,
  failureWindowMs: 10 * 60_000,
};

/** The policy in force: the given knobs over the defaults (resolved once, when the context is built). */
export function resolvePolicy(given: Partial<PolicyConfig> = {}): PolicyConfig {
  return { ...DEFAULT_POLICY, ...given };
}
