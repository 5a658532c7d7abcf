import "server-only";
import { ForgeError, type ForgeFeedback, type ForgePullRequest, type ForgeRepoRef, type MergeMethod, type OpenPullRequestInput } from "../port";

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

/**
 * What the coordinator asks of GitHub (issue 15 item 3): open a pull request for a delivered job,
 * read its state, merge it on Ship. A small interface of its own so the adapter plugs into the forge
 * port (server/forge/port.ts, where it lands) without that port depending on Octokit. The shapes it
 * speaks (a repository, a pull request's state, the open input) are the port's own: GitHub's words
 * are mapped onto them in client.ts, so the adapter passes them through as they are.
 */
export interface GithubForge {
  openPullRequest(ref: ForgeRepoRef, pr: OpenPullRequestInput): Promise<ForgePullRequest>;
  pullRequest(ref: ForgeRepoRef, number: number): Promise<ForgePullRequest>;
  /** the open pull request whose head is `branch` in the same repository, if any */
  openPullRequestFor(ref: ForgeRepoRef, branch: string): Promise<ForgePullRequest | undefined>;
  defaultBranch(ref: ForgeRepoRef): Promise<string>;
  /** whether `branch` is under branch protection (GET /repos/{owner}/{repo}/branches/{branch}) */
  branchProtected(ref: ForgeRepoRef, branch: string): Promise<boolean>;
  /** replaces the title and body (the job ran again: its verify, cost and scope changed) */
  updatePullRequest(ref: ForgeRepoRef, number: number, text: { title: string; body: string }): Promise<ForgePullRequest>;
  /** merges; `sha` guards against a head that moved since the state was read (409 → head_moved) */
  merge(ref: ForgeRepoRef, number: number, method: MergeMethod, sha?: string): Promise<{ sha: string }>;
  /** the failed check runs of `sha` (name, conclusion, output) and the standing change requests of the PR */
  feedback?(ref: ForgeRepoRef, number: number, sha: string): Promise<ForgeFeedback>;
}
