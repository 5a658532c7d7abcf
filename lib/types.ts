/**
 * The shared vocabulary of the fleet: stages, priorities and the *normalized* manifest that the
 * coordinator, scheduler, agent and UI all receive after `lib/manifest` has parsed a job file.
 * Normalization: every optional field with a default is filled in; durations are integer
 * milliseconds; token counts are integers; capabilities are canonical strings (see lib/capability).
 * Keys keep the job file's kebab-case so the JSON API and the markdown file read the same.
 */

export const STAGES = [
  "queued",
  "blocked",
  "assigned",
  "building",
  "review",
  "testing",
  "shipped",
  "failed",
  "dead_letter",
  "cancelled",
  "paused",
] as const;
export type Stage = (typeof STAGES)[number];

export const PRIORITIES = ["critical", "high", "medium", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const RETRY_ON = ["timeout", "verify_failed", "agent_failed", "lease_lost"] as const;
export type RetryOn = (typeof RETRY_ON)[number];

export const KNOWN_ENGINES = ["claude", "codex", "copilot", "gemini", "devin", "aider", "shell"] as const;
export type KnownEngine = (typeof KNOWN_ENGINES)[number];

export type ReviewPolicy = "auto" | "manual" | { reviewers: string[] };

/**
 * What happens to a job's commits (CONTRACT §1 `delivery`): a pushed branch and a pull request
 * (merged on ship), a pushed branch only, direct to the base branch (a profile must allow it), or
 * nothing. Unset in a manifest: decided at submit from the repository's host (lib/delivery.ts).
 */
export const DELIVERIES = ["pr", "branch", "merge", "none"] as const;
export type Delivery = (typeof DELIVERIES)[number];

export interface Budget {
  usd?: number;
  tokens?: number;
  /** wall-clock ceiling over all attempts, ms */
  wall?: number;
}

export interface RetryPolicy {
  max: number;
  /** base of the exponential backoff, ms */
  backoff: number;
  on: RetryOn[];
}

export interface Manifest {
  engine?: string;
  cwd?: string;
  repo?: string;
  yolo: boolean;
  lock?: string;
  /** wall-clock limit of one attempt, ms */
  timeout?: number;
  verify?: string;
  profile?: string;
  "engine-class"?: string;
  capabilities: string[];
  prefers: string[];
  priority: Priority;
  budget: Budget;
  deps: string[];
  "idempotency-key"?: string;
  retry: RetryPolicy;
  "review-policy": ReviewPolicy;
  artifacts: string[];
  "allowed-scope": string[];
  "tracker-item"?: string;
  /** unset: `pr` on a known forge, else `branch` (decided at submit); `none` without a repo */
  delivery?: Delivery;
  /** unset: the remote's default branch */
  "base-branch"?: string;
  /** the pushed branch's name template; unset: DEFAULT_BRANCH_TEMPLATE (lib/delivery.ts) */
  branch?: string;
  product?: string;
  /** `x-` fields, kept verbatim and otherwise ignored */
  [extension: `x-${string}`]: unknown;
}

/** A parsed job file: manifest + prompt body + title (first `# ` heading, else the file name). */
export interface JobSpec {
  manifest: Manifest;
  body: string;
  title: string;
}

/** One problem with an input, addressed by its field path (`retry.on[1]`, `budget.usd`). */
export interface FieldProblem {
  path: string;
  message: string;
}
