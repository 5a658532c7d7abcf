/**
 * The specs' side of the GitHub double's control server (support/github.ts): they play the
 * repository's CI (a check run on a commit), file and edit issues as people do, and read what
 * GitHub holds (a branch head, a PR, an issue with its labels and comments).
 */
import type { CheckRunSeed } from "../../test/harness/github-double";
import type { DoubleIssue } from "../../test/harness/github-double-issues";

const control = () => ({ url: process.env.E2E_GITHUB_CONTROL_URL!, key: process.env.E2E_GITHUB_CONTROL_KEY! });

async function call<T>(method: "GET" | "POST", p: string, body?: unknown): Promise<T> {
  const c = control();
  const res = await fetch(new URL(p, c.url), {
    method,
    headers: { "x-e2e-key": c.key, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = (await res.json()) as T;
  if (!res.ok) throw new Error(`github control ${method} ${p}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

export const githubRepoUrl = () => process.env.E2E_GITHUB_REPO_URL!;

/** CI reports on a commit: the required check `name` completes with `conclusion` */
export const setCheck = (sha: string, name: string, conclusion: NonNullable<CheckRunSeed["conclusion"]>) =>
  call("POST", "/checks", { sha, runs: [{ name, status: "completed", conclusion }] satisfies CheckRunSeed[] });

/** the repository's CI runs on a commit and reports its required check (support/github.ts: two rounds pass) */
export const runCi = (sha: string) => call<{ conclusion: "success" | "failure"; rounds: number }>("POST", "/ci", { sha });

export const branchSha = async (name: string) => (await call<{ sha: string | null }>("GET", `/branch?name=${encodeURIComponent(name)}`)).sha;

export interface DoublePull {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  mergeSha: string | null;
  base: string;
  draft: boolean;
  title: string;
  body: string | null;
}
export const pullFor = (branch: string) => call<DoublePull | null>("GET", `/pull?branch=${encodeURIComponent(branch)}`);

/** every request or answer of the double that did not match GitHub's OpenAPI description */
export const doubleProblems = () => call<string[]>("GET", "/problems");

/** An issue as the double holds it, and the `issue` and `repository` fields GitHub's webhooks about it carry. */
export interface IssueOnGithub {
  issue: DoubleIssue;
  payload: { issue: Record<string, unknown>; repository: Record<string, unknown> };
}
/** a person files an issue on the repository (acme/shop) */
export const createIssue = (i: { title: string; body: string; labels?: string[] }) => call<IssueOnGithub>("POST", "/issues", i);
/** a person edits an issue's title or body on GitHub */
export const editIssue = (number: number, change: { title?: string; body?: string }) => call<IssueOnGithub>("POST", "/issues/edit", { number, ...change });
export const issueOn = (number: number) => call<IssueOnGithub>("GET", `/issue?number=${number}`);
