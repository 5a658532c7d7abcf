import "server-only";
import { ForgeError, type ForgeFeedback } from "../port";

/**
 * What the coordinator asks of GitHub (issue 15 item 3): open a pull request for a delivered job,
 * read its state, merge it on Ship. A small interface of its own so the adapter plugs into the forge
 * port (server/forge/port.ts, where it lands) without that port depending on Octokit.
 */
export interface GithubRepoRef {
  owner: string;
  repo: string;
}

export type CheckStatus = "none" | "pending" | "passing" | "failing";
export type ReviewStatus = "none" | "approved" | "changes_requested";
export type MergeMethod = "squash" | "merge" | "rebase";

export interface PullRequestState {
  number: number;
  url: string;
  headSha: string;
  headBranch: string;
  baseBranch: string;
  state: "open" | "closed" | "merged";
  draft: boolean;
  /** null while GitHub is still computing it */
  mergeable: boolean | null;
  /** GitHub's mergeable_state: clean, dirty (conflict), blocked, unstable, behind, draft, unknown */
  mergeableState: string;
  checks: CheckStatus;
  /** the latest review of each reviewer: any changes requested wins over approvals */
  review: ReviewStatus;
  mergeSha: string | null;
}

export interface OpenPullRequest {
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
}

/**
 * Why GitHub refused: the precise reason shown beside the Ship button. `checks_failing`,
 * `checks_pending`, `reviews_missing` and `conflict` come from a refused merge (405, read back from
 * the PR when the message alone does not say); `head_moved` is a 409 (someone pushed after the SHA
 * the merge was asked for); `exists` / `no_commits` from opening a PR; `invalid` any other 422.
 */
export const GITHUB_REFUSALS = [
  "checks_failing",
  "checks_pending",
  "reviews_missing",
  "conflict",
  "head_moved",
  "method_not_allowed",
  "not_mergeable",
  "draft",
  "exists",
  "no_commits",
  "invalid",
  "auth",
  "forbidden",
  "not_found",
  "rate_limited",
  "unavailable",
] as const;
export type GithubRefusal = (typeof GITHUB_REFUSALS)[number];

/** A refusal from GitHub. The message is GitHub's own (or ours); never a header, never the token. */
export class GithubForgeError extends ForgeError {
  constructor(
    override readonly reason: GithubRefusal,
    message: string,
    status?: number,
  ) {
    super(reason, message, status);
    this.name = "GithubForgeError";
  }
}

export interface GithubForge {
  openPullRequest(ref: GithubRepoRef, pr: OpenPullRequest): Promise<PullRequestState>;
  pullRequest(ref: GithubRepoRef, number: number): Promise<PullRequestState>;
  /** the open pull request whose head is `branch` in the same repository, if any */
  openPullRequestFor(ref: GithubRepoRef, branch: string): Promise<PullRequestState | undefined>;
  defaultBranch(ref: GithubRepoRef): Promise<string>;
  /** whether `branch` is under branch protection (GET /repos/{owner}/{repo}/branches/{branch}) */
  branchProtected(ref: GithubRepoRef, branch: string): Promise<boolean>;
  /** replaces the title and body (the job ran again: its verify, cost and scope changed) */
  updatePullRequest(ref: GithubRepoRef, number: number, text: { title: string; body: string }): Promise<PullRequestState>;
  /** merges; `sha` guards against a head that moved since the state was read (409 → head_moved) */
  merge(ref: GithubRepoRef, number: number, method: MergeMethod, sha?: string): Promise<{ sha: string }>;
  /** the failed check runs of `sha` (name, conclusion, output) and the standing change requests of the PR */
  feedback?(ref: GithubRepoRef, number: number, sha: string): Promise<ForgeFeedback>;
}
