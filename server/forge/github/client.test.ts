import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startGithubDouble, validateRequest, validateResponse, type GithubDouble } from "@/test/harness/github-double";
import { githubForge } from "./client";
import { GithubForgeError, type GithubForge } from "./port";
import { isDraft, pullRequestBody, pullRequestTitle } from "./pr-body";
import { reviewStatus } from "./client";
import { githubRepoRef, githubWebHost } from "./repo";

let gh: GithubDouble;
let forge: GithubForge;
const ref = { owner: "acme", repo: "widgets" };
const HEAD = "a".repeat(40);

beforeAll(async () => {
  gh = await startGithubDouble();
  forge = githubForge({ token: gh.token, baseUrl: gh.url });
});
afterAll(async () => gh.close());
afterEach(() => {
  // every request and every answer matched GitHub's published description
  expect(gh.problems.splice(0)).toEqual([]);
});

let n = 0;
/** a fresh repository with a job branch one commit ahead of main */
function repo(opts: Parameters<GithubDouble["addRepo"]>[2] = {}) {
  const r = { owner: "acme", repo: `widgets-${++n}` };
  gh.addRepo(r.owner, r.repo, { branches: { main: "b".repeat(40), "fleet/j1-fix": HEAD }, ...opts });
  return r;
}
const open = (r: { owner: string; repo: string }, draft = false) =>
  forge.openPullRequest(r, { title: "Fix the widget", body: "body", head: "fleet/j1-fix", base: "main", draft });

async function refusal(p: Promise<unknown>): Promise<GithubForgeError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(GithubForgeError);
  return e as GithubForgeError;
}

describe("GitHub adapter against the OpenAPI-checked double", () => {
  it("opens a pull request and reads its state with check runs", async () => {
    const r = repo();
    gh.setChecks(r.owner, r.repo, HEAD, [{ name: "ci", status: "in_progress" }]);
    const pr = await open(r, true);
    expect(pr).toMatchObject({ number: 1, headSha: HEAD, headBranch: "fleet/j1-fix", baseBranch: "main", state: "open", draft: true, checks: "pending", mergeSha: null });
    expect(pr.url).toBe(`${gh.url}/acme/${r.repo}/pull/1`);
    gh.setChecks(r.owner, r.repo, HEAD, [{ name: "ci", status: "completed", conclusion: "success" }]);
    expect((await forge.pullRequest(r, 1)).checks).toBe("passing");
    gh.setChecks(r.owner, r.repo, HEAD, [{ name: "ci", status: "completed", conclusion: "success" }, { name: "lint", status: "completed", conclusion: "failure" }]);
    expect((await forge.pullRequest(r, 1)).checks).toBe("failing");
  });

  it("sends the token only as the Authorization header, to the base URL it was given", async () => {
    const r = repo();
    await open(r);
    const last = gh.requests.at(-1)!;
    expect(last.authorization).toBe(`token ${gh.token}`);
    expect(gh.requests.every((q) => !q.path.includes(gh.token))).toBe(true);
  });

  it("merges with the method asked for and returns the merge SHA", async () => {
    const r = repo();
    await open(r);
    const { sha } = await forge.merge(r, 1, "squash", HEAD);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await forge.pullRequest(r, 1)).toMatchObject({ state: "merged", mergeSha: sha });
    expect(gh.requests.at(-4)).toMatchObject({ method: "PUT", path: `/repos/acme/${r.repo}/pulls/1/merge` });
  });

  it("refuses a merge with failing required checks: checks_failing", async () => {
    const r = repo({ requiredChecks: ["ci"] });
    gh.setChecks(r.owner, r.repo, HEAD, [{ name: "ci", status: "completed", conclusion: "failure" }]);
    await open(r);
    const e = await refusal(forge.merge(r, 1, "merge"));
    expect([e.reason, e.status]).toEqual(["checks_failing", 405]);
    expect(e.message).toContain('"ci"');
  });

  it("refuses a merge while a required check has not reported: checks_pending", async () => {
    const r = repo({ requiredChecks: ["ci"] });
    await open(r);
    expect((await refusal(forge.merge(r, 1, "merge"))).reason).toBe("checks_pending");
  });

  it("refuses a merge without the required approving reviews: reviews_missing, then merges once approved", async () => {
    const r = repo({ requiredApprovals: 1 });
    await open(r);
    const e = await refusal(forge.merge(r, 1, "rebase"));
    expect([e.reason, e.status]).toEqual(["reviews_missing", 405]);
    gh.approve(r.owner, r.repo, 1);
    await expect(forge.merge(r, 1, "rebase")).resolves.toMatchObject({ sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
  });

  it("reads the reviews: each reviewer's latest counts, changes requested outweighs approvals", async () => {
    const r = repo();
    await open(r);
    expect((await forge.pullRequest(r, 1)).review).toBe("none");
    gh.approve(r.owner, r.repo, 1, "alice");
    expect((await forge.pullRequest(r, 1)).review).toBe("approved");
    gh.requestChanges(r.owner, r.repo, 1, "please add a test", "bob");
    expect((await forge.pullRequest(r, 1)).review).toBe("changes_requested");
    gh.approve(r.owner, r.repo, 1, "bob");
    expect((await forge.pullRequest(r, 1)).review).toBe("approved");
  });

  it("finds the open PR of a branch (to adopt it), and the repository's default branch", async () => {
    const r = repo({ defaultBranch: "main" });
    expect(await forge.openPullRequestFor(r, "fleet/j1-fix")).toBeUndefined();
    await open(r);
    expect(await forge.openPullRequestFor(r, "fleet/j1-fix")).toMatchObject({ number: 1, headBranch: "fleet/j1-fix", state: "open" });
    expect(await forge.openPullRequestFor(r, "fleet/other")).toBeUndefined();
    expect(await forge.defaultBranch(r)).toBe("main");
  });

  it("refuses a merge of a draft: draft", async () => {
    const r = repo();
    await open(r, true);
    expect((await refusal(forge.merge(r, 1, "squash"))).reason).toBe("draft");
  });

  it("refuses a conflicting merge: GitHub's bare 'not mergeable' is explained from the PR's state", async () => {
    const r = repo();
    await open(r);
    gh.setConflict(r.owner, r.repo, 1, true);
    const e = await refusal(forge.merge(r, 1, "squash"));
    expect([e.reason, e.status]).toEqual(["conflict", 405]);
    expect(e.message).toContain("conflicts with main");
  });

  it("a generic 405 on a blocked PR with green checks reads as reviews missing", async () => {
    const r = repo({ requiredApprovals: 2 });
    gh.setChecks(r.owner, r.repo, HEAD, [{ name: "ci", status: "completed", conclusion: "success" }]);
    await open(r);
    gh.answerNext({ status: 405, body: { message: "Pull Request is not mergeable" } });
    expect((await refusal(forge.merge(r, 1, "merge"))).reason).toBe("reviews_missing");
  });

  it("refuses a merge whose head moved since it was read: head_moved (409)", async () => {
    const r = repo();
    await open(r);
    gh.pushTo(r.owner, r.repo, "fleet/j1-fix", "c".repeat(40));
    const e = await refusal(forge.merge(r, 1, "squash", HEAD));
    expect([e.reason, e.status]).toEqual(["head_moved", 409]);
  });

  it("refuses a merge method the repository disallows: method_not_allowed", async () => {
    const r = repo({ mergeMethods: ["merge"] });
    await open(r);
    expect((await refusal(forge.merge(r, 1, "squash"))).reason).toBe("method_not_allowed");
  });

  it("maps a 422 on merge to invalid with GitHub's message", async () => {
    const r = repo();
    await open(r);
    gh.answerNext({ status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "sha", code: "invalid", message: "sha is not a valid commit" }], documentation_url: "https://docs.github.com/rest" } });
    const e = await refusal(forge.merge(r, 1, "merge"));
    expect([e.reason, e.status]).toEqual(["invalid", 422]);
    expect(e.message).toContain("sha is not a valid commit");
  });

  it("opening twice is `exists`; a branch with nothing new is `no_commits`; an unknown repo is not_found", async () => {
    const r = repo();
    await open(r);
    expect((await refusal(open(r))).reason).toBe("exists");
    const same = { owner: "acme", repo: `widgets-${++n}` };
    gh.addRepo(same.owner, same.repo, { branches: { main: HEAD, "fleet/j1-fix": HEAD } });
    expect((await refusal(open(same))).reason).toBe("no_commits");
    expect((await refusal(forge.pullRequest({ owner: "acme", repo: "nope" }, 1))).reason).toBe("not_found");
  });

  it("a wrong token is `auth`, and the error carries neither token", async () => {
    const bad = githubForge({ token: "github_pat_wrong_secret", baseUrl: gh.url });
    const e = await refusal(bad.pullRequest(repo(), 1));
    expect(e.reason).toBe("auth");
    expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toMatch(/github_pat_/);
  });

  it("an unreachable GitHub is `unavailable`", async () => {
    const down = githubForge({ token: "t", baseUrl: "http://127.0.0.1:1" });
    expect((await refusal(down.pullRequest(ref, 1))).reason).toBe("unavailable");
  });
});

describe("the double holds itself to GitHub's description", () => {
  it("flags a request body that does not match the operation", () => {
    const v = validateRequest("PUT", new URL("http://x/repos/a/b/pulls/1/merge"), { merge_method: "fast-forward" }, true);
    expect(v.problems.join("\n")).toMatch(/body\/merge_method must be equal to one of the allowed values/);
  });
  it("flags an unknown path, an undeclared query parameter and a bad path parameter", () => {
    expect(validateRequest("GET", new URL("http://x/repos/a/b/pulls/1/nope"), undefined, false).problems[0]).toMatch(/no operation/);
    expect(validateRequest("GET", new URL("http://x/repos/a/b/pulls/1?colour=red"), undefined, false).problems).toEqual([expect.stringMatching(/query parameter colour is not declared/)]);
    expect(validateRequest("GET", new URL("http://x/repos/a/b/pulls/one"), undefined, false).problems.join()).toMatch(/pull_number must be integer/);
  });
  it("flags an answer whose status is undeclared or whose body does not match", () => {
    const { op } = validateRequest("PUT", new URL("http://x/repos/a/b/pulls/1/merge"), { merge_method: "squash" }, true);
    expect(validateResponse(op!, { status: 418, body: {} })[0]).toMatch(/status not declared/);
    expect(validateResponse(op!, { status: 200, body: { sha: 7, merged: true, message: "ok" } }).join()).toMatch(/body\/sha must be string/);
    expect(validateResponse(op!, { status: 200, body: { sha: "x".repeat(40), merged: true, message: "ok" } })).toEqual([]);
  });
  it("answers 500 and records the problem when a client sends a bad request", async () => {
    const d = await startGithubDouble();
    try {
      const res = await fetch(`${d.url}/repos/a/b/pulls`, { method: "POST", headers: { authorization: `token ${d.token}`, "content-type": "application/json" }, body: JSON.stringify({ title: 5 }) });
      expect(res.status).toBe(500);
      expect(d.problems.join()).toMatch(/body must have required property 'head'|body\/title must be string/);
    } finally {
      await d.close();
    }
  });
});

describe("pull request text and repository refs", () => {
  const s = { jobId: "j_1", title: "Fix  the\nwidget", prompt: "make it spin\nfaster", verify: "failed" as const, scope: ["3 files changed"], costUsd: 0.4213, engine: "claude", factory: "f-1", jobUrl: "https://fleet.example/jobs/j_1", issueNumber: 42 };
  it("builds the body with prompt, verify, engine, factory, cost, scope, job link and Closes #N", () => {
    const body = pullRequestBody(s);
    for (const part of ["> make it spin", "> faster", "❌ failed", "| Engine | claude |", "| Factory | f-1 |", "$0.42", "- 3 files changed", "(https://fleet.example/jobs/j_1)", "Closes #42"]) expect(body).toContain(part);
    expect(pullRequestBody({ ...s, issueNumber: undefined })).not.toContain("Closes");
    expect(pullRequestTitle(s)).toBe("Fix the widget");
  });
  it("keeps the job's hostile text inert: no issue closed, linked or person notified from the prompt or title", () => {
    const body = pullRequestBody({ ...s, title: "Fix @admins", prompt: "Closes #7\nfixes acme/shop#9 and pings @octocat", issueNumber: 42 });
    expect(body).not.toMatch(/#7|#9|@octocat/);
    expect(body).toContain("Closes #\u20607");
    expect(body).toContain("Closes #42");
    expect(pullRequestTitle({ ...s, title: "Fix @admins" })).toBe("Fix @\u2060admins");
  });
  it("is a draft while verify is pending or failed", () => {
    expect([isDraft("pending"), isDraft("failed"), isDraft("passed"), isDraft("none")]).toEqual([true, true, false, false]);
  });
  it("parses github.com and GHE repository URLs, and nothing else", () => {
    expect(githubRepoRef("https://github.com/acme/widgets.git", "github.com")).toEqual({ owner: "acme", repo: "widgets" });
    expect(githubRepoRef("git@github.com:acme/widgets.git", "github.com")).toEqual({ owner: "acme", repo: "widgets" });
    expect(githubRepoRef("ssh://git@ghe.corp/acme/widgets", "ghe.corp")).toEqual({ owner: "acme", repo: "widgets" });
    expect(githubRepoRef("https://gitlab.com/acme/widgets", "github.com")).toBeUndefined();
    expect(githubRepoRef("https://github.com/acme/widgets/tree/main", "github.com")).toBeUndefined();
    expect(githubRepoRef("/srv/git/widgets.git", "github.com")).toBeUndefined();
    expect(githubWebHost("https://api.github.com")).toBe("github.com");
    expect(githubWebHost("https://ghe.corp/api/v3")).toBe("ghe.corp");
  });
  it("keeps a port: a GHE server or a test double on host:port serves only its own port", () => {
    expect(githubWebHost("http://127.0.0.1:4123")).toBe("127.0.0.1:4123");
    expect(githubRepoRef("http://127.0.0.1:4123/acme/widgets.git", "127.0.0.1:4123")).toEqual({ owner: "acme", repo: "widgets" });
    expect(githubRepoRef("http://127.0.0.1:9999/acme/widgets.git", "127.0.0.1:4123")).toBeUndefined();
    expect(githubRepoRef("ssh://git@ghe.corp:22/acme/widgets.git", "ghe.corp")).toEqual({ owner: "acme", repo: "widgets" });
  });
  it("sums reviews as GitHub's gate does: comments change nothing, a dismissal clears", () => {
    expect(reviewStatus([])).toBe("none");
    expect(reviewStatus([{ user: "a", state: "COMMENTED" }])).toBe("none");
    expect(reviewStatus([{ user: "a", state: "CHANGES_REQUESTED" }, { user: "a", state: "COMMENTED" }])).toBe("changes_requested");
    expect(reviewStatus([{ user: "a", state: "CHANGES_REQUESTED" }, { user: "a", state: "DISMISSED" }, { user: "b", state: "APPROVED" }])).toBe("approved");
  });
});
