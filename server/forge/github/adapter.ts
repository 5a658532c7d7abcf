import "server-only";
import type { JobDelivery } from "@/server/store/records";
import type { ForgeAdapter, MergeMethod, PullRequestPort, ShipPlan } from "../port";
import { githubForge } from "./client";
import type { GithubForge } from "./port";
import { githubRepoRef, githubWebHost } from "./repo";

export interface GithubAdapterOptions {
  /** GITHUB_TOKEN: a fine-grained token of the coordinator's settings (contents + pull requests: write) */
  token: string;
  /** GITHUB_API_URL: https://api.github.com, https://<ghe-host>/api/v3, or a test double */
  apiUrl: string;
  /** FLEET_GITHUB_MERGE_METHOD */
  mergeMethod: MergeMethod;
  /** another client over the same API (tests); default Octokit's */
  client?: GithubForge;
}

/**
 * The GitHub forge adapter: serves repositories on the GitHub host of GITHUB_API_URL (github.com,
 * a GitHub Enterprise host, or host:port of a test double) and carries the pull-request operations
 * over the Octokit client. Ship on a `pr` job merges its pull request; a `branch` job on GitHub has
 * no PR, so it is shipped like plain git (a merge task).
 */
export function githubAdapter(opts: GithubAdapterOptions): ForgeAdapter {
  const host = githubWebHost(opts.apiUrl);
  const client = opts.client ?? githubForge({ token: opts.token, baseUrl: opts.apiUrl });
  const method = opts.mergeMethod;
  const pulls: PullRequestPort = {
    forge: "github",
    mergeMethod: method,
    ref: (repo) => githubRepoRef(repo, host),
    defaultBranch: (ref) => client.defaultBranch(ref),
    branchProtected: (ref, branch) => client.branchProtected(ref, branch),
    open: (ref, input) => client.openPullRequest(ref, input),
    update: (ref, number, text) => client.updatePullRequest(ref, number, text),
    findOpen: (ref, branch) => client.openPullRequestFor(ref, branch),
    read: (ref, number) => client.pullRequest(ref, number),
    merge: (ref, number, m, sha) => client.merge(ref, number, m, sha),
    ...(client.feedback ? { feedback: (ref, number, sha) => client.feedback!(ref, number, sha) } : {}),
  };
  return {
    kind: "github",
    serves: (repo) => githubRepoRef(repo, host) !== undefined,
    shipPlan: (d) => githubShipPlan(d, method),
    pulls,
  };
}

/** What Ship does on GitHub: merge the PR (or say the PR comes first); a `branch` job merges as plain git. */
export function githubShipPlan(d: JobDelivery, method: MergeMethod): ShipPlan {
  if (d.mode !== "pr") {
    const base = d.baseBranch ?? "the default branch";
    return { kind: "merge_task", label: `merge ${d.branch} into ${base} and push` };
  }
  const pr = d.pr;
  if (pr && pr.state === "open") return { kind: "merge_pr", method, number: pr.number, label: `Merge PR #${pr.number} (${method})` };
  if (pr && pr.state === "merged") return { kind: "merge_pr", method, number: pr.number, label: `PR #${pr.number} is merged` };
  if (pr) return { kind: "merge_pr", method, number: pr.number, label: `PR #${pr.number} is closed` };
  return { kind: "merge_pr", method, label: `open a pull request for ${d.branch}, then merge it (${method})` };
}
