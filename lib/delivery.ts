/**
 * Delivery rules that both ends share (CONTRACT §1 `delivery`, `base-branch`, `branch`): which
 * delivery a job gets when its manifest leaves it unset, the branch name a template makes for a
 * job, and the policy check that `merge` (straight to the base branch) needs a profile's
 * `allow-direct-push: true`. Pure: the coordinator passes in the forge hosts it is configured for.
 */
import { branchNameProblem } from "./manifest/values";
import type { Delivery, FieldProblem, Manifest } from "./types";

export const DEFAULT_BRANCH_TEMPLATE = "fleet/<job-id>-<slug>";

/** Hosts that are a forge without any setting (a GitHub Enterprise host is added by configuration). */
export const KNOWN_FORGE_HOSTS = ["github.com"] as const;

/** The host of a git URL or scp-like address (`git@host:path`), lower-cased; undefined for a local path. */
export function repoHost(repo: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repo);
  if (scheme) {
    if (scheme[1]!.toLowerCase() === "file") return undefined;
    try {
      return new URL(repo).hostname.toLowerCase() || undefined;
    } catch {
      return undefined;
    }
  }
  const scp = /^(?:[^@/:]+@)?([^/:]+):(?!\/\/)/.exec(repo);
  // `C:\work` is a Windows path, not host "C"
  if (scp && scp[1]!.length > 1) return scp[1]!.toLowerCase();
  return undefined;
}

/**
 * The delivery a job gets: the manifest's, else `pr` on a known forge, `branch` on another remote,
 * `none` without a repo or for a repository on this machine (a path or file:// URL). A local
 * repository is usually someone's working copy: git refuses a push to its checked-out branch, so
 * pushing there is opt-in (`delivery: branch`), and Ship by default only records the decision.
 */
export function effectiveDelivery(m: Pick<Manifest, "repo" | "delivery">, forgeHosts: readonly string[] = KNOWN_FORGE_HOSTS): Delivery {
  if (m.repo === undefined) return "none";
  if (m.delivery !== undefined) return m.delivery;
  const host = repoHost(m.repo);
  if (host === undefined) return "none";
  return forgeHosts.some((h) => h.toLowerCase() === host) ? "pr" : "branch";
}

/** A title as a branch-name part: lower-case words joined by '-', at most 40 characters. */
export function slugOf(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 40)
    .replace(/^-+|-+$/g, "");
  return slug || "job";
}

/** The branch a job's commits are pushed to: its template with `<job-id>` and `<slug>` filled in. */
export function branchFor(template: string | undefined, job: { id: string; title: string }): string {
  const name = (template ?? DEFAULT_BRANCH_TEMPLATE).replace(/<job-id>/g, job.id).replace(/<slug>/g, slugOf(job.title));
  // The template was checked at submit; a name that still breaks the rules falls back to the default.
  return branchNameProblem(name) === undefined ? name : `fleet/${job.id}`;
}

/**
 * Delivery problems that need the profile: `merge` pushes straight to the base branch, which only
 * a profile with `allow-direct-push: true` permits. Paths are the manifest's (`delivery`).
 */
export function deliveryProblems(m: Pick<Manifest, "delivery">, profile?: { name: string; "allow-direct-push"?: boolean }): FieldProblem[] {
  if (m.delivery !== "merge" || profile?.["allow-direct-push"] === true) return [];
  const why = profile
    ? `profile ${profile.name} does not set allow-direct-push: true`
    : "the job names no profile, and only a profile with allow-direct-push: true permits it";
  return [{ path: "delivery", message: `delivery: merge pushes straight to the base branch: ${why} (use delivery: pr or branch)` }];
}
