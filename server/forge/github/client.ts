import "server-only";
import { Octokit } from "@octokit/rest";
import type { ForgeCheckStatus, ForgePullRequest, ForgeRepoRef, ForgeReviewStatus, MergeMethod, OpenPullRequestInput } from "../port";
import { GithubForgeError, type GithubForge } from "./port";

export interface GithubForgeOptions {
  /** a fine-grained token (GITHUB_TOKEN) from the coordinator's settings; never logged, never sent to a factory */
  token: string;
  /** GITHUB_API_URL: https://api.github.com, or https://<ghe-host>/api/v3 */
  baseUrl: string;
  userAgent?: string;
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };
const FAILED = new Set(["failure", "timed_out", "cancelled", "action_required", "startup_failure", "stale"]);

/** The GitHub adapter over Octokit (@octokit/rest). Every GitHub refusal becomes a GithubForgeError. */
export function githubForge(opts: GithubForgeOptions): GithubForge {
  if (!opts.token.trim()) throw new GithubForgeError("auth", "GITHUB_TOKEN is empty");
  const octokit = new Octokit({
    auth: opts.token,
    baseUrl: opts.baseUrl.replace(/\/$/, ""),
    userAgent: opts.userAgent ?? "gigafactory-coordinator",
    // Octokit's request log names method, path and status only; silenced so nothing of a request leaves here.
    log: SILENT,
  });

  async function checks(ref: ForgeRepoRef, sha: string): Promise<ForgeCheckStatus> {
    const res = await call(() => octokit.rest.checks.listForRef({ ...ref, ref: sha, per_page: 100 }));
    return checkStatus(res.data.check_runs);
  }

  async function reviews(ref: ForgeRepoRef, number: number): Promise<ForgeReviewStatus> {
    const res = await call(() => octokit.rest.pulls.listReviews({ ...ref, pull_number: number, per_page: 100 }));
    return reviewStatus(res.data.map((r) => ({ user: r.user?.login ?? `#${r.id}`, state: r.state })));
  }

  async function state(ref: ForgeRepoRef, number: number): Promise<ForgePullRequest> {
    const { data: pr } = await call(() => octokit.rest.pulls.get({ ...ref, pull_number: number }));
    return toState(ref, pr);
  }

  async function toState(ref: ForgeRepoRef, pr: PullLike): Promise<ForgePullRequest> {
    return {
      number: pr.number,
      url: pr.html_url,
      headSha: pr.head.sha,
      headBranch: pr.head.ref,
      baseBranch: pr.base.ref,
      state: pr.merged ? "merged" : pr.state === "closed" ? "closed" : "open",
      draft: pr.draft ?? false,
      mergeable: pr.mergeable,
      mergeableState: pr.mergeable_state,
      checks: await checks(ref, pr.head.sha),
      review: await reviews(ref, pr.number),
      mergeSha: pr.merged ? pr.merge_commit_sha : null,
    };
  }

  return {
    async openPullRequest(ref, input: OpenPullRequestInput) {
      const { data } = await call(
        () => octokit.rest.pulls.create({ ...ref, title: input.title, body: input.body, head: input.head, base: input.base, draft: input.draft }),
        openRefusal,
      );
      return state(ref, data.number);
    },
    pullRequest: state,
    async openPullRequestFor(ref, branch) {
      // `head` filters by owner:branch; the list form lacks mergeability, so the PR is read again.
      const { data } = await call(() => octokit.rest.pulls.list({ ...ref, head: `${ref.owner}:${branch}`, state: "open", per_page: 10 }));
      const found = data.find((p) => p.head.ref === branch);
      return found ? state(ref, found.number) : undefined;
    },
    async updatePullRequest(ref, number, text) {
      await call(() => octokit.rest.pulls.update({ ...ref, pull_number: number, title: text.title, body: text.body }));
      return state(ref, number);
    },
    async branchProtected(ref, branch) {
      const { data } = await call(() => octokit.rest.repos.getBranch({ owner: ref.owner, repo: ref.repo, branch }));
      return data.protected;
    },
    async defaultBranch(ref) {
      const { data } = await call(() => octokit.rest.repos.get({ owner: ref.owner, repo: ref.repo }));
      return data.default_branch;
    },
    async feedback(ref, number, sha) {
      const runs = await call(() => octokit.rest.checks.listForRef({ ...ref, ref: sha, per_page: 100 }));
      const failedChecks = runs.data.check_runs
        .filter((r) => r.status === "completed" && r.conclusion !== null && FAILED.has(r.conclusion))
        .map((r) => ({ name: r.name, conclusion: r.conclusion!, ...(r.output?.title ? { title: r.output.title } : {}), ...(r.output?.summary ? { summary: r.output.summary } : {}) }));
      const list = await call(() => octokit.rest.pulls.listReviews({ ...ref, pull_number: number, per_page: 100 }));
      const latest = new Map<string, { state: string; body: string }>();
      for (const r of list.data) if (r.state !== "COMMENTED") latest.set(r.user?.login ?? `#${r.id}`, { state: r.state, body: r.body ?? "" });
      const changeRequests = [...latest].filter(([, r]) => r.state === "CHANGES_REQUESTED").map(([user, r]) => ({ user, body: r.body }));
      return { failedChecks, changeRequests };
    },
    async merge(ref, number, method: MergeMethod, sha) {
      try {
        const { data } = await octokit.rest.pulls.merge({ ...ref, pull_number: number, merge_method: method, ...(sha ? { sha } : {}) });
        if (!data.merged) throw new GithubForgeError("not_mergeable", data.message || "GitHub did not merge the pull request", 200);
        return { sha: data.sha };
      } catch (e) {
        if (e instanceof GithubForgeError) throw e;
        const { status, message } = answer(e);
        if (status === 405) throw await whyNotMergeable(message, () => state(ref, number));
        if (status === 409) throw new GithubForgeError("head_moved", message || "the head branch moved since it was read; read the PR again and retry", 409);
        throw refusal(e);
      }
    },
  };
}

/** The fields of a pull request this adapter reads (pulls.get's answer has more). */
interface PullLike {
  number: number;
  html_url: string;
  head: { sha: string; ref: string };
  base: { ref: string };
  state: string;
  draft?: boolean;
  merged: boolean;
  mergeable: boolean | null;
  mergeable_state: string;
  merge_commit_sha: string | null;
}

/**
 * The review state of a pull request from its reviews, oldest first: each reviewer's latest
 * approving or change-requesting review counts (a comment changes nothing, a dismissal clears it);
 * one reviewer asking for changes outweighs any number of approvals, as GitHub's own gate does.
 */
export function reviewStatus(list: readonly { user: string; state: string }[]): ForgeReviewStatus {
  const latest = new Map<string, string>();
  for (const r of list) {
    if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED") latest.set(r.user, r.state);
    else if (r.state === "DISMISSED") latest.delete(r.user);
  }
  const states = [...latest.values()];
  if (states.includes("CHANGES_REQUESTED")) return "changes_requested";
  return states.includes("APPROVED") ? "approved" : "none";
}

/** The combined status of a head's check runs: any failed → failing, any unfinished → pending. */
export function checkStatus(runs: readonly { status: string; conclusion: string | null }[]): ForgeCheckStatus {
  if (runs.length === 0) return "none";
  if (runs.some((r) => r.status === "completed" && r.conclusion !== null && FAILED.has(r.conclusion))) return "failing";
  if (runs.some((r) => r.status !== "completed")) return "pending";
  return "passing";
}

/**
 * A 405 from the merge endpoint says "not mergeable" with a message that is sometimes precise
 * ("At least 1 approving review is required…", "Required status check "ci" is failing.") and
 * sometimes not ("Pull Request is not mergeable"); then the PR's own state says why.
 */
async function whyNotMergeable(message: string, read: () => Promise<ForgePullRequest>): Promise<GithubForgeError> {
  const m = message.toLowerCase();
  if (/\bdraft\b/.test(m)) return new GithubForgeError("draft", `${message}: mark it ready for review first`, 405);
  if (/\breview/.test(m)) return new GithubForgeError("reviews_missing", message, 405);
  if (/status check|check run|checks? (?:are|is|have) (?:failing|failed)/.test(m)) {
    return new GithubForgeError(/expected|pending|in progress/.test(m) ? "checks_pending" : "checks_failing", message, 405);
  }
  if (/conflict/.test(m)) return new GithubForgeError("conflict", message, 405);
  if (/(?:merge|squash|rebase).*not allowed|not allowed.*(?:merge|squash|rebase)/.test(m)) return new GithubForgeError("method_not_allowed", message, 405);
  const pr = await read();
  if (pr.mergeable === false || pr.mergeableState === "dirty") return new GithubForgeError("conflict", `${message}: the branch conflicts with ${pr.baseBranch}`, 405);
  if (pr.draft) return new GithubForgeError("draft", `${message}: the pull request is a draft; mark it ready for review first`, 405);
  if (pr.checks === "failing") return new GithubForgeError("checks_failing", `${message}: checks are failing on ${pr.headSha.slice(0, 12)}`, 405);
  if (pr.checks === "pending") return new GithubForgeError("checks_pending", `${message}: checks are still running on ${pr.headSha.slice(0, 12)}`, 405);
  if (pr.mergeableState === "blocked") return new GithubForgeError("reviews_missing", `${message}: blocked by branch protection (reviews required)`, 405);
  return new GithubForgeError("not_mergeable", message || "GitHub refused the merge", 405);
}

function openRefusal(status: number, message: string, errors: string[]): GithubForgeError | undefined {
  if (status !== 422) return undefined;
  const all = [message, ...errors].join("; ");
  if (/already exists/i.test(all)) return new GithubForgeError("exists", all, 422);
  if (/no commits between/i.test(all)) return new GithubForgeError("no_commits", all, 422);
  return undefined;
}

async function call<T>(fn: () => Promise<T>, special?: (status: number, message: string, errors: string[]) => GithubForgeError | undefined): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const a = answer(e);
    throw special?.(a.status, a.message, a.errors) ?? refusal(e);
  }
}

/** status and GitHub's message of a failed request; nothing else of it (its request carries the token). */
function answer(e: unknown): { status: number; message: string; errors: string[] } {
  const err = e as { status?: unknown; response?: { data?: unknown } };
  const status = typeof err.status === "number" ? err.status : 0;
  const data = (err.response?.data ?? {}) as { message?: unknown; errors?: unknown };
  const message = typeof data.message === "string" ? data.message : "";
  const errors = Array.isArray(data.errors)
    ? data.errors.map((x) => (typeof x === "string" ? x : typeof (x as { message?: unknown })?.message === "string" ? (x as { message: string }).message : "")).filter(Boolean)
    : [];
  return { status, message, errors };
}

function refusal(e: unknown): GithubForgeError {
  const { status, message, errors } = answer(e);
  const text = [message, ...errors].filter(Boolean).join("; ");
  if (status === 0) return new GithubForgeError("unavailable", "GitHub is unreachable");
  if (status === 401) return new GithubForgeError("auth", "GitHub refused the token (401)", 401);
  if (status === 403 || status === 429) {
    return /rate limit/i.test(text) || status === 429
      ? new GithubForgeError("rate_limited", text || "GitHub rate limit", status)
      : new GithubForgeError("forbidden", text || "the token may not do this (403)", status);
  }
  if (status === 404) return new GithubForgeError("not_found", text || "not found (or the token cannot see it)", 404);
  if (status === 422) return new GithubForgeError("invalid", text || "GitHub refused the request (422)", 422);
  if (status >= 500) return new GithubForgeError("unavailable", `GitHub answered ${status}`, status);
  return new GithubForgeError("invalid", text || `GitHub answered ${status}`, status);
}
