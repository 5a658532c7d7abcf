import "server-only";
import type { JobDelivery } from "@/server/store/records";

/**
 * The forge port (DESIGN "delivery is part of the job"): everything the coordinator asks of where
 * a repository lives. Two kinds of adapter fit it: a forge with an API (GitHub: pull requests,
 * checks, merges through the API, credentials in the coordinator's settings) and plain git (no
 * forge: Ship is a merge task leased to a factory, whose own git credentials push the merge). The
 * coordinator picks the first adapter that serves a job's repository; plain git serves them all,
 * so it is always last.
 *
 * A forge adapter carries `pulls`: the pull-request operations, in this port's own words so the
 * coordinator never sees the SDK behind them (Octokit stays in server/forge/github/).
 */
export interface ForgeAdapter {
  /** `git` for plain git; a forge's own name otherwise */
  readonly kind: string;
  /** whether this adapter delivers jobs on `repo` */
  serves(repo: string): boolean;
  /** how Ship lands a delivered job */
  shipPlan(delivery: JobDelivery): ShipPlan;
  /** pull requests on a forge with an API (absent on plain git) */
  readonly pulls?: PullRequestPort;
}

/**
 * What Ship does for a job: `merge_task` queues a merge job leased to a factory (plain git);
 * `merge_pr` merges the job's pull request through the forge's API (`number` once it is open).
 * `label` is the Ship button's text.
 */
export type ShipPlan = { kind: "merge_task"; label: string } | { kind: "merge_pr"; label: string; method: MergeMethod; number?: number };

export type MergeMethod = "squash" | "merge" | "rebase";
export const MERGE_METHODS = ["squash", "merge", "rebase"] as const satisfies readonly MergeMethod[];

/** A repository on a forge. */
export interface ForgeRepoRef {
  owner: string;
  repo: string;
}

export type ForgeCheckStatus = "none" | "pending" | "passing" | "failing";
export type ForgeReviewStatus = "none" | "approved" | "changes_requested";

/** A pull request as the forge says it is now. */
export interface ForgePullRequest {
  number: number;
  url: string;
  headSha: string;
  headBranch: string;
  baseBranch: string;
  state: "open" | "closed" | "merged";
  draft: boolean;
  /** null while the forge is still computing it */
  mergeable: boolean | null;
  /** the forge's own word: clean, dirty (conflict), blocked, unstable, behind, draft, unknown */
  mergeableState: string;
  checks: ForgeCheckStatus;
  /** the latest review of each reviewer, summed: any changes requested wins over approvals */
  review: ForgeReviewStatus;
  mergeSha: string | null;
}

export interface OpenPullRequestInput {
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
}

/** The pull-request operations of a forge adapter. Every refusal is a ForgeError naming its reason. */
export interface PullRequestPort {
  readonly forge: "github";
  /** the merge method Ship uses (FLEET_GITHUB_MERGE_METHOD) */
  readonly mergeMethod: MergeMethod;
  /** owner/repo of a repository this adapter serves, else undefined */
  ref(repo: string): ForgeRepoRef | undefined;
  /** the repository's default branch (the base of a job without `base-branch`) */
  defaultBranch(ref: ForgeRepoRef): Promise<string>;
  /** whether the forge protects `branch` (a `delivery: merge` job never pushes to one) */
  branchProtected(ref: ForgeRepoRef, branch: string): Promise<boolean>;
  open(ref: ForgeRepoRef, input: OpenPullRequestInput): Promise<ForgePullRequest>;
  /** replaces the title and body of an open PR (the job ran again on its branch) */
  update(ref: ForgeRepoRef, number: number, text: { title: string; body: string }): Promise<ForgePullRequest>;
  /** the open pull request whose head is `branch` (one opened before, to adopt), if any */
  findOpen(ref: ForgeRepoRef, branch: string): Promise<ForgePullRequest | undefined>;
  read(ref: ForgeRepoRef, number: number): Promise<ForgePullRequest>;
  /** merges; `sha` guards against a head that moved since it was read (refusal head_moved) */
  merge(ref: ForgeRepoRef, number: number, method: MergeMethod, sha?: string): Promise<{ sha: string }>;
  /** what the review loop tells a follow-up (server/coordinator/review-loop.ts): the failed check runs of `sha`, the standing change requests */
  feedback?(ref: ForgeRepoRef, number: number, sha: string): Promise<ForgeFeedback>;
}

/** A pull request's feedback: forge text, hostile (bounded and quoted by the review loop). */
export interface ForgeFeedback {
  failedChecks: { name: string; conclusion: string; title?: string; summary?: string }[];
  /** each reviewer's latest review, when it requests changes */
  changeRequests: { user: string; body: string }[];
}

/**
 * A refusal from a forge: `reason` is a short code the UI shows beside the Ship button (GitHub's
 * list: server/forge/github/port.ts GITHUB_REFUSALS); the message never carries a credential.
 */
export class ForgeError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ForgeError";
  }
}

export function isForgeError(e: unknown): e is ForgeError {
  return e instanceof ForgeError || (e instanceof Error && typeof (e as { reason?: unknown }).reason === "string" && /Forge/.test(e.name));
}

/** The hosts whose repositories default to `delivery: pr` (github.com and a configured GHE host). */
export interface ForgeConfig {
  hosts: readonly string[];
  /** where people open a GitHub Enterprise (or test double) server's pages: GITHUB_API_URL's host with its port, which `hosts` (matched against repo URLs) drops */
  webHost?: string;
  adapters: readonly ForgeAdapter[];
  /** how often open pull requests are read again when no webhook says so (0: never) */
  pollMs?: number;
  /** when the poll last scanned the jobs (this context's own: forgeConfig makes one per call) */
  readonly pollClock?: { lastScanAt: number };
  /** the control plane's public address, for the job link in a pull request's body */
  publicUrl?: string;
  /** FLEET_PROTECTED_BRANCHES: branches a `delivery: merge` job on plain git never pushes to directly */
  protectedBranches?: readonly string[];
}
